/**
 * The reports table partitioned by window month, on PGlite and on a real
 * PostgreSQL server: months created when a report first needs them (once,
 * however many processes ask at once), `purge` dropping a month whose every
 * report has expired and deleting row by row only where a month straddles the
 * cutoff, what `PurgeResult` counts, and an unpartitioned table refused.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { QueryClient } from '../../src/store/database.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { freshDatabase, freshSchema, openForSuite, postgresUrl, storeBackends } from '../support/databases.js';
import { testKeyring } from '../support/keyring.js';
import { windowReport } from '../support/window-report.js';

const DAY = 86_400_000;
const EARLY = new Date('2026-11-02T01:00:00Z');
const LATE = new Date(EARLY.getTime() + 300 * DAY);
/** 400 days after EARLY and a day: what EARLY stamped has expired (P400D), what LATE stamped has not. */
const PURGE_AT = new Date(EARLY.getTime() + 401 * DAY);

const report = (licenseId: string, start: string, end: string, overrides: Record<string, unknown> = {}) => windowReport(licenseId, start, end, overrides, true);

const backends = storeBackends(8);

describe.each(backends)('reports partitioned by window month on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  const storeAt = (schema: string, now: Date) => createPostgresStore(client, { schema, keyring: testKeyring, now: () => now });
  const months = async (schema: string) =>
    (await client.query('SELECT c.relname AS name FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1', [`${schema}.telemetry_reports`])).rows.map((r) => String(r['name']));
  const keys = async (sql: string) => (await client.query(sql)).rows.map((r) => String(r['dedupe_key']));

  it.skipIf(skip)('keeps each report in the partition of its window start\'s month, created when first needed', async () => {
    const schema = freshSchema('part');
    const store = storeAt(schema, EARLY);
    await store.migrate();
    expect(await months(schema)).toEqual([]);
    const oct = await report('lic-a', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
    // A window that starts on the last day of a month belongs to that month, whatever month it ends in.
    const endOfOct = await report('lic-b', '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z');
    const nov = await report('lic-a', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
    for (const r of [oct, endOfOct, nov]) expect(await store.put(r)).toMatchObject({ status: 201 });
    expect(await months(schema)).toEqual(['telemetry_reports_2026_10', 'telemetry_reports_2026_11']);
    expect(await keys(`SELECT dedupe_key FROM ${schema}.telemetry_reports_2026_10 ORDER BY 1`)).toEqual([oct.dedupeKey, endOfOct.dedupeKey]);
    expect(await keys(`SELECT dedupe_key FROM ${schema}.telemetry_reports_2026_11`)).toEqual([nov.dedupeKey]);
    expect((await store.get(endOfOct.dedupeKey))?.payload['periodStart']).toBe('2026-10-31T00:00:00Z');
  });

  it.skipIf(skip)('creates a month once when two stores of one database put its first reports at the same time', async () => {
    const schema = freshSchema('part');
    const stores = [storeAt(schema, EARLY), storeAt(schema, EARLY)];
    await stores[0]!.migrate();
    await stores[1]!.migrate();
    const reports = await Promise.all(Array.from({ length: 16 }, (_, i) => report(`lic-c${i}`, '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z')));
    const answers = await Promise.all(reports.map((r, i) => stores[i % 2]!.put(r)));
    expect(answers.map((a) => a.status)).toEqual(reports.map(() => 201));
    expect(await months(schema)).toEqual(['telemetry_reports_2026_09']);
  });

  it.skipIf(skip)('drops a month whose every report has expired, deletes row by row only in the month that straddles the cutoff, and counts what it removed', async () => {
    const schema = freshSchema('part');
    const early = storeAt(schema, EARLY);
    const late = storeAt(schema, LATE);
    await early.migrate();
    const expiredOct = [await report('lic-a', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z'), await report('lic-b', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z')];
    const expiredNov = await report('lic-a', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z', { appVersion: undefined });
    const freshNov = await report('lic-b', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
    const freshDec = await report('lic-a', '2026-12-01T00:00:00Z', '2026-12-16T00:00:00Z');
    for (const r of [...expiredOct, expiredNov]) expect(await early.put(r)).toMatchObject({ status: 201 });
    for (const r of [freshNov, freshDec]) expect(await late.put(r)).toMatchObject({ status: 201 });
    const statements: string[] = [];
    const recording = createPostgresStore({ query: (text, params) => (statements.push(text), client.query(text, params)) }, { schema, keyring: testKeyring, now: () => PURGE_AT });

    const purged = await recording.purge(PURGE_AT);
    // Three reports whole: two in October (dropped), one in November (deleted); their values, per field (appVersion absent from one).
    expect(purged.reportsDeleted).toBe(3);
    expect(purged.removed).toMatchObject({ activeSeats: 3, appVersion: 2, 'x-telemetry-license-id': 3, 'x-telemetry-customer': 3 });
    expect(await months(schema)).toEqual(['telemetry_reports_2026_11', 'telemetry_reports_2026_12']);
    expect(await keys(`SELECT dedupe_key FROM ${schema}.telemetry_reports ORDER BY 1`)).toEqual([freshDec.dedupeKey, freshNov.dedupeKey].sort());
    expect(await keys(`SELECT dedupe_key FROM ${schema}.telemetry_windows ORDER BY 1`)).toEqual([freshDec.dedupeKey, freshNov.dedupeKey].sort());
    // Row by row in November alone; October went by truncation, December was not touched.
    const deletes = statements.filter((s) => /DELETE FROM \S+\.telemetry_reports_\d{4}_\d{2} /.test(s));
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((s) => s.includes('telemetry_reports_2026_11 '))).toBe(true);
    expect(statements.some((s) => /DETACH PARTITION \S+\.telemetry_reports_2026_10;/.test(s))).toBe(true);

    // A purge with nothing expired removes nothing and drops no month.
    expect(await recording.purge(PURGE_AT)).toMatchObject({ reportsDeleted: 0, removed: { activeSeats: 0 } });
    expect(await months(schema)).toEqual(['telemetry_reports_2026_11', 'telemetry_reports_2026_12']);
  });

  it.skipIf(skip)('stores a late report of a dropped month again, also through a store that created the month before it was dropped', async () => {
    const schema = freshSchema('part');
    const early = storeAt(schema, EARLY);
    const other = storeAt(schema, EARLY);
    await early.migrate();
    expect(await early.put(await report('lic-a', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z'))).toMatchObject({ status: 201 });
    // `other` makes the month known to itself, then `early`'s purge drops it.
    expect(await other.put(await report('lic-b', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z'))).toMatchObject({ status: 201 });
    expect(await early.purge(PURGE_AT)).toMatchObject({ reportsDeleted: 2 });
    expect(await months(schema)).toEqual([]);
    expect(await other.put(await report('lic-c', '2026-10-16T00:00:00Z', '2026-11-01T00:00:00Z'))).toMatchObject({ status: 201 });
    expect(await early.put(await report('lic-a', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z', { activeSeats: 9 }))).toMatchObject({ status: 201 });
    expect(await months(schema)).toEqual(['telemetry_reports_2026_10']);
  });

  it.skipIf(skip)('keeps a month, and its reports, while none of them has expired', async () => {
    const schema = freshSchema('part');
    const store = storeAt(schema, EARLY);
    await store.migrate();
    const r = await report('lic-a', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z');
    expect(await store.put(r)).toMatchObject({ status: 201 });
    // Not expired at all yet: the month stays, its report too.
    expect(await store.purge(new Date(EARLY.getTime() + 399 * DAY))).toMatchObject({ reportsDeleted: 0 });
    expect(await months(schema)).toEqual(['telemetry_reports_2026_10']);
    expect(await store.get(r.dedupeKey)).toBeDefined();
  });

  it.skipIf(skip)('refuses to migrate a database whose reports table is not partitioned, naming the step that moves it', async () => {
    const schema = freshSchema('part');
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.telemetry_reports (dedupe_key text PRIMARY KEY)`);
    const store = storeAt(schema, EARLY);
    await expect(store.migrate()).rejects.toMatchObject({
      rule: 'unpartitioned',
      message: expect.stringMatching(/telemetry_reports: this reports table is not partitioned by window month.*\(unpartitioned\); this package does not move its rows: recreate the database .*docs\/key-store\.md "Partitioned reports"/),
    });
  });
});

describe.skipIf(postgresUrl() === undefined)('an expired month held by purge on PostgreSQL', () => {
  it('stores and reads back the reports of other months while the month being emptied is held exclusively', { timeout: 30_000 }, async () => {
    const url = await freshDatabase('monthheld');
    // A statement that waits for the held month fails after 2 s instead of passing late.
    const pool = new pg.Pool({ connectionString: url, max: 4, options: '-c lock_timeout=2000' });
    const holder = new pg.Client({ connectionString: url });
    try {
      const store = createPostgresStore(pool, { keyring: testKeyring, now: () => EARLY });
      await store.migrate();
      const old = await report('lic-a', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z');
      const current = await report('lic-a', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
      for (const r of [old, current]) expect(await store.put(r)).toMatchObject({ status: 201 });
      await holder.connect();
      await holder.query('BEGIN');
      // What telemetry_empty_month takes first, and holds while it counts, deletes the month's windows and truncates it.
      await holder.query('LOCK TABLE telemetry_reports_2026_10 IN ACCESS EXCLUSIVE MODE');
      // A report of the current month, another license's, one of a month not created yet, and a read of each month but the held one.
      expect(await store.put(await report('lic-b', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'))).toMatchObject({ status: 201 });
      expect(await store.put(await report('lic-a', '2026-12-01T00:00:00Z', '2026-12-16T00:00:00Z'))).toMatchObject({ status: 201 });
      expect(await store.put(current)).toMatchObject({ status: 200 });
      expect((await store.get(current.dedupeKey))?.payload['periodStart']).toBe('2026-11-01T00:00:00Z');
      // The held month itself waits: a read of it is refused once lock_timeout passes, so the test above is able to fail.
      await expect(store.get(old.dedupeKey)).rejects.toThrow(/lock timeout/);
      await holder.query('ROLLBACK');
      expect((await store.get(old.dedupeKey))?.payload['periodStart']).toBe('2026-10-01T00:00:00Z');
    } finally {
      await holder.end().catch(() => undefined);
      await pool.end();
    }
  });
});
