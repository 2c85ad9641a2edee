/**
 * `purge` of many expired reports (more than 10,000, over 2,000 table pages): they are deleted
 * a range of table pages at a time, so no statement holds the table for long,
 * and the counts it reports are those of a single statement's.
 */
import { describe, expect, it } from 'vitest';
import type { IngestSuccess } from '../../src/server/ingest.js';
import type { QueryClient } from '../../src/store/database.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { ingest } from '../../src/server.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { FIXTURE_SOFTWARE, KEY_A, built, counts } from '../wire/support.js';
import { testKeyring } from '../support/keyring.js';

const EXPIRED = 60_000;
const RECEIVED = new Date('2020-01-01T00:00:00Z');
const NOW = new Date('2026-01-01T00:00:00Z');

const backends = storeBackends(2);

describe.each(backends)('purge of many reports on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  it.skipIf(skip)('deletes 60,000 expired reports in page ranges, keeps the fresh ones, and counts every removed value', async () => {
    const schema = freshSchema('purge');
    const table = `${schema}.telemetry_reports`;
    const statements: string[] = [];
    const recording: QueryClient = { query: (text, params) => (statements.push(text), client.query(text, params)) };
    const store = createPostgresStore(recording, { schema, keyring: testKeyring, now: () => RECEIVED });
    await store.migrate();
    const request = await built({ now: () => Date.now() }, { ...counts(), periodStart: '2019-12-01T00:00:00Z', periodEnd: '2019-12-16T00:00:00Z' });
    const result = (await ingest({ method: 'POST', headers: request.headers, body: request.body }, { vendorWideKeys: [{ id: 'k', secret: KEY_A }], acceptedVersions: [1], knownSoftware: FIXTURE_SOFTWARE })) as IngestSuccess;
    await store.put(result);
    // Copies of the stored report: every third without appVersion, the last 100 received yesterday. The CHECKs are
    // set aside for the fill only (row by row they would take most of a minute); purge never relies on them.
    const { rows: checks } = await client.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`, [table]);
    for (const c of checks) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${String(c['conname'])}`);
    // Every column but the key and the time of receipt, whatever the store keeps beside the contract's fields.
    const { rows: columnRows } = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'telemetry_reports' AND column_name NOT IN ('dedupe_key', 'received_at') ORDER BY ordinal_position`, [schema]);
    const columns = columnRows.map((r) => String(r['column_name']));
    await client.query(
      `INSERT INTO ${table} (dedupe_key, received_at, ${columns.join(', ')})
       SELECT t.dedupe_key || '#' || i, CASE WHEN i > ${EXPIRED} THEN $2::timestamptz ELSE $3::timestamptz + i * interval '1 second' END,
              ${columns.map((c) => (c === 'app_version' ? 'CASE WHEN i % 3 = 0 THEN NULL ELSE app_version END' : c)).join(', ')}
       FROM ${table} AS t, generate_series(1, ${EXPIRED + 100}) AS i WHERE t.dedupe_key = $1`,
      [result.dedupeKey, new Date(NOW.getTime() - 86_400_000).toISOString(), RECEIVED.toISOString()],
    );
    for (const c of checks) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${String(c['conname'])} ${String(c['def'])} NOT VALID`);

    statements.length = 0;
    const purged = await store.purge(NOW);
    expect(purged.reportsDeleted).toBe(EXPIRED + 1);
    expect(purged.removed).toMatchObject({ activeSeats: EXPIRED + 1, appVersion: EXPIRED + 1 - EXPIRED / 3, 'x-telemetry-license-id': EXPIRED + 1 });
    expect((await client.query(`SELECT count(*)::int AS n, min(received_at) > $1::timestamptz AS fresh FROM ${table}`, [RECEIVED.toISOString()])).rows[0]).toEqual({ n: 100, fresh: true });
    // The reports' deletes; the record of corrections follows its reports in one statement of its own.
    const reportDeletes = (list: string[]) => list.filter((s) => /DELETE FROM \S+\.telemetry_reports(?!_)/.test(s));
    const deletes = reportDeletes(statements);
    expect(deletes.length).toBeGreaterThan(1);
    expect(deletes.every((s) => /ctid >= '\(\d+,0\)'::tid AND ctid < '\(\d+,0\)'::tid/.test(s))).toBe(true);
    // A later purge with little to do is one statement on the index.
    statements.length = 0;
    expect((await store.purge(new Date(NOW.getTime() + 400 * 86_400_000))).reportsDeleted).toBe(100);
    expect(reportDeletes(statements)).toEqual([expect.not.stringContaining('ctid')]);
  }, 60_000);
});
