/**
 * The generated parts of the privacy audit document (docs/telemetry.md).
 * Each part is a pure function from the contracts to an mdast tree; the
 * document's prose around them is hand-written. Parts read the generated
 * JSON Schema, so the document describes exactly what goes on the wire.
 */
import type { PhrasingContent as Phrasing, RootContent } from 'mdast';
import { DATA_CATEGORIES, type DataCategory, LEGAL_BASES, type LegalBasis, PRIVACY_KEYWORD, type PrivacyRecord, retentionWords } from '../../schema/privacy.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { VersionRecord } from '../../schema/registry.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import type { Contract } from '../../schema/contract.js';
import { type Field, type JsonSchema, isSchemaObject, listContractFields, listFields } from '../contract/fields.js';
import { wireHash } from '../contract/wire-view.js';
import { privacyHash } from '../governance/privacy-content.js';
import type { Release, Releases } from '../governance/releases.js';
import { type ReviewRecord, latestReview, reviewerWords, reviewsOf } from '../governance/reviews.js';
import { type Change, type PrivacyKey, changesBetween, diffContracts, processingChanges } from '../governance/semantic-diff.js';
import { describeType } from './describe-type.js';
import { promisesPart, valuesPart } from './promises-doc.js';
import type { PromiseKeeping } from '../../schema/promises.js';
import { type Cell, code, codeBlock, heading, list, paragraph, stringify, strong, table, text } from './mdast.js';

export const AUDIT_DOC = 'docs/telemetry.md';

export interface VersionInput {
  readonly contract: Contract;
  /** The contract's generated JSON Schema document. */
  readonly schema: JsonSchema;
  /** Where the version stands in its life; a draft when not given. */
  readonly record?: Omit<VersionRecord, 'contract'>;
}

export interface AuditInput {
  /** Every version, oldest first. */
  readonly versions: readonly VersionInput[];
  readonly currentVersion: number;
  readonly processingRecord: ProcessingRecord;
  /** Released versions and what they froze. */
  readonly released: Releases;
  /** Recorded privacy reviews. */
  readonly reviews: readonly ReviewRecord[];
  /** The connection test (schema/probe.ts), where the contract declares one. */
  readonly probe?: { readonly mediaType: string; readonly messageIdOf: string; readonly body: unknown };
  /** What keeps each promise (schema/promises.ts): the part "How each promise is kept". */
  readonly promises?: readonly PromiseKeeping[];
}

function recordOf(field: Field): PrivacyRecord | undefined {
  const record = field.schema[PRIVACY_KEYWORD];
  return isSchemaObject(record) ? (record as unknown as PrivacyRecord) : undefined;
}

/** "Art. 6(1)(f) legitimate interests: capacity planning" */
export function basisWords(basis: LegalBasis, note?: string): string {
  const { letter, title } = LEGAL_BASES[basis];
  return `Art. 6(1)(${letter}) ${title.toLowerCase()}${note ? `: ${note}` : ''}`;
}

/** JSON Pointer of the value a dotted field path names, or undefined inside arrays. */
function instancePointer(path: string): string | undefined {
  return path.includes('[]') ? undefined : `/${path.split('.').join('/')}`;
}

function sortedPointers(rules: readonly CrossFieldRule[]): Set<string> {
  return new Set(rules.flatMap((rule) => (rule.kind === 'sorted-by-code-point' ? [rule.path] : [])));
}

/** "yes", "no", "(each item)", or for a required field inside an optional object "yes, when `a` is sent". */
function requiredWords(field: Field, fields: readonly Field[]): Cell {
  if (field.isItems) return '(each item)';
  if (!field.required) return 'no';
  const optionalAncestor = fields.find((other) => !other.required && !other.isItems && (field.path.startsWith(`${other.path}.`) || field.path.startsWith(`${other.path}[]`)));
  return optionalAncestor === undefined ? 'yes' : [text('yes, when '), code(optionalAncestor.path), text(' is sent')];
}

/** One table row per field: path, type in words, required, purpose, legal basis, category. */
function fieldRows(fields: readonly Field[], rules: readonly CrossFieldRule[]): Cell[][] {
  const sorted = sortedPointers(rules);
  return fields
    // Items of a list of plain values are described by the list's own row.
    .filter((field) => !field.isItems || field.schema['type'] === 'object')
    .map((field) => {
      const record = recordOf(field);
      const pointer = instancePointer(field.path);
      return [
        [code(field.path)],
        describeType(field.schema, { sorted: pointer !== undefined && sorted.has(pointer) }),
        requiredWords(field, fields),
        record?.purpose ?? (field.isItems ? 'An item of the list above.' : ''),
        record ? basisWords(record.legalBasis, record.basisNote) : '',
        record ? DATA_CATEGORIES[record.category].title : '',
        record ? retentionWords(record.retention) : '',
        record?.owner ?? '',
        record?.reviewBy ?? '',
      ];
    });
}

/** The columns of every field and header table; a record's owner and review date are the reviewer's first questions. */
const FIELD_HEADER = ['Field', 'Type', 'Required', 'Why we collect it', 'Legal basis', 'Category', 'Retention', 'Owner', 'Review by'];

export function fieldsPart({ contract, schema }: VersionInput): RootContent[] {
  const fields = listContractFields(schema).filter((f) => f.header !== true);
  return [table(FIELD_HEADER, fieldRows(fields, contract.rules))];
}

export function headersPart({ contract, schema }: VersionInput): RootContent[] {
  const fields = listContractFields(schema).filter((f) => f.header === true);
  if (fields.length === 0) return [paragraph('This version sends no headers of its own.')];
  return [table(['Header', ...FIELD_HEADER.slice(1)], fieldRows(fields, contract.rules))];
}

function ruleFields(rule: CrossFieldRule): Cell {
  const pointers = rule.kind === 'instant-before' ? [rule.earlier, rule.later] : [rule.path];
  return pointers.flatMap((pointer, i) => [...(i > 0 ? [text(', ')] : []), code(pointer.slice(1).split('/').join('.'))]);
}

export function rulesPart({ contract }: VersionInput): RootContent[] {
  if (contract.rules.length === 0) return [paragraph('This version has no rules across fields.')];
  return [table(['Rule id', 'Fields', 'Meaning'], contract.rules.map((rule) => [[code(rule.id)], ruleFields(rule), rule.meaning]))];
}

/** The balancing test of every field based on legitimate interests. */
export function balancingPart({ schema }: VersionInput): RootContent[] {
  const rows = listContractFields(schema).flatMap((field) => {
    const record = recordOf(field);
    return record?.legalBasis === 'legitimate-interests' && !field.isItems ? [[[code(field.header ? `header ${field.path}` : field.path)], record.basisNote, record.proportionality ?? ''] as Cell[]] : [];
  });
  if (rows.length === 0) return [paragraph('No field of this version relies on legitimate interests.')];
  return [table(['Field', 'Interest', 'Why it outweighs the data subjects\' interests'], rows)];
}

/** Every lint exception the contract declares, with its justification: reviewers see each one. */
export function exceptionsPart({ schema }: VersionInput): RootContent[] {
  const rows = listContractFields(schema).flatMap((field) =>
    (recordOf(field)?.exceptions ?? []).map((e) => [[code(field.header ? `header ${field.path}` : field.path)], [code(e.rule)], e.justification] as Cell[]),
  );
  if (rows.length === 0) return [paragraph('None: every field passes every rule of the privacy lint.')];
  return [table(['Field', 'Rule not applied', 'Justification'], rows)];
}

export function notCollectedPart({ contract }: VersionInput): RootContent[] {
  return [
    list(
      contract.notCollected.map((entry) => [
        strong(entry.what),
        text(`: ${entry.reason} `),
        text(`(For example: ${entry.examples.join(', ')}.)`),
      ]),
    ),
  ];
}

/** `v1–v3`, `v1, v3`: a list of versions, consecutive runs as ranges. */
export function versionRanges(versions: readonly number[]): string {
  const sorted = [...new Set(versions)].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const v of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === v - 1) last[1] = v;
    else runs.push([v, v]);
  }
  return runs.map(([a, b]) => (a === b ? `v${a}` : b === a + 1 ? `v${a}, v${b}` : `v${a}–v${b}`)).join(', ');
}

/**
 * Which fields use each value of a record key ("category", "legalBasis",
 * "retention") over all versions: each field named once, with the versions
 * in which it has that value, so the summary stays short however many
 * versions there are.
 */
function usage<K extends 'category' | 'legalBasis' | 'retention'>(versions: readonly VersionInput[], key: K): Map<PrivacyRecord[K], Map<string, number[]>> {
  const byValue = new Map<PrivacyRecord[K], Map<string, number[]>>();
  for (const { contract, schema } of versions) {
    for (const field of listContractFields(schema)) {
      const record = recordOf(field);
      if (!record) continue;
      const name = field.header ? `header ${field.path}` : field.path;
      const fields = byValue.get(record[key]) ?? new Map<string, number[]>();
      byValue.set(record[key], fields);
      fields.set(name, [...(fields.get(name) ?? []), contract.version]);
    }
  }
  return byValue;
}

function names(fields: ReadonlyMap<string, readonly number[]>): Cell {
  return [...fields].flatMap(([name, versions], i) => [...(i > 0 ? [text(', ')] : []), code(name), text(` (${versionRanges(versions)})`)]);
}

export function art30Part({ versions, processingRecord: record }: AuditInput): RootContent[] {
  const categories = usage(versions, 'category');
  const bases = usage(versions, 'legalBasis');
  return [
    paragraph(strong('(a) Controller.'), text(` ${record.controller.name} Contact: ${record.controller.contact} Data protection: ${record.controller.dataProtectionContact}`)),
    paragraph(strong('(b) Purposes of the processing.')),
    list(record.purposes),
    paragraph(strong('Legal bases in use'), text(' (from the fields\' privacy records):')),
    table(
      ['Legal basis', 'Fields and headers'],
      [...bases.entries()].map(([basis, fields]) => [basisWords(basis as LegalBasis), names(fields)]),
    ),
    paragraph(strong('(c) Categories of data subjects.')),
    list(record.dataSubjects),
    paragraph(strong('(c) Categories of data'), text(' (from the fields\' privacy records):')),
    table(
      ['Category', 'Meaning', 'Personal data', 'Fields and headers'],
      [...categories.entries()].map(([category, fields]) => {
        const entry = DATA_CATEGORIES[category as DataCategory];
        return [entry.title, entry.meaning, entry.personalData ? 'can be' : 'no', names(fields)];
      }),
    ),
    paragraph(strong('(d) Recipients.')),
    list(record.recipients),
    paragraph(strong('(e) Transfers to third countries.'), text(` ${record.thirdCountryTransfers}`)),
    paragraph(strong('(f) Retention.'), text(` ${record.retention.summary} Per field and header:`)),
    table(
      ['Kept', 'Fields and headers'],
      [...usage(versions, 'retention').entries()].map(([retention, fields]) => [retentionWords(retention as string), names(fields)]),
    ),
    paragraph(
      strong('Enforced by the store.'),
      text(' Each period counts from the moment a report is received. '),
      code('purge'),
      text(' of '),
      code('telemetry-contract/store-postgres'),
      text(
        ' applies the periods above to the stored reports: it deletes a report once every field it holds has expired, and clears a field whose own period ends first. A field kept until the contract ends goes the stated time after the contract end of its license record, which the license store in the same database holds. Nothing kept "not stored" has a column in the generated table (',
      ),
      code('generated/v<N>/storage.sql'),
      text('), whose column comments repeat each field\'s purpose, legal basis, category and retention.'),
    ),
    paragraph(strong('(g) Technical and organisational security measures.')),
    list(record.securityMeasures),
  ];
}

/** The versions an installation can send: every version but the retired ones, as `v1, v2`. */
function sendable(versions: readonly VersionInput[]): string {
  return versionRanges(versions.filter((v) => statusOf(v) !== 'retired').map((v) => v.contract.version));
}

export function dataFlowPart({ versions, processingRecord }: AuditInput): RootContent[] {
  const diagram = [
    'flowchart LR',
    '  db[("On-prem database")] --> agg["Aggregation: counts for one window"]',
    `  agg --> validate["Validation against the schema version the installation sends (${sendable(versions)})"]`,
    '  validate --> mask["Customer mask (optional)"]',
    '  mask --> encrypt["Encryption (optional): JWE, AES-256-GCM"]',
    '  encrypt --> sign["Signing: HMAC-SHA-256 over the bytes sent"]',
    '  sign --> tls["TLS (https: only)"]',
    '  tls --> ingest["SaaS ingest: size, signature, decryption, version, schema, rules"]',
    `  ingest --> store[("Storage, deleted after ${processingRecord.retention.days} days")]`,
  ].join('\n');
  return [codeBlock('mermaid', diagram)];
}

/** What a connection test carries: its body, field by field with each privacy record, and what it shares with a report. */
export function probePart({ probe, versions }: AuditInput): RootContent[] {
  if (probe === undefined) return [];
  const fields = listFields(JSON.parse(JSON.stringify(probe.body)) as JsonSchema);
  return [
    paragraph(
      'A connection test goes to the ingest endpoint with the headers of a report of the version it names (see that version\'s header table): ',
      code('content-type'),
      ' is ',
      code(probe.mediaType),
      ' (or ',
      code('application/jose'),
      ' when encrypted), and ',
      code('webhook-id'),
      ' is the hash of ',
      code(probe.messageIdOf),
      `, never a window's. Its body carries no counts, only these three values (its schemaVersion is the version the installation sends: ${sendable(versions)}):`,
    ),
    table(FIELD_HEADER, fieldRows(fields, [])),
    paragraph('The endpoint verifies a connection test like a report and answers it; it stores nothing of it, neither the body nor a header.'),
  ];
}

const STATUS_WORDS: Readonly<Record<VersionRecord['status'], string>> = {
  draft: 'draft: may still change',
  released: 'released: frozen',
  deprecated: 'deprecated: still accepted, servers announce its sunset',
  retired: 'retired: refused by servers',
};

function statusOf(version: VersionInput): VersionRecord['status'] {
  return version.record?.status ?? 'draft';
}

/** "released 2026-11-26; deprecated 2026-12-01, sunset 2027-06-01" */
function datesOf({ record }: VersionInput): string {
  if (record === undefined) return '';
  const parts = [
    record.released ? `released ${record.released}` : undefined,
    record.deprecated ? `deprecated ${record.deprecated}` : undefined,
    record.sunset ? `sunset ${record.sunset}` : undefined,
    record.retired ? `retired ${record.retired}` : undefined,
  ].filter(Boolean);
  return parts.join(', ');
}

/** The review that stands for a version now: the approval of its current content, else a pending review of it. */
function standing({ contract, schema }: VersionInput, reviews: readonly ReviewRecord[], processingRecord: ProcessingRecord | undefined): { approval?: ReviewRecord; pending?: ReviewRecord } {
  return reviewsOf(reviews, contract.version, privacyHash(schema, processingRecord));
}

/** "approved 2026-12-01 by Dana Fischer (Data Protection Officer)", "pending: reviewed … by …", or why there is none. */
function approvalWords(version: VersionInput, input: Pick<AuditInput, 'reviews' | 'processingRecord'>): string {
  const { approval, pending } = standing(version, input.reviews, input.processingRecord);
  if (approval !== undefined) return `approved ${approval.date} by ${reviewerWords(approval)}`;
  if (pending !== undefined) return `pending: reviewed ${pending.date} by ${reviewerWords(pending)}, not approved yet`;
  return latestReview(input.reviews, version.contract.version) === undefined ? 'never reviewed' : 'changed since its last review';
}

export function versionsPart(input: AuditInput): RootContent[] {
  const { versions, currentVersion, released } = input;
  return [
    table(
      ['Version', 'Status', 'Dates', 'Privacy approval of the current content', 'Content hash'],
      [...versions].reverse().map((version) => {
        const { contract, schema } = version;
        const status = [contract.version === currentVersion ? 'current' : undefined, STATUS_WORDS[statusOf(version)]].filter(Boolean).join(', ');
        return [`v${contract.version}`, status, datesOf(version) || 'not released', approvalWords(version, input), [code(released.get(contract.version)?.contentHash ?? wireHash(schema))]];
      }),
    ),
  ];
}

/**
 * Where machine readers find each version's JSON Schema: the package export,
 * the file in this repository and the schema endpoint. Generated, so it names
 * the versions that exist and the current one as they are now.
 */
export function machineReadablePart({ versions, currentVersion }: AuditInput): RootContent[] {
  const served = versions.filter((v) => statusOf(v) !== 'retired').map((v) => v.contract.version);
  const items = served.map((v): Cell => [
    code(`v${v}`),
    text(v === currentVersion ? ' (current): ' : ': '),
    code(`generated/v${v}/telemetry.schema.json`),
    text(' in this repository, '),
    code(`telemetry-contract/schemas/v${v}.json`),
    text(' in the package, and '),
    code(`GET /api/v1/telemetry/schema${v === currentVersion ? '' : `?version=${v}`}`),
    text(' from an ingest server that accepts it.'),
  ]);
  return [paragraph('Machine readers should use the JSON Schema of each version rather than parse this page. The three copies of one version are the same document:'), list(items)];
}

/** The heading of a version's section and the one line that changes over its life: its status. */
export function statusPart(version: VersionInput, currentVersion: number): RootContent[] {
  const { contract } = version;
  const dates = datesOf(version);
  return [
    heading(2, `Schema v${contract.version}`),
    paragraph(
      strong('Status:'),
      text(` ${[contract.version === currentVersion ? 'current (what uploaders send by default)' : undefined, STATUS_WORDS[statusOf(version)]].filter(Boolean).join(', ')}${dates ? `; ${dates}` : ''}.`),
    ),
  ];
}

function changeRows(changes: readonly Change[]): Cell[][] {
  return changes.map((change) => [[code(change.subject)], change.what]);
}

/**
 * What a version changes against the one before it, written for privacy
 * reviewers: new data with its purpose, legal basis and retention; data no
 * longer sent; changed records; and the other changes to what is valid.
 */
export function changesPart(previous: VersionInput, version: VersionInput): RootContent[] {
  const changes = changesBetween(previous.schema, version.schema, version.contract.version);
  const added = changes.filter((c) => c.what === 'new data collected' && c.privacy !== undefined);
  const removed = changes.filter((c) => c.what === 'field removed' || c.what.startsWith('renamed from'));
  const recordChanges = changes.filter((c) => c.class === 'privacy-relevant' && c.what !== 'new data collected');
  const addedNames = new Set(added.map((c) => c.subject));
  const other = changes.filter((c) => (c.class === 'wire-additive' || c.class === 'wire-breaking') && !addedNames.has(c.subject) && !removed.includes(c) && c.subject !== `v${version.contract.version}`);
  const nodes: RootContent[] = [heading(3, `Changes from v${previous.contract.version}`)];
  if (added.length + removed.length + recordChanges.length + other.length === 0) {
    nodes.push(paragraph(`The same fields with the same privacy records as v${previous.contract.version}.`));
    return nodes;
  }
  if (added.length > 0) {
    nodes.push(
      paragraph(strong('New data.')),
      table(
        ['Field', 'Required', 'Why we collect it', 'Legal basis', 'Retention'],
        added.map((c) => [[code(c.subject)], c.required === undefined ? '' : c.required ? 'yes' : 'no', c.privacy!.purpose, basisWords(c.privacy!.legalBasis, c.privacy!.basisNote), retentionWords(c.privacy!.retention)]),
      ),
    );
  }
  if (removed.length > 0) nodes.push(paragraph(strong('No longer sent.')), table(['Field', 'Change'], changeRows(removed)));
  if (recordChanges.length > 0) nodes.push(paragraph(strong('Changed privacy records.')), table(['Field', 'Change'], changeRows(recordChanges)));
  if (other.length > 0) nodes.push(paragraph(strong('Other changes to what is valid.')), table(['Field or rule', 'Change'], changeRows(other)));
  return nodes;
}

/**
 * A version's section as it is published: every field and header with its
 * privacy record, the rules, the balancing tests, the exceptions, what is
 * not collected, and the changes from the version before. Frozen with the
 * version when it is released.
 */
export function versionPart(version: VersionInput, previous: VersionInput | undefined): RootContent[] {
  return [
    ...(previous === undefined ? [] : changesPart(previous, version)),
    heading(3, 'Body fields'),
    ...fieldsPart(version),
    heading(3, 'Legitimate interests: the balancing test'),
    ...balancingPart(version),
    heading(3, 'Headers'),
    ...headersPart(version),
    heading(3, 'What each value can be'),
    ...valuesPart(version),
    heading(3, 'Rules across fields'),
    ...rulesPart(version),
    heading(3, 'What we deliberately do not collect'),
    ...notCollectedPart(version),
    heading(3, 'Exceptions to the privacy lint'),
    ...exceptionsPart(version),
  ];
}

function linkOf(link: string): Phrasing {
  return /^https?:/.test(link) ? { type: 'link', url: link, children: [text(link)] } : code(link);
}

/** A review as a cell: who, in what role, and where it is written down. */
function reviewCell(review: ReviewRecord | undefined, link: string): Cell {
  return review === undefined ? [linkOf(link)] : [text(`${reviewerWords(review)}, `), linkOf(link)];
}

/** Each part of a privacy record by the name the document gives it (its column, or its section). */
const RECORD_WORDS: Readonly<Record<PrivacyKey, string>> = {
  purpose: 'Why we collect it',
  legalBasis: 'Legal basis',
  basisNote: 'Legal basis (its note)',
  proportionality: 'Balancing test',
  category: 'Category',
  retention: 'Retention',
  owner: 'Owner',
  reviewBy: 'Review by',
  exceptions: 'Exceptions to the privacy lint',
};

/** A value of a record part as the document shows it: "400 days", "Art. 6(1)(b) performance of a contract", "Customer Success". */
function recordValueWords(key: PrivacyKey, value: unknown): string {
  if (value === undefined) return '(none)';
  switch (key) {
    case 'legalBasis':
      return basisWords(value as LegalBasis);
    case 'category':
      return DATA_CATEGORIES[value as DataCategory]?.title ?? String(value);
    case 'retention':
      return retentionWords(String(value));
    case 'exceptions':
      return (value as Array<{ rule: string }>).map((e) => e.rule).join(', ') || '(none)';
    default:
      return String(value);
  }
}

/** A change as the amendments table words it: the record part by its column's name, old and new value as the tables show them. */
function changeWords(change: Change): string {
  if (change.record === undefined) return change.what;
  const { key, before, after } = change.record;
  return `${RECORD_WORDS[key]}: ${recordValueWords(key, before)} → ${recordValueWords(key, after)}`;
}

/**
 * A released version's amendments, oldest first: per amendment and kind of
 * change, the day, the fields, the change (before → after, in the words and
 * values the tables above use) and the approval, worked out from the
 * approved contents the reviews hold.
 */
export function amendmentsPart(version: number, release: Release | undefined, reviews: readonly ReviewRecord[]): RootContent[] {
  if (release === undefined) return [];
  const title = heading(4, 'Amendments since the release');
  if (release.amendments.length === 0) return [title, paragraph(`None: the privacy records of v${version} are as they were released.`)];
  const approvalOf = (hash: string | undefined) => (hash === undefined ? undefined : reviewsOf(reviews, version, hash).approval ?? reviews.find((r) => r.version === version && r.contentHash === hash));
  const rows: Cell[][] = [];
  let before = release.privacyHash;
  for (const amendment of release.amendments) {
    const [was, now] = [approvalOf(before), approvalOf(amendment.privacyHash)];
    const changes =
      was === undefined || now === undefined
        ? []
        : [...diffContracts({ versions: new Map([[version, was.content]]) }, { versions: new Map([[version, now.content]]) }), ...processingChanges(was.processingRecord, now.processingRecord, version)].filter((c) => c.class === 'privacy-relevant');
    const groups = new Map<string, string[]>();
    for (const change of changes) groups.set(changeWords(change), [...(groups.get(changeWords(change)) ?? []), change.subject]);
    const approvedBy = reviewCell(now, amendment.link);
    if (groups.size === 0) rows.push([amendment.date, '', amendment.what, approvedBy]);
    for (const [what, subjects] of groups) rows.push([amendment.date, subjects.flatMap((subject, i) => [...(i > 0 ? [text(', ')] : []), code(subject)]), what, approvedBy]);
    before = amendment.privacyHash;
  }
  return [title, table(['Date', 'Fields', 'Change', 'Approved by'], rows)];
}

/**
 * Who approved the version, and when: the approval of its current privacy
 * content, or, while there is none, the pending review or the news that the
 * content changed since the last review; then, for a released version, the
 * approval it was released with and every amendment since.
 */
export function reviewPart(version: VersionInput, reviews: readonly ReviewRecord[], release?: Release, processingRecord?: ProcessingRecord): RootContent[] {
  const { contract } = version;
  const v = contract.version;
  const title = heading(3, 'Privacy review');
  const last = latestReview(reviews, v);
  if (last === undefined) return [title, paragraph(`No privacy review of v${v} is recorded yet; `, code('npm run check'), ' fails until one is.')];
  const { approval, pending } = standing(version, reviews, processingRecord);
  const atRelease = release?.privacyHash === undefined ? undefined : reviewsOf(reviews, v, release.privacyHash).approval;
  const nodes: RootContent[] = [title];
  if (approval !== undefined) {
    nodes.push(
      paragraph(strong('Approved:'), text(` ${approval.date}, by ${reviewerWords(approval)} (`), linkOf(approval.link), text(`). The current privacy content is the approved content (${approval.contentHash.slice(0, 19)}…).`)),
    );
  } else if (pending !== undefined) {
    nodes.push(
      paragraph(
        strong('Approval pending:'),
        text(` reviewed ${pending.date} by ${reviewerWords(pending)} (`),
        linkOf(pending.link),
        text(`), which does not approve it. v${v} can be released only once a privacy reviewer approves this content (${pending.contentHash.slice(0, 19)}…).`),
      ),
    );
  } else {
    nodes.push(
      paragraph(strong('Latest review:'), text(` ${last.date}, by ${reviewerWords(last)}, ${last.decision} (`), linkOf(last.link), text(').')),
      paragraph('The privacy content has changed since this review; ', code('npm run check'), ' fails until it is reviewed again.'),
    );
  }
  if (atRelease !== undefined && atRelease !== approval) {
    nodes.push(paragraph(strong('Released with the approval of:'), text(` ${atRelease.date}, by ${reviewerWords(atRelease)} (`), linkOf(atRelease.link), text(').')));
  }
  return [...nodes, ...amendmentsPart(v, release, reviews)];
}

/** The name of the part of a version's section that is frozen when the version is released. */
export function versionPartName(version: number): string {
  return `version v${version}`;
}

/**
 * Every generated part of the audit document, by marker name, in document
 * order: where machine readers find the schemas, the versions table and the
 * data flow, then each version's section
 * (its status, its published content, its review), newest first, then the
 * Art. 30 record. A part the document lacks is placed by this order.
 */
export function auditParts(input: AuditInput): Map<string, string> {
  const parts = new Map<string, string>();
  parts.set('machine-readable', stringify(machineReadablePart(input)));
  parts.set('versions', stringify(versionsPart(input)));
  parts.set('data-flow', stringify(dataFlowPart(input)));
  if (input.probe !== undefined) parts.set('probe', stringify(probePart(input)));
  const versions = input.versions;
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i]!;
    const v = `v${version.contract.version}`;
    parts.set(`status ${v}`, stringify(statusPart(version, input.currentVersion)));
    parts.set(versionPartName(version.contract.version), stringify(versionPart(version, versions[i - 1])));
    parts.set(`review ${v}`, stringify(reviewPart(version, input.reviews, input.released.get(version.contract.version), input.processingRecord)));
  }
  parts.set('art30', stringify(art30Part(input)));
  parts.set('promises', stringify(promisesPart({ versions: input.versions, processingRecord: input.processingRecord, ...(input.promises === undefined ? {} : { promises: input.promises }) })));
  return parts;
}
