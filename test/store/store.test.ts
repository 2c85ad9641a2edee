/**
 * The PostgreSQL store, run alike on PGlite (embedded) and on a real
 * PostgreSQL server (the throwaway cluster of the global setup). Each test
 * works in a PostgreSQL schema of its own, so tests share a database but no
 * table.
 */
import { describe, expect, it } from 'vitest';
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { listContractFields } from '../../scripts/contract/fields.js';
import type { IngestSuccess } from '../../src/server/ingest.js';
import { ingest } from '../../src/server.js';
import { type QueryClient, StoreError } from '../../src/store/database.js';
import { openStore } from '../../src/store/store.js';
import { createPostgresStore, storagePlan } from '../../src/store-postgres.js';
import { reportDigest } from '../../src/store/report-digest.js';
import { validateTelemetry } from '../../src/contract/validate.js';
import { v1 } from '../../schema/v1.js';
import { putShortRetention, shortRetentionPlan } from '../support/short-retention-store.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { KEY_A, built, counts } from '../wire/support.js';
import { testKeyring } from '../support/keyring.js';
import { windowReport } from '../support/window-report.js';

const DAY = 86_400_000;
const RECEIVED = new Date('2026-11-16T01:00:00Z');
const after = (days: number) => new Date(RECEIVED.getTime() + days * DAY);

/** A verified report of one window, through the real ingest. */
const report = (licenseId = 'lic-0042', start = '2026-11-01T00:00:00Z', end = '2026-11-16T00:00:00Z', overrides: Record<string, unknown> = {}): Promise<IngestSuccess> => windowReport(licenseId, start, end, overrides);

// A pool, so concurrent puts arrive on separate connections as they would on a server.
const backends = storeBackends(8);

describe.each(backends)('store on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  const fresh = async (options: { now?: () => Date } = {}) => {
    const schema = freshSchema();
    const store = createPostgresStore(client, { schema, keyring: testKeyring, now: options.now ?? (() => RECEIVED) });
    await store.migrate();
    return { store, schema, table: `${schema}.telemetry_reports` };
  };
  const rows = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;

  it.skipIf(skip)('migrates once: a second migrate() applies nothing and leaves one record per version', async () => {
    const schema = freshSchema();
    const store = createPostgresStore(client, { schema, keyring: testKeyring });
    expect(await store.migrate()).toEqual({ applied: [1] });
    expect(await store.migrate()).toEqual({ applied: [] });
    const recorded = await rows(`SELECT version, checksum FROM ${schema}.telemetry_migrations`);
    expect(recorded.map((r) => [Number(r['version']), r['checksum']])).toEqual(storagePlan.migrations.map((m) => [m.version, m.checksum]));
  });

  it.skipIf(skip)('refuses to run on a database migrated with a different v1 migration (a draft that changed since)', async () => {
    const { store, schema } = await fresh();
    await client.query(`UPDATE ${schema}.telemetry_migrations SET checksum = 'sha256:0' WHERE version = 1`);
    await expect(store.migrate()).rejects.toThrow(/v1 migration applied to this database differs from this package's \(migration-changed\)/);
  });

  it.skipIf(skip)('stores a window once when 20 requests carry it at the same time: exactly one 201', async () => {
    const { store, table } = await fresh();
    const result = await report();
    const answers = await Promise.all(Array.from({ length: 20 }, () => store.put(result)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && !a.created)).toHaveLength(19);
    expect(await rows(`SELECT dedupe_key FROM ${table}`)).toEqual([{ dedupe_key: result.dedupeKey }]);
  });

  it.skipIf(skip)('answers 200 for the same report again and 409 window-conflict for another body of a stored window, keeping the first', async () => {
    const { store } = await fresh();
    const first = await report();
    expect(await store.put(first)).toMatchObject({ status: 201, created: true });
    // The same payload, its members in another order: the digest is of the payload, not of its spelling.
    const reordered = { ...first, payload: Object.fromEntries(Object.entries(first.payload).reverse()) } as unknown as IngestSuccess;
    expect(await store.put(reordered)).toEqual({ status: 200, created: false, dedupeKey: first.dedupeKey });
    const other = await report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z', { activeSeats: first.payload.activeSeats + 1 });
    const conflict = await store.put(other);
    expect(conflict).toMatchObject({ status: 409, created: false, dedupeKey: first.dedupeKey, error: { rule: 'window-conflict' } });
    expect(conflict.status === 409 && conflict.error.message).toMatch(/^lic-0042\/2026-11-01T00:00:00Z\/2026-11-16T00:00:00Z: this window is already stored with another body; .* \(window-conflict\)/);
    expect((await store.get(first.dedupeKey))?.payload).toEqual(first.payload);
  });

  it.skipIf(skip)('answers 409 to every one of 10 conflicting bodies sent at once, and stores exactly one', async () => {
    const { store, table } = await fresh();
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z', { activeSeats: i })));
    const answers = await Promise.all(bodies.map((b) => store.put(b)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    const [row] = await rows(`SELECT active_seats::int AS seats, body_digest FROM ${table}`);
    const winner = bodies[answers.findIndex((a) => a.status === 201)]!;
    expect(row).toEqual({ seats: winner.payload.activeSeats, body_digest: reportDigest(winner.payload) });
  });

  it.skipIf(skip)('refuses a window that overlaps a stored window of the license with 409 window-overlap, also when many arrive at once, and stores none of them', async () => {
    const { store, table, schema } = await fresh();
    expect(await store.put(await report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'))).toMatchObject({ status: 201 });
    // Ten windows that each overlap the stored one and each other, at the same moment, on separate connections.
    const overlapping = await Promise.all(Array.from({ length: 10 }, (_, i) => report('lic-0042', `2026-11-${String(5 + i).padStart(2, '0')}T00:00:00Z`, '2026-11-20T00:00:00Z')));
    const answers = await Promise.all(overlapping.map((r) => store.put(r)));
    expect(answers.map((a) => [a.status, a.status === 409 && a.error.rule])).toEqual(overlapping.map(() => [409, 'window-overlap']));
    expect(answers[0]!.status === 409 && answers[0]!.error.message).toMatch(/^lic-0042\/2026-11-05T00:00:00Z\/2026-11-20T00:00:00Z: overlaps a window of this license that is already stored; .* \(window-overlap\)$/);
    // The days that follow, and the same days of another license, are windows of their own; two racing ones store one.
    const next = await Promise.all([report('lic-0042', '2026-11-16T00:00:00Z', '2026-11-30T00:00:00Z'), report('lic-0042', '2026-11-20T00:00:00Z', '2026-12-01T00:00:00Z')]);
    expect((await Promise.all(next.map((r) => store.put(r)))).map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await store.put(await report('lic-0043', '2026-11-05T00:00:00Z', '2026-11-20T00:00:00Z'))).toMatchObject({ status: 201 });
    const stored = await rows(`SELECT r.dedupe_key, w.period IS NOT NULL AS windowed FROM ${table} r LEFT JOIN ${schema}.telemetry_windows w USING (dedupe_key) ORDER BY 1`);
    expect(stored.map((r) => r['windowed'])).toEqual([true, true, true]);
    // forget erases a license's windows with its reports: the same days can be reported again.
    expect(await store.forget({ licenseId: 'lic-0042' })).toBe(2);
    expect(await rows(`SELECT dedupe_key FROM ${schema}.telemetry_windows`)).toEqual([{ dedupe_key: 'lic-0043/2026-11-05T00:00:00Z/2026-11-20T00:00:00Z' }]);
    expect(await store.put(overlapping[0]!)).toMatchObject({ status: 201 });
  });

  it.skipIf(skip)('reads back the payload and the kept headers as stored', async () => {
    const { store } = await fresh();
    const result = await report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
    await store.put(result);
    expect(await store.get(result.dedupeKey)).toEqual({
      dedupeKey: result.dedupeKey,
      receivedAt: '2026-11-16T01:00:00Z',
      bodyDigest: reportDigest(result.payload),
      schemaVersion: 1,
      headers: { 'webhook-id': result.messageId, 'x-telemetry-customer': 'Example%20Holdings%20GmbH', 'x-telemetry-license-id': 'lic-0042' },
      payload: result.payload,
    });
    expect(await store.get('lic-0042/2000-01-01T00:00:00Z/2000-01-02T00:00:00Z')).toBeUndefined();
  });

  it.skipIf(skip)('stores no header kept P0D: no column for it, and none of its values anywhere in the row', async () => {
    const { store, schema } = await fresh();
    const request = await built({ now: () => Date.now() });
    const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k', secret: KEY_A }], acceptedVersions: [1] });
    if (!result.ok || result.kind !== 'report') throw new Error(result.ok ? 'a probe' : result.error.message);
    await store.put(result);
    const notStored = listContractFields(toJsonSchema(v1)).filter((f) => f.header && (f.schema['x-privacy'] as { retention: string }).retention === 'P0D').map((f) => f.path);
    // The contract's own headers checked on arrival, and every header HTTP or the runtime puts on a request.
    expect(notStored.sort()).toEqual(['accept', 'accept-encoding', 'accept-language', 'connection', 'content-length', 'content-type', 'host', 'sec-fetch-mode', 'user-agent', 'webhook-signature', 'webhook-timestamp', 'x-telemetry-schema-version']);
    const stored = storagePlan.versions[1]!.columns;
    expect(stored.filter((c) => 'header' in c.source).map((c) => c.field).sort()).toEqual(['webhook-id', 'x-telemetry-customer', 'x-telemetry-license-id']);
    const columns = (await rows(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'telemetry_reports' ORDER BY ordinal_position`, [schema])).map((r) => r['column_name']);
    // data_region and data_key are the store's own, added after the contract's columns; window_start is the partition key.
    expect(columns).toEqual(['dedupe_key', 'window_start', 'received_at', 'body_digest', ...stored.map((c) => c.column), 'data_region', 'data_key']);
    const [row] = await rows(`SELECT row_to_json(r)::text AS text FROM ${schema}.telemetry_reports r`);
    expect(row!['text']).not.toContain(request.headers['webhook-signature']!.slice(3, 40));
    expect(row!['text']).not.toContain(`"${request.headers['webhook-timestamp']}"`);
  });

  it.skipIf(skip)('comments every column with its purpose, legal basis, category and retention', async () => {
    const { schema } = await fresh();
    const comment = async (column: string) =>
      (await rows(`SELECT col_description($1::regclass, attnum) AS text FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`, [`${schema}.telemetry_reports`, column]))[0]?.['text'];
    expect(await comment('active_seats')).toMatch(/^Field activeSeats\. How many distinct users .* Legal basis: Art\. 6\(1\)\(f\) legitimate interests \(capacity planning\)\. Category: aggregate usage count \(usage-aggregate\)\. Retention: P400D \(400 days\)\./);
    expect(await comment('license_id')).toMatch(/^Header x-telemetry-license-id\. .*Retention: P400D/);
  });

  it.skipIf(skip)('keeps a report 400 days from its receipt, then purges every field of it', async () => {
    const { store, table, schema } = await fresh();
    await store.put(await report('lic-0042'));
    await store.put(await report('lic-0042', '2026-11-16T00:00:00Z', '2026-12-01T00:00:00Z', { nodeVersion: undefined }));
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.telemetry_windows`)).toEqual([{ n: 2 }]);
    const kept = await store.purge(after(399));
    expect(kept.reportsDeleted).toBe(0);
    expect(Object.values(kept.removed).every((n) => n === 0)).toBe(true);
    const purged = await store.purge(after(401));
    expect(purged.reportsDeleted).toBe(2);
    expect(purged.removed).toMatchObject({ activeSeats: 2, featuresUsed: 2, 'x-telemetry-license-id': 2, 'x-telemetry-customer': 2 });
    expect(await rows(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
    // A report's window goes with it: nothing of the license and its days is left.
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.telemetry_windows`)).toEqual([{ n: 0 }]);
  });

  it.skipIf(skip)('forgets every report of one license and nothing of licenses whose ids it prefixes', async () => {
    const { store, table } = await fresh();
    await store.put(await report('lic-a'));
    await store.put(await report('lic-a', '2026-11-16T00:00:00Z', '2026-12-01T00:00:00Z'));
    for (const other of ['lic-a-2', 'lic-a.x', 'lic-ab', 'lic-A']) await store.put(await report(other));
    expect(await store.forget({ licenseId: 'lic-a' })).toBe(2);
    expect(await store.forget({ licenseId: 'lic-a' })).toBe(0);
    const left = (await rows(`SELECT split_part(dedupe_key, '/', 1) AS license FROM ${table} ORDER BY 1`)).map((r) => r['license']);
    expect(left.sort()).toEqual(['lic-A', 'lic-a-2', 'lic-a.x', 'lic-ab'].sort());
    await expect(store.forget({ licenseId: 'lic-a/%' })).rejects.toThrow(/^forget: licenseId must match .* \(license-id\)$/);
  });

  it.skipIf(skip)('answers another body for a stored window 409 window-conflict, naming the stored report by its digest', async () => {
    const { store } = await fresh();
    const first = await report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', { activeSeats: 40 });
    const other = await report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', { activeSeats: 41 });
    expect(await store.put(first)).toMatchObject({ status: 201 });
    expect(await store.put(other)).toMatchObject({ status: 409, error: { rule: 'window-conflict', storedDigest: reportDigest(first.payload) } });
    expect((await store.get(first.dedupeKey))?.payload).toMatchObject({ activeSeats: 40 });
  });

  it.skipIf(skip)('lets a correction supersede exactly the stored report it names, records it, and never lets an old correction come back', async () => {
    const { store, schema } = await fresh({ now: () => RECEIVED });
    const window = (activeSeats: number) => report('lic-0042', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', { activeSeats });
    const [a, b, c] = await Promise.all([window(40), window(41), window(42)]);
    const digest = (r: IngestSuccess) => reportDigest(r.payload);
    await store.put(a);
    // A correction naming a report the window does not have changes nothing.
    expect(await store.put({ ...b, supersedes: 'f'.repeat(64) })).toMatchObject({ status: 409, error: { rule: 'window-conflict', storedDigest: digest(a) } });
    expect(await store.put({ ...b, supersedes: digest(a) })).toEqual({ status: 200, created: false, dedupeKey: a.dedupeKey, superseded: digest(a) });
    // The same correction again is the same report again.
    expect(await store.put({ ...b, supersedes: digest(a) })).toEqual({ status: 200, created: false, dedupeKey: a.dedupeKey });
    expect(await store.put({ ...c, supersedes: digest(b) })).toMatchObject({ status: 200, superseded: digest(b) });
    // The first correction, replayed, names a report the window no longer has.
    expect(await store.put({ ...b, supersedes: digest(a) })).toMatchObject({ status: 409, error: { storedDigest: digest(c) } });
    const stored = await store.get(a.dedupeKey);
    expect(stored).toMatchObject({ bodyDigest: digest(c), payload: { activeSeats: 42 } });
    expect(stored?.supersessions).toEqual([
      { at: '2026-11-16T01:00:00Z', previousDigest: digest(a), bodyDigest: digest(b), keyId: 'k' },
      { at: '2026-11-16T01:00:00Z', previousDigest: digest(b), bodyDigest: digest(c), keyId: 'k' },
    ]);
    // The record lives as long as its report: forget takes both, and so does purge.
    await store.put(await report('lic-0099', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', { activeSeats: 1 }));
    await store.put({ ...(await report('lic-0099', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', { activeSeats: 2 })), supersedes: reportDigest({ ...a.payload, activeSeats: 1 }) });
    const count = async () => Number((await rows(`SELECT count(*) AS n FROM ${schema}.telemetry_reports_supersessions`))[0]!['n']);
    expect(await count()).toBe(3);
    expect(await store.forget({ licenseId: 'lic-0042' })).toBe(1);
    expect(await count()).toBe(1);
    await store.purge(after(401));
    expect(await count()).toBe(0);
  });

  it.skipIf(skip)('refuses, in the database too, a report the schema refuses (defence in depth)', async () => {
    const { store, table } = await fresh();
    const valid = await report();
    for (const payload of [
      { ...valid.payload, activeSeats: -1 },
      { ...valid.payload, featuresUsed: ['sso', 'audit-log'] },
      { ...valid.payload, featuresUsed: ['Audit Log'] },
      { ...valid.payload, appVersion: 'not-a-sha' },
    ]) {
      expect(validateTelemetry(payload).ok).toBe(false);
      const error = await store.put({ ...valid, payload } as IngestSuccess).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).rule).toBe('constraint');
      expect((error as StoreError).message).toMatch(/^put: the database refused the report by check constraint \w+; /);
    }
    // A writer that bypasses the store meets the same constraints; of a sealed column, the database checks the length.
    await expect(
      client.query(
        `INSERT INTO ${table} (dedupe_key, window_start, received_at, body_digest, schema_version, period_start, period_end, active_seats, policies_active, policy_executions_count, total_provisioned_seats, seat_limit_hit, features_used, webhook_id, customer, license_id)
         VALUES ($1, split_part($1, '/', 2)::timestamptz, now(), repeat('0', 64), 1, now(), now(), 1, 1, 1, 1, false, '{}', decode(repeat('00', 96), 'hex'), decode(repeat('00', 28 + 4 * 768 + 1), 'hex'), 'lic')`,
        [valid.dedupeKey],
      ),
    ).rejects.toMatchObject({ constraint: 'customer_check' });
    expect(await rows(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
  });

  describe('a contract whose fields are kept for different periods', () => {
    const put = putShortRetention;

    it.skipIf(skip)('clears a field once its shorter retention ends while its report stays, and deletes the report once the contract has ended too', async () => {
      const store = openStore(client, shortRetentionPlan, { schema: freshSchema(), keyring: testKeyring, now: () => RECEIVED });
      await store.migrate();
      await put(store, 'lic-ended');
      await put(store, 'lic-running');

      const month = await store.purge(after(31));
      expect(month).toMatchObject({ reportsDeleted: 0, removed: { 'usage.sessions': 2, 'usage.seats': 0, build: 0, 'x-telemetry-customer': 0 } });
      const kept = await store.get('lic-running/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z');
      expect(kept?.payload).toEqual({ schemaVersion: 1, periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-16T00:00:00Z', usage: { seats: 12 }, build: '0123abc' });

      // 401 days on: the 400-day and 13-month fields are gone; the customer stays while its contract runs.
      const year = await store.purge(after(401));
      expect(year).toMatchObject({ reportsDeleted: 0, removed: { 'usage.seats': 2, build: 2, periodStart: 2, 'x-telemetry-license-id': 2, 'x-telemetry-customer': 0 } });
      expect((await store.get('lic-running/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z'))?.headers).toEqual({ 'x-telemetry-customer': 'Acme%20GmbH' });

      // One license ended 31 days before: its reports go whole; the other's stays.
      const ended = await store.purge(after(401), { licenseEnds: { 'lic-ended': after(370), 'lic-unrelated': after(0) } });
      expect(ended.reportsDeleted).toBe(1);
      expect(ended.removed['x-telemetry-customer']).toBe(1);
      expect(await store.get('lic-ended/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z')).toBeUndefined();
      expect(await store.get('lic-running/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z')).toBeDefined();
      // 30 days after the end is not yet past it.
      expect((await store.purge(after(401), { licenseEnds: new Map([['lic-running', after(372)]]) })).reportsDeleted).toBe(0);
    });
  });
});
