/**
 * `purge` of 1,000,000 expired reports against a bare `DELETE … WHERE
 * received_at < $1` of the same rows followed by a `VACUUM` of the table
 * (purge vacuums what it deletes, so the bytes leave the table files), on a
 * throwaway PostgreSQL cluster: two
 * identical tables (the generated v1 migration, each in its own schema),
 * filled alike from one real report, all received long enough ago for every
 * field to have expired, all of one window month (one partition), the purged
 * side with each report's row in the windows table, which purge deletes too; three rounds, each on freshly filled tables, medians. Times the whole run of each, and the longest single
 * statement of each: a statement holds its locks on the table until it ends,
 * so the longest one bounds how long anything that needs the table to itself
 * (an index build, an ALTER) waits behind a purge. VACUUM is left out of that
 * comparison on both sides: it takes no lock that reads or writes wait for.
 */
import pg from 'pg';
import { startCluster } from '../scripts/dev/postgres-cluster.js';
import { ingest } from '../src/server/ingest.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import type { QueryClient } from '../src/store/database.js';
import { createPostgresStore } from '../src/store-postgres.js';
import type { Row } from './report.js';
import { benchKeyring } from './store.js';
import { median } from './timing.js';

/** 1,000,000; BENCH_PURGE_ROWS sets fewer (or more) where a shared machine cannot spare the minutes. */
export const PURGE_ROWS = Number(process.env['BENCH_PURGE_ROWS'] ?? 1_000_000);
const RECEIVED = new Date('2020-01-01T00:00:00Z');
const NOW = new Date('2026-01-01T00:00:00Z');

const PURGE = '`purge`';
const ROUNDS = 3;
const BARE = 'bare `DELETE … WHERE received_at < $1`, then `VACUUM`';

/**
 * Fills `schema`'s table with PURGE_ROWS copies of one stored report, each
 * under its own dedupe key, received a second apart. The CHECK constraints
 * are set aside while it fills (a delete never evaluates them, and they would
 * make the fill take minutes) and put back, unvalidated, before any timing.
 */
async function fill(pool: pg.Pool, schema: string, template: string, withWindows: boolean): Promise<void> {
  const table = `${schema}.telemetry_reports`;
  const { rows: checks } = await pool.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`, [table]);
  for (const c of checks) await pool.query(`ALTER TABLE ${table} DROP CONSTRAINT ${c['conname'] as string}`);
  // Every column but the key and the time of receipt, whatever the store keeps beside the contract's fields.
  const { rows: columnRows } = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'telemetry_reports' AND column_name NOT IN ('dedupe_key', 'received_at') ORDER BY ordinal_position`, [schema]);
  const columns = columnRows.map((r) => String(r['column_name'])).join(', ');
  await pool.query(
    `INSERT INTO ${table} (dedupe_key, received_at, ${columns})
     SELECT t.dedupe_key || '#' || i, $2::timestamptz + i * interval '1 second', ${columns}
     FROM ${table} AS t, generate_series(1, ${PURGE_ROWS}) AS i WHERE t.dedupe_key = $1`,
    [template, RECEIVED.toISOString()],
  );
  for (const c of checks) await pool.query(`ALTER TABLE ${table} ADD CONSTRAINT ${c['conname'] as string} ${c['def'] as string} NOT VALID`);
  await pool.query(`VACUUM ANALYZE ${table}`);
  if (!withWindows) return;
  // Each report's window row, as put writes it (a license of its own each, so none overlaps another): purge deletes them with their reports.
  await pool.query(
    `INSERT INTO ${schema}.telemetry_windows (dedupe_key, license_id, period)
     SELECT t.dedupe_key || '#' || i, 'lic-purge-' || i, w.period FROM ${table} AS t JOIN ${schema}.telemetry_windows AS w USING (dedupe_key), generate_series(1, ${PURGE_ROWS}) AS i WHERE t.dedupe_key = $1`,
    [template],
  );
  await pool.query(`VACUUM ANALYZE ${schema}.telemetry_windows`);
}

/** The pool, with every statement's duration recorded, VACUUM's apart (it blocks no read or write). */
function timed(pool: pg.Pool, durations: number[], vacuums: number[]): QueryClient {
  return {
    query: async (text, params) => {
      const started = process.hrtime.bigint();
      try {
        return await pool.query(text, params);
      } finally {
        (text.startsWith('VACUUM') ? vacuums : durations).push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    },
  };
}

/** Milliseconds of each, whole and longest statement; undefined where this machine has no PostgreSQL server binaries. */
export async function purgePath(): Promise<{ rows: Row[]; ratio: number; longestRatio: number; statements: number } | undefined> {
  // Shared buffers that hold both tables, so neither run pays for evicting the other's pages.
  const cluster = await startCluster({ settings: ['shared_buffers=1GB'] });
  if (cluster === undefined) return undefined;
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  try {
    const secret = generateSecret();
    const built = await createTelemetryRequest(
      { periodStart: '2019-12-01T00:00:00Z', periodEnd: '2019-12-16T00:00:00Z', activeSeats: 42, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 50, seatLimitHit: false, featuresUsed: ['audit-log', 'policy.simulator', 'sso'], appVersion: '0123456789abcdef', nodeVersion: '20' },
      { version: 1, licenseId: 'lic-purge', customer: 'ACME Corp', signingSecrets: [secret], maskCustomer: false, now: () => Date.now() },
    );
    if (!built.ok) throw new Error(`bench: cannot build the template report: ${built.error.message}`);
    const result = await ingest({ method: 'POST', headers: built.request.headers, body: built.request.body }, { vendorWideKeys: [{ id: 'k', secret }], acceptedVersions: [1] });
    if (!result.ok || result.kind !== 'report') throw new Error(`bench: ingest refuses the template report: ${result.ok ? 'a probe' : result.error.message}`);
    const durations: number[] = [];
    const vacuums: number[] = [];
    const keyring = benchKeyring();
    const store = createPostgresStore(timed(pool, durations, vacuums), { schema: 'purge_store', keyring, now: () => RECEIVED });
    const bareStore = createPostgresStore(pool, { schema: 'purge_bare', keyring, now: () => RECEIVED });
    await store.migrate();
    await bareStore.migrate();
    const purgeMs: number[] = [];
    const bareMs: number[] = [];
    const bareDeleteMs: number[] = [];
    const longestRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const tables = [[store, 'purge_store'], [bareStore, 'purge_bare']] as const;
      for (const [s, schema] of round % 2 === 0 ? tables : [...tables].reverse()) {
        await s.put(result);
        await fill(pool, schema, result.dedupeKey, s === store);
      }
      // Both start from clean pages: no timing pays for writing out the other's fill.
      await pool.query('CHECKPOINT');
      // Alternating which goes first, so neither always runs on a warmer cache.
      const bare = async () => {
        const started = process.hrtime.bigint();
        const deleted = await pool.query('DELETE FROM purge_bare.telemetry_reports WHERE received_at < $1', [NOW.toISOString()]);
        bareDeleteMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        await pool.query('VACUUM purge_bare.telemetry_reports');
        bareMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (deleted.rowCount !== PURGE_ROWS + 1) throw new Error(`bench: the bare DELETE removed ${deleted.rowCount} rows, not ${PURGE_ROWS + 1}`);
      };
      const purge = async () => {
        durations.length = 0;
        vacuums.length = 0;
        const started = process.hrtime.bigint();
        const purged = await store.purge(NOW);
        purgeMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (purged.reportsDeleted !== PURGE_ROWS + 1) throw new Error(`bench: purge deleted ${purged.reportsDeleted} reports, not ${PURGE_ROWS + 1}`);
      };
      if (round % 2 === 0) await bare().then(purge);
      else await purge().then(bare);
      longestRatios.push(Math.max(...durations) / bareDeleteMs.at(-1)!);
    }
    const purgeMedian = median(purgeMs);
    const bareMedian = median(bareMs);
    const longest = Math.max(...longestRatios);
    return {
      rows: [
        { name: PURGE, value: purgeMedian, unit: 'ms', ratio: purgeMedian / bareMedian, note: `${durations.length} statements and a VACUUM; the longest at most ${longest.toFixed(2)}× the bare DELETE` },
        { name: BARE, value: bareMedian, unit: 'ms', ratio: 1, note: 'two statements' },
      ],
      ratio: purgeMedian / bareMedian,
      longestRatio: longest,
      statements: durations.length,
    };
  } finally {
    await pool.end();
    await cluster.remove();
  }
}
