/**
 * The store: `put` on PGlite (in memory) against the least any server must do
 * to store a window once and refuse one that overlaps another of its license:
 * a bare `INSERT … ON CONFLICT DO NOTHING` of the report's row and the
 * window's, in one statement, with the parameters already in hand (the
 * customer header and message id already encrypted, the data key's id known).
 * `put` encrypts both under the license's data key, which it holds in memory
 * after the license's first report. New windows (each call the next day of one
 * of 16 licenses, so no window overlaps another and each license's key is
 * made once) and duplicates (the same key again) are timed apart: the first
 * writes rows, the second only finds one.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startCluster } from '../scripts/dev/postgres-cluster.js';
import { createMonthStatement, monthOf, monthsOnDemand } from '../src/store/partitions.js';
import { windowedInsert } from '../src/store/store.js';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { ingest } from '../src/server/ingest.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import { reportDigest } from '../src/store/report-digest.js';
import { createPostgresStore, parseKeyring, storagePlan } from '../src/store-postgres.js';
import type { IngestSuccess } from '../src/server.js';
import type { Row } from './report.js';
import { median, timeAsync } from './timing.js';

const PUT_NEW = '`put`, a new window';
const BARE_NEW = 'bare `INSERT … ON CONFLICT DO NOTHING` of window and report, new rows';
const PUT_DUPLICATE = '`put`, a window already stored';
const BARE_DUPLICATE = 'bare `INSERT … ON CONFLICT DO NOTHING` of window and report, rows already stored';

/** The report every store bench puts (new windows copy it with other bounds and licenses), through the real ingest. */
async function benchReport(): Promise<IngestSuccess> {
  const secret = generateSecret();
  const built = await createTelemetryRequest(
    { periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-15T00:00:00Z', activeSeats: 42, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 50, seatLimitHit: false, featuresUsed: ['audit-log', 'policy.simulator', 'sso'], appVersion: '0123456789abcdef', nodeVersion: '20' },
    { version: 1, licenseId: 'lic-2026-0042', customer: 'ACME Corp', signingSecrets: [secret] },
  );
  if (!built.ok) throw new Error(`bench: cannot build the benchmark request: ${built.error.message}`);
  const result = await ingest({ method: 'POST', headers: built.request.headers, body: built.request.body }, { licenseKeys: () => [{ id: 'bench', secret }], acceptedVersions: [1], knownSoftware: { builds: ['0123456789abcdef'] } });
  if (!result.ok || result.kind !== 'report') throw new Error(`bench: ingest refuses the benchmark request: ${result.ok ? 'a probe' : result.error.message}`);
  return result;
}

/** The v1 columns' values of `result` in the plan's order, its sealed ones as a stored row holds them. */
function columnValues(result: IngestSuccess, sealed: Record<string, unknown>): unknown[] {
  const columns = storagePlan.versions[1]!.columns;
  const p = result.payload;
  const values = [p.schemaVersion, p.periodStart, p.periodEnd, p.activeSeats, p.policiesActive, p.policyExecutionsCount, p.totalProvisionedSeats, p.seatLimitHit, p.featuresUsed, p.appVersion, p.nodeVersion, sealed['webhook_id'], sealed['customer'], result.licenseId];
  if (values.length !== columns.length || values.includes(undefined)) throw new Error('bench: the bare INSERT no longer lists every v1 column; update bench/store.ts');
  return values;
}

export async function storePath(): Promise<{ rows: Row[]; newRatio: number; duplicateRatio: number }> {
  const result = await benchReport();

  const db = await PGlite.create({ extensions: { btree_gist } });
  try {
    const store = createPostgresStore(db, { keyring: benchKeyring() });
    await store.migrate();
    const first = await store.put(result);
    if (first.status !== 201) throw new Error('bench: the first put did not store the window');
    // The same columns, values and casts as put's statement, written out once by hand; the sealed values as put stored them.
    const columns = storagePlan.versions[1]!.columns;
    const sealed = (await db.query<Record<string, unknown>>(`SELECT data_key, ${columns.filter((c) => c.sealed).map((c) => c.column).join(', ')} FROM ${storagePlan.table}`)).rows[0]!;
    const bare = [
      `WITH report AS (INSERT INTO ${storagePlan.table} (dedupe_key, received_at, body_digest, data_region, data_key, ${columns.map((c) => c.column).join(', ')}, window_start) VALUES ($1::text, $2::timestamptz, $3::text, $4::text, $5::text, ${columns.map((c, i) => `$${i + 6}::${c.sealed ? 'bytea' : c.kind}`).join(', ')}, split_part($1::text, '/', 2)::timestamptz) ON CONFLICT (dedupe_key, window_start) DO NOTHING RETURNING dedupe_key),`,
      `window_row AS (INSERT INTO ${storagePlan.windowsTable} (dedupe_key, license_id, period) SELECT dedupe_key, split_part(dedupe_key, '/', 1), tstzrange(split_part(dedupe_key, '/', 2)::timestamptz, split_part(dedupe_key, '/', 3)::timestamptz) FROM report ON CONFLICT (dedupe_key) DO NOTHING)`,
      'SELECT dedupe_key FROM report',
    ].join(' ');
    const p = result.payload;
    const values = columnValues(result, sealed);
    const digest = reportDigest(result.payload);
    let n = 0;
    /** The i-th new window: the next day of one of 16 licenses, from 2027 on (after the first report's window). */
    const nth = (prefix: string, i: number) => {
      const start = new Date(Date.UTC(2027, 0, 1) + Math.floor(i / 16) * 86_400_000).toISOString().replace('.000Z', 'Z');
      const end = new Date(Date.UTC(2027, 0, 1) + (Math.floor(i / 16) + 1) * 86_400_000).toISOString().replace('.000Z', 'Z');
      return { licenseId: `${prefix}-${i % 16}`, start, end, dedupeKey: `${prefix}-${i % 16}/${start}/${end}` };
    };
    let m = 0;
    // The table is partitioned by window month: like put, the bare side creates each month once, when first needed.
    const months = monthsOnDemand((month) => db.query(createMonthStatement({ schema: undefined, table: storagePlan.table }, month)));
    const monthFor = (start: string) => months.ensure(monthOf({ plan: storagePlan, schema: undefined }, new Date(start)));
    const fresh = (): IngestSuccess => {
      const w = nth('bench', n++);
      return { ...result, licenseId: w.licenseId, dedupeKey: w.dedupeKey, payload: { ...result.payload, periodStart: w.start, periodEnd: w.end } };
    };
    const ops = await timeAsync(
      {
        [PUT_NEW]: () => store.put(fresh()),
        [BARE_NEW]: async () => {
          const w = nth('bare', m++);
          values[1] = w.start;
          values[2] = w.end;
          await monthFor(w.start);
          return db.query(bare, [w.dedupeKey, new Date().toISOString(), digest, null, sealed['data_key'], ...values]);
        },
        [PUT_DUPLICATE]: () => store.put(result),
        [BARE_DUPLICATE]: () => db.query(bare, [result.dedupeKey, new Date().toISOString(), digest, null, sealed['data_key'], ...values]),
      },
      { rounds: 11 },
    );
    const row = (name: string, reference: string): Row => ({ name, value: ops[name]!, unit: 'puts/s', ratio: ops[name]! / ops[reference]! });
    return {
      rows: [row(PUT_NEW, BARE_NEW), row(BARE_NEW, BARE_NEW), row(PUT_DUPLICATE, BARE_DUPLICATE), row(BARE_DUPLICATE, BARE_DUPLICATE)],
      newRatio: ops[PUT_NEW]! / ops[BARE_NEW]!,
      duplicateRatio: ops[PUT_DUPLICATE]! / ops[BARE_DUPLICATE]!,
    };
  } finally {
    await db.close();
  }
}

/** A random key-encryption key for one bench run, as TELEMETRY_KEK spells it (base64 of 32 bytes). */
export const benchKek = (): string => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
/** A keyring of {@link benchKek}'s kind for one bench run. */
export const benchKeyring = () => parseKeyring(benchKek(), 'bench');

const PUT_CONCURRENT = '`put` with group commit, 64 callers at once';
const BARE_CONCURRENT = 'bare `INSERT … ON CONFLICT DO NOTHING` of window and report, one per request, 64 at once';
/** Callers at once, and puts per round of each contender. */
export const PUT_CONCURRENCY = 64;
const PUT_PER_ROUND = 2_000;
const PUT_ROUNDS = 7;

/**
 * `put` under concurrency on PostgreSQL, against one bare statement per request: a throwaway cluster with
 * synchronous_commit and fsync on, a pool of 8 connections, PUT_CONCURRENCY callers each starting its next call as its
 * last is answered, every call a new window (the next day of one of 256 licenses), so each is a stored row,
 * committed before it is answered. `put` gathers the rows of the calls that arrive while a statement runs
 * into the next one (group commit); the bare side sends each request's statement (the same single-row
 * statement `put` runs alone, its encrypted values in hand) on its own. Each in its own schema, the months
 * created before timing. Median of the rounds, the order alternating; undefined without PostgreSQL.
 */
export async function concurrentPutPath(): Promise<{ rows: Row[]; ratio: number } | undefined> {
  const cluster = await startCluster({ durable: true, syncToDisk: true });
  if (cluster === undefined) return undefined;
  const pool = new pg.Pool({ connectionString: cluster.url, max: 8 });
  pool.on('error', () => {});
  try {
    const result = await benchReport();
    const keyring = benchKeyring();
    const store = createPostgresStore(pool, { schema: 'put_store', keyring });
    const bareSide = createPostgresStore(pool, { schema: 'put_bare', keyring });
    await store.migrate();
    await bareSide.migrate();
    await bareSide.put(result);
    const columns = storagePlan.versions[1]!.columns;
    const sealed = (await pool.query(`SELECT data_key, ${columns.filter((c) => c.sealed).map((c) => c.column).join(', ')} FROM put_bare.${storagePlan.table}`)).rows[0] as Record<string, unknown>;
    const casts = ['text', 'timestamptz', 'text', 'text', 'text', ...columns.map((c) => (c.sealed ? 'bytea' : c.kind))];
    const bare = windowedInsert({ table: `put_bare.${storagePlan.table}`, windows: `put_bare.${storagePlan.windowsTable}` }, ['dedupe_key', 'received_at', 'body_digest', 'data_region', 'data_key', ...columns.map((c) => c.column)], casts);
    const p = result.payload;
    const values = columnValues(result, sealed);
    const digest = reportDigest(result.payload);
    const day = (i: number) => new Date(Date.UTC(2027, 0, 1) + i * 86_400_000).toISOString().replace('.000Z', 'Z');
    const windowOf = (prefix: string, i: number) => ({ licenseId: `${prefix}-${i % 256}`, start: day(Math.floor(i / 256)), end: day(Math.floor(i / 256) + 1) });
    // Every month either side reaches, created before timing (put creates a month once, when first needed).
    const total = (PUT_ROUNDS + 1) * PUT_PER_ROUND;
    const starts = new Set(Array.from({ length: Math.ceil(total / 256) + 1 }, (_, d) => day(d).slice(0, 7)));
    for (const start of starts) {
      for (const schema of ['put_store', 'put_bare']) await pool.query(createMonthStatement({ schema, table: `${schema}.${storagePlan.table}` }, monthOf({ plan: storagePlan, schema }, new Date(`${start}-01T00:00:00Z`))));
    }
    // Each license's data key made once, before timing.
    await Promise.all(Array.from({ length: 256 }, (_, i) => store.put({ ...result, licenseId: `s-${i}`, dedupeKey: `s-${i}/2026-12-01T00:00:00Z/2026-12-02T00:00:00Z`, payload: { ...p, periodStart: '2026-12-01T00:00:00Z', periodEnd: '2026-12-02T00:00:00Z' } })));
    let nextStore = 0;
    let nextBare = 0;
    const run = async (one: () => Promise<boolean>) => {
      let left = PUT_PER_ROUND;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: PUT_CONCURRENCY }, async () => {
          while (left > 0) {
            left--;
            if (!(await one())) throw new Error('bench: a new window was not stored');
          }
        }),
      );
      return PUT_PER_ROUND / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    const contenders: Record<string, () => Promise<boolean>> = {
      [PUT_CONCURRENT]: async () => {
        const w = windowOf('s', nextStore++);
        return (await store.put({ ...result, licenseId: w.licenseId, dedupeKey: `${w.licenseId}/${w.start}/${w.end}`, payload: { ...p, periodStart: w.start, periodEnd: w.end } })).status === 201;
      },
      [BARE_CONCURRENT]: async () => {
        const w = windowOf('b', nextBare++);
        const row = [...values];
        row[1] = w.start;
        row[2] = w.end;
        row[13] = w.licenseId;
        return (await pool.query(bare, [`${w.licenseId}/${w.start}/${w.end}`, new Date().toISOString(), digest, null, sealed['data_key'], ...row])).rows.length === 1;
      },
    };
    const names = Object.keys(contenders);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = -1; round < PUT_ROUNDS; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + Math.max(round, 0)) % names.length]!;
        const rate = await run(contenders[name]!);
        if (round >= 0) samples[name]!.push(rate);
      }
    }
    const put = median(samples[PUT_CONCURRENT]!);
    const bareRate = median(samples[BARE_CONCURRENT]!);
    return {
      rows: [
        { name: PUT_CONCURRENT, value: put, unit: 'puts/s', ratio: put / bareRate },
        { name: BARE_CONCURRENT, value: bareRate, unit: 'puts/s', ratio: 1 },
      ],
      ratio: put / bareRate,
    };
  } finally {
    await pool.end();
    await cluster.remove();
  }
}
