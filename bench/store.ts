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
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { ingest } from '../src/server/ingest.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import { reportDigest } from '../src/store/report-digest.js';
import { createPostgresStore, parseKeyring, storagePlan } from '../src/store-postgres.js';
import type { IngestSuccess } from '../src/server.js';
import type { Row } from './report.js';
import { timeAsync } from './timing.js';

const PUT_NEW = '`put`, a new window';
const BARE_NEW = 'bare `INSERT … ON CONFLICT DO NOTHING` of window and report, new rows';
const PUT_DUPLICATE = '`put`, a window already stored';
const BARE_DUPLICATE = 'bare `INSERT … ON CONFLICT DO NOTHING` of window and report, rows already stored';

export async function storePath(): Promise<{ rows: Row[]; newRatio: number; duplicateRatio: number }> {
  const secret = generateSecret();
  const built = await createTelemetryRequest(
    { periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-15T00:00:00Z', activeSeats: 42, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 50, seatLimitHit: false, featuresUsed: ['audit-log', 'policy.simulator', 'sso'], appVersion: '0123456789abcdef', nodeVersion: '20' },
    { version: 1, licenseId: 'lic-2026-0042', customer: 'ACME Corp', signingSecrets: [secret] },
  );
  if (!built.ok) throw new Error(`bench: cannot build the benchmark request: ${built.error.message}`);
  const result = await ingest({ method: 'POST', headers: built.request.headers, body: built.request.body }, { licenseKeys: () => [{ id: 'bench', secret }], acceptedVersions: [1], knownSoftware: { builds: ['0123456789abcdef'] } });
  if (!result.ok || result.kind !== 'report') throw new Error(`bench: ingest refuses the benchmark request: ${result.ok ? 'a probe' : result.error.message}`);

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
      `WITH report AS (INSERT INTO ${storagePlan.table} (dedupe_key, received_at, body_digest, data_region, data_key, ${columns.map((c) => c.column).join(', ')}) VALUES ($1::text, $2::timestamptz, $3::text, $4::text, $5::text, ${columns.map((c, i) => `$${i + 6}::${c.sealed ? 'bytea' : c.kind}`).join(', ')}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key),`,
      `window_row AS (INSERT INTO ${storagePlan.windowsTable} (dedupe_key, license_id, period) SELECT dedupe_key, split_part(dedupe_key, '/', 1), tstzrange(split_part(dedupe_key, '/', 2)::timestamptz, split_part(dedupe_key, '/', 3)::timestamptz) FROM report ON CONFLICT (dedupe_key) DO NOTHING)`,
      'SELECT dedupe_key FROM report',
    ].join(' ');
    const p = result.payload;
    const values = [p.schemaVersion, p.periodStart, p.periodEnd, p.activeSeats, p.policiesActive, p.policyExecutionsCount, p.totalProvisionedSeats, p.seatLimitHit, p.featuresUsed, p.appVersion, p.nodeVersion, sealed['webhook_id'], sealed['customer'], result.licenseId];
    if (values.length !== columns.length || values.includes(undefined)) throw new Error('bench: the bare INSERT no longer lists every v1 column; update bench/store.ts');
    const digest = reportDigest(result.payload);
    let n = 0;
    /** The i-th new window: the next day of one of 16 licenses, from 2027 on (after the first report's window). */
    const nth = (prefix: string, i: number) => {
      const start = new Date(Date.UTC(2027, 0, 1) + Math.floor(i / 16) * 86_400_000).toISOString().replace('.000Z', 'Z');
      const end = new Date(Date.UTC(2027, 0, 1) + (Math.floor(i / 16) + 1) * 86_400_000).toISOString().replace('.000Z', 'Z');
      return { licenseId: `${prefix}-${i % 16}`, start, end, dedupeKey: `${prefix}-${i % 16}/${start}/${end}` };
    };
    let m = 0;
    const fresh = (): IngestSuccess => {
      const w = nth('bench', n++);
      return { ...result, licenseId: w.licenseId, dedupeKey: w.dedupeKey, payload: { ...result.payload, periodStart: w.start, periodEnd: w.end } };
    };
    const ops = await timeAsync(
      {
        [PUT_NEW]: () => store.put(fresh()),
        [BARE_NEW]: () => {
          const w = nth('bare', m++);
          values[1] = w.start;
          values[2] = w.end;
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

/** A random key-encryption key for one bench run. */
export const benchKeyring = () => parseKeyring(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))), 'bench');
