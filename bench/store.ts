/**
 * The store: `put` on PGlite (in memory) against the least any server must do
 * to store a window once and refuse one that overlaps another of its license:
 * a bare `INSERT … ON CONFLICT DO NOTHING` of the window's row and the
 * report's, in one statement, with the parameters already in hand. New windows
 * (each call a fresh license, so its window is new) and duplicates (the same
 * key again) are timed apart: the first writes rows, the second only finds one.
 */
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { ingest } from '../src/server/ingest.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import { reportDigest } from '../src/store/report-digest.js';
import { createLicenseStore, createPostgresStore, parseKeyring, storagePlan } from '../src/store-postgres.js';
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
    const store = createPostgresStore(db);
    await store.migrate();
    // The same columns, values and casts as put's statement, written out once by hand.
    const columns = storagePlan.versions[1]!.columns;
    const bare = [
      `WITH report AS (INSERT INTO ${storagePlan.table} (dedupe_key, received_at, body_digest, data_region, ${columns.map((c) => c.column).join(', ')}) VALUES ($1::text, $2::timestamptz, $3::text, $4::text, ${columns.map((c, i) => `$${i + 5}::${c.kind}`).join(', ')}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key),`,
      `window_row AS (INSERT INTO ${storagePlan.windowsTable} (dedupe_key, license_id, period) SELECT dedupe_key, split_part(dedupe_key, '/', 1), tstzrange(split_part(dedupe_key, '/', 2)::timestamptz, split_part(dedupe_key, '/', 3)::timestamptz) FROM report ON CONFLICT (dedupe_key) DO NOTHING)`,
      'SELECT dedupe_key FROM report',
    ].join(' ');
    const p = result.payload;
    const values = [p.schemaVersion, p.periodStart, p.periodEnd, p.activeSeats, p.policiesActive, p.policyExecutionsCount, p.totalProvisionedSeats, p.seatLimitHit, p.featuresUsed, p.appVersion, p.nodeVersion, result.messageId, 'ACME%20Corp', result.licenseId];
    if (values.length !== columns.length) throw new Error('bench: the bare INSERT no longer lists every v1 column; update bench/store.ts');
    const digest = reportDigest(result.payload);
    let n = 0;
    const window = [p.periodStart, p.periodEnd];
    // A fresh license each time: a fresh dedupe key of the same window would overlap the first (window-overlap).
    const fresh = (): IngestSuccess => {
      const licenseId = `bench-${n++}`;
      return { ...result, licenseId, dedupeKey: `${licenseId}/${window.join('/')}` };
    };
    const first = await store.put(result);
    if (first.status !== 201) throw new Error('bench: the first put did not store the window');
    const ops = await timeAsync(
      {
        [PUT_NEW]: () => store.put(fresh()),
        [BARE_NEW]: () => {
          const licenseId = `bench-${n++}`;
          return db.query(bare, [`${licenseId}/${window.join('/')}`, new Date().toISOString(), digest, null, ...values]);
        },
        [PUT_DUPLICATE]: () => store.put(result),
        [BARE_DUPLICATE]: () => db.query(bare, [result.dedupeKey, new Date().toISOString(), digest, null, ...values]),
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

const LOOKUP_ONE = '`licenseOf`: one license in the license store';
const LOOKUP_MANY = '`licenseOf`: the same license among 100,000';

/**
 * The license store's lookup, what `ingest` awaits per request when keys and
 * record come from the database: one indexed query joining both tables, and
 * two AES-256-GCM decryptions (the secret, the legal entity), with one license
 * stored and with 100,000 (each with a key and a record).
 */
export async function keyLookupPath(): Promise<{ rows: Row[]; scaling: number }> {
  const db = await PGlite.create();
  try {
    const keys = createLicenseStore(db, { keyring: parseKeyring(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))), 'bench') });
    await keys.migrate();
    await keys.setLicense({ licenseId: 'lic-bench', legalEntity: 'ACME Corp', features: ['audit-log', 'policy.simulator', 'sso'], dataRegion: 'eu' });
    const { secret } = await keys.issue('lic-bench');
    const lookup = async () => {
      const found = await keys.licenseOf('lic-bench');
      if (found?.keys[0]?.secret !== secret || found.license?.legalEntity !== 'ACME Corp') throw new Error('bench: licenseOf did not return the issued secret and the record');
    };
    const one = await timeAsync({ [LOOKUP_ONE]: lookup }, { rounds: 7 });
    // 99,999 other licenses; their sealed bytes are never decrypted, only skipped by the index.
    await db.query(
      `INSERT INTO telemetry_license_keys (license_id, key_id, created_at, kek_id, nonce, sealed)
       SELECT 'lic-' || lpad(i::text, 6, '0'), 'k1', now(), '0000000000000000', decode(repeat('00', 12), 'hex'), decode(repeat('00', 48), 'hex') FROM generate_series(1, 99999) AS i`,
    );
    await db.query(
      `INSERT INTO telemetry_licenses (license_id, features, data_region, kek_id, nonce, legal_entity, updated_at)
       SELECT 'lic-' || lpad(i::text, 6, '0'), '{sso}', 'eu', '0000000000000000', decode(repeat('00', 12), 'hex'), decode(repeat('00', 32), 'hex'), now() FROM generate_series(1, 99999) AS i`,
    );
    await db.query('ANALYZE telemetry_license_keys');
    await db.query('ANALYZE telemetry_licenses');
    const many = await timeAsync({ [LOOKUP_MANY]: lookup }, { rounds: 7 });
    return {
      rows: [
        { name: LOOKUP_ONE, value: one[LOOKUP_ONE]!, unit: 'lookups/s', ratio: 1 },
        { name: LOOKUP_MANY, value: many[LOOKUP_MANY]!, unit: 'lookups/s', ratio: many[LOOKUP_MANY]! / one[LOOKUP_ONE]! },
      ],
      scaling: many[LOOKUP_MANY]! / one[LOOKUP_ONE]!,
    };
  } finally {
    await db.close();
  }
}
