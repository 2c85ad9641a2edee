/**
 * What keeps each promise of the audit document: every entry of a version's
 * "not collected" list, every proportionality sentence of a field based on
 * legitimate interests, and every technical and organisational measure of the
 * record of processing (Art. 30(1)(g)), beside what enforces it and the tests
 * that prove it. The audit document's "How each promise is kept" is generated
 * from this list, and `npm run check` fails when a promise has no entry, an
 * entry names no keeper, a keeper names a rule, keyword or lint rule that does
 * not exist, or a test that is not there; a keeper that is still pending is
 * reported until it is replaced.
 *
 * Kept apart from the privacy records on purpose: renaming a test is no
 * privacy change and needs no review, while what a promise says is one.
 */
import type { Keeper } from './privacy.js';

/** Which promise an entry keeps. */
export type PromiseRef =
  /** An entry of a version's "not collected" list, by its `what`. */
  | { readonly notCollected: string }
  /** The proportionality sentence of a field (its path as the audit document names it: `activeSeats`). */
  | { readonly proportionality: string }
  /** A measure of the record of processing (Art. 30(1)(g)), by the words it starts with. */
  | { readonly measure: string };

export interface PromiseKeeping {
  readonly promise: PromiseRef;
  /** What keeps the promise, at least one: see {@link Keeper}. A duty (`duty:operator: …`) is someone else's, said in those words. */
  readonly keptBy: readonly Keeper[];
  /** The tests that prove it, as `<test file>: <test name>`; needed unless every keeper is a duty or pending. */
  readonly provedBy: readonly string[];
}

const ATTACKS = 'test/wire/attacks.test.ts';
const ACCEPTED = 'test/wire/accepted-values.test.ts';
const HEADERS_SENT = 'test/wire/headers-sent.test.ts';
const CAPACITY = 'test/lint-capacity.test.ts';
const DATA_KEYS = 'test/store/data-keys.test.ts';
const ERASURE = 'test/store/erasure-files.test.ts';
const CACHE = 'test/store/license-cache.test.ts';

const PROPERTY = `${ACCEPTED}: holds only values the contract allows, whatever strings a report carries`;
const FREE_TEXT = `${ATTACKS}: refuses free text in every string the contract has, and stores nothing`;
const LINT_FREE_TEXT = `${CAPACITY}: refuses a 4,000-character field of any text, even with a complete privacy record`;

export const promiseKeepers: readonly PromiseKeeping[] = [
  {
    promise: { notCollected: 'User identifiers' },
    keptBy: ['schema:additionalProperties', 'lint:personal-data-name', 'lint:free-text', 'runtime:invalid-payload', 'runtime:customer-not-licensed', 'runtime:mask-not-licensed', 'schema:const'],
    provedBy: [
      PROPERTY,
      FREE_TEXT,
      `${HEADERS_SENT}: sends exactly the headers the contract declares, to a real HTTP server`,
      "test/store/license-enforcement.test.ts: refuses another entity's name with customer-not-licensed, and stores nothing",
      'test/store/license-enforcement.test.ts: refuses a forged mask, the right shape under the wrong key, with mask-not-licensed, and stores nothing',
    ],
  },
  { promise: { notCollected: 'Policy content' }, keptBy: ['schema:additionalProperties', 'lint:free-text', 'runtime:invalid-payload'], provedBy: [PROPERTY, FREE_TEXT, LINT_FREE_TEXT] },
  { promise: { notCollected: 'Execution outcomes' }, keptBy: ['schema:additionalProperties', 'lint:closed-object', 'runtime:invalid-payload'], provedBy: [PROPERTY] },
  { promise: { notCollected: 'Stack traces and errors' }, keptBy: ['schema:additionalProperties', 'lint:free-text', 'runtime:invalid-payload'], provedBy: [PROPERTY, FREE_TEXT] },
  {
    promise: { notCollected: 'Geolocation' },
    keptBy: ['schema:additionalProperties', 'runtime:invalid-payload'],
    provedBy: [PROPERTY, "test/store/license-store.test.ts: stamps each stored report with the data region of its license record, never one a request could choose"],
  },
  { promise: { notCollected: 'Performance metrics' }, keptBy: ['schema:additionalProperties', 'runtime:invalid-payload'], provedBy: [PROPERTY] },
  {
    promise: { notCollected: 'Browser telemetry' },
    keptBy: ['schema:additionalProperties', 'schema:const'],
    provedBy: [`${HEADERS_SENT}: sends exactly the headers the contract declares, to a real HTTP server`],
  },
  {
    promise: { proportionality: 'activeSeats' },
    keptBy: ['schema:maximum', 'schema:pattern', 'rule:period-order', 'runtime:window-overlap'],
    provedBy: [
      `${ATTACKS}: refuses a window shorter than a day, and stores nothing`,
      `${ATTACKS}: refuses a window whose bounds are not UTC midnights, and stores nothing`,
      `${ATTACKS}: refuses a window that overlaps a stored window of the license, and stores nothing`,
    ],
  },
  { promise: { proportionality: 'policiesActive' }, keptBy: ['schema:maximum', 'schema:additionalProperties'], provedBy: [PROPERTY] },
  {
    promise: { proportionality: 'policyExecutionsCount' },
    keptBy: ['schema:maximum', 'rule:period-order', 'runtime:window-overlap'],
    provedBy: [PROPERTY, `${ATTACKS}: refuses a window that overlaps a stored window of the license, and stores nothing`],
  },
  {
    promise: { proportionality: 'featuresUsed' },
    keptBy: ['schema:pattern', 'schema:maxItems', 'runtime:feature-not-licensed'],
    provedBy: [
      'test/wire/license-records.test.ts: refuses to build a report naming a feature the license does not declare: the path, the name (bounded) and the rule; nothing is built',
      'test/store/license-enforcement.test.ts: refuses a feature outside the license with feature-not-licensed, and stores nothing',
    ],
  },
  { promise: { proportionality: 'appVersion' }, keptBy: ['schema:pattern', 'runtime:unknown-build'], provedBy: [`${ATTACKS}: stores no appVersion the vendor does not list, and no nodeVersion it does not know`] },
  {
    promise: { proportionality: 'nodeVersion' },
    keptBy: ['schema:pattern', 'lint:free-text', 'runtime:unknown-node-major'],
    provedBy: [`${ATTACKS}: stores no appVersion the vendor does not list, and no nodeVersion it does not know`],
  },
  {
    promise: { measure: 'Only aggregate counts and license posture leave the deployment' },
    keptBy: ['schema:additionalProperties', 'lint:closed-object', 'runtime:invalid-payload'],
    provedBy: [PROPERTY, 'test/wire/uploader.test.ts: refuses an unknown field instead of dropping it'],
  },
  {
    promise: { measure: 'Every request is signed' },
    keptBy: ['runtime:license-key-mismatch', 'runtime:message-id-mismatch', 'runtime:timestamp-too-old', 'runtime:timestamp-too-new'],
    provedBy: [
      "test/wire/license-keys.test.ts: refuses a report for license B signed with license A's key: 401 license-key-mismatch",
      'test/wire/license-keys.test.ts: refuses a request whose customer header was rewritten, by name or to a mask: 422 message-id-mismatch',
      'test/wire/signature.test.ts: rejects a replay older than the tolerance and says how far off the clock is',
      'test/wire/signature.test.ts: compares MACs byte for byte without stopping at the first difference',
    ],
  },
  {
    promise: { measure: 'Transport over TLS' },
    keptBy: ['runtime:https-only', 'duty:operator: terminate TLS 1.2 or later in front of the ingest endpoint, with a certificate for the name uploaders are given'],
    provedBy: [`${ATTACKS}: refuses to send to an http:// address of a remote host, and sends nothing`],
  },
  {
    promise: { measure: 'Signing secrets are per license' },
    keptBy: ['runtime:license-key-mismatch', 'runtime:revoked-key'],
    provedBy: [
      'test/store/key-store.test.ts: issues a secret once, stores it only encrypted, and lists ids, dates and states, never a secret',
      'test/store/key-store.test.ts: rotates and revokes per license, leaving other licenses untouched',
      "test/wire/license-keys.test.ts: refuses a report for license B signed with license A's key: 401 license-key-mismatch",
      `${CACHE}: sees a revocation, a rotation and a record change made by another process at the bound after it, not one lookup later`,
    ],
  },
  {
    promise: { measure: 'A report stored for a window is never replaced' },
    keptBy: ['runtime:window-conflict', 'runtime:window-overlap'],
    provedBy: [
      'test/store/store.test.ts: answers 200 for the same report again and 409 window-conflict for another body of a stored window, keeping the first',
      'test/store/store.test.ts: refuses a window that overlaps a stored window of the license with 409 window-overlap, also when many arrive at once, and stores none of them',
      `${ATTACKS}: refuses a window that overlaps a stored window of the license, and stores nothing`,
      'test/store/offline-bundle.test.ts: answers a window overlapping a stored one 409 window-overlap and stores the others once',
    ],
  },
  {
    promise: { measure: 'The customer name can be replaced by a keyed mask' },
    keptBy: ['runtime:masking-changed', 'runtime:message-id-mismatch'],
    provedBy: [`${ATTACKS}: sends a window queued before masking was switched on under the mask, and never in two forms`],
  },
  {
    promise: { measure: 'What the ingest service stores that can identify a customer' },
    keptBy: ['runtime:sealUnder', 'runtime:sealPersonal', 'runtime:kek-mismatch', 'runtime:kekInForce', 'duty:operator: keep the key-encryption key outside the database and outside its backups'],
    provedBy: [
      `${DATA_KEYS}: stores the customer header, the message id and the legal entity only sealed, and reads back exactly what was sent`,
      `${DATA_KEYS}: binds a sealed value to its report and column: one moved elsewhere does not open`,
      `${DATA_KEYS}: seals under the key-encryption key in force, never under one that rewrap retired, whatever a process's keyring lists first`,
      `${ERASURE}: never holds the names in clear in any file, pg_wal included, before or after forget and purge`,
    ],
  },
  {
    promise: { measure: 'Stored reports are deleted when their retention ends, and a customer' },
    keptBy: [
      'runtime:purge',
      'runtime:forget',
      'duty:operator: keep backups, WAL archives and replicas no longer than promised, or rotate the key-encryption key after an erasure and destroy the old one once nothing stored needs it',
    ],
    provedBy: [
      'test/store/store.test.ts: keeps a report 400 days from its receipt, then purges every field of it',
      `${DATA_KEYS}: destroys the data key with the reports in one statement; a process that still held it seals the next report under a new one`,
      `${DATA_KEYS}: deletes a license whole: reports, signing keys, record and data keys, and nothing of another license`,
      `${CACHE}: sees a license deleted by another process at the bound, and then knows it no more`,
      `${ERASURE}: never holds the names in clear, before or after forget and purge, while it holds a clear value beside them in its tables and WAL`,
    ],
  },
  {
    promise: { measure: 'Encrypting the disks and backups' },
    keptBy: ['duty:operator: keep the database, its disks, its WAL and its backups on encrypted storage (counts, features and windows are stored in clear), the key-encryption key out of them, and backups no longer than their retention'],
    provedBy: [],
  },
];
