/**
 * The license store's lookups, what `ingest` awaits per request when keys come
 * from the database, on PGlite in memory, one lookup after another: from
 * memory (the default: licenses held within LICENSE_CHANGE_BOUND_SECONDS, the
 * change feed read every half bound) and with `cache: false` (the one indexed
 * query joining keys, record and the record's data key, and the AES-256-GCM
 * decryptions of the secret and the legal entity). Two databases side by
 * side, one with a single license and one with 100,000 (every one with a real
 * sealed key), and every contender timed in the same run, interleaved. From
 * memory, "each of 100,000 in turn" looks up all 100,000 one after another,
 * every one held: a cache of 100,000 entries against a cache of one.
 */
import { PGlite } from '@electric-sql/pglite';
import { createLicenseStore } from '../src/store-postgres.js';
import { seal } from '../src/store/keyring.js';
import type { Row } from './report.js';
import { benchKeyring } from './store.js';
import { timeAsync } from './timing.js';

const LICENSES = 100_000;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const ROWS = {
  queryOne: '`licenseOf`, `cache: false`: one license in the store',
  queryMany: '`licenseOf`, `cache: false`: the same license among 100,000',
  keysQueryOne: '`keysOf`, `cache: false`: one license in the store',
  keysQueryMany: '`keysOf`, `cache: false`: the same license among 100,000',
  cachedOne: '`licenseOf` from memory: one license held',
  cachedSame: '`licenseOf` from memory: the same license, 100,000 held',
  cachedMany: '`licenseOf` from memory: each of 100,000 held, in turn',
  keysCachedOne: '`keysOf` from memory: one license held',
  keysCachedSame: '`keysOf` from memory: the same license, 100,000 held',
  keysCachedMany: '`keysOf` from memory: each of 100,000 held, in turn',
} as const;

export interface KeyLookupResult {
  readonly rows: Row[];
  /** `licenseOf` (query) among 100,000 / with one. */
  readonly scaling: number;
  /** `keysOf` (query) among 100,000 / with one. */
  readonly keysScaling: number;
  /** `keysOf` from memory, each of 100,000 in turn / one license held. */
  readonly cachedKeysScaling: number;
  /** `keysOf` from memory, the same license with 100,000 held / one license held. */
  readonly cachedKeysSameScaling: number;
  /** `keysOf` from memory / by query, among 100,000. */
  readonly cacheGain: number;
  /** Seconds to look up 100,000 licenses not held (one query each), filling the cache. */
  readonly fillSeconds: number;
}

/** A database in memory with `lic-bench` (a key and a record) and `others` more licenses with a sealed key each. */
async function database(others: number) {
  const db = await PGlite.create();
  const keyring = benchKeyring();
  const setup = createLicenseStore(db, { keyring });
  await setup.migrate();
  await setup.setLicense({ licenseId: 'lic-bench', legalEntity: 'ACME Corp', features: ['audit-log', 'policy.simulator', 'sso'], dataRegion: 'eu' });
  const { secret } = await setup.issue('lic-bench');
  const ids: string[] = [];
  for (let i = 1; i <= others; i++) ids.push(`lic-${String(i).padStart(6, '0')}`);
  for (let from = 0; from < ids.length; from += 10_000) {
    const chunk = ids.slice(from, from + 10_000);
    const sealed = await Promise.all(chunk.map((id) => seal(keyring, id, 'k1', crypto.getRandomValues(new Uint8Array(32)))));
    await db.query(
      `INSERT INTO telemetry_license_keys (license_id, key_id, created_at, kek_id, nonce, sealed)
       SELECT id, 'k1', now(), $2, decode(nonce, 'hex'), decode(sealed, 'hex') FROM unnest($1::text[], $3::text[], $4::text[]) AS t(id, nonce, sealed)`,
      [chunk, keyring.current.id, sealed.map((s) => hex(s.nonce)), sealed.map((s) => hex(s.sealed))],
    );
  }
  await db.query('ANALYZE telemetry_license_keys');
  return { db, secret, ids: ['lic-bench', ...ids], cached: createLicenseStore(db, { keyring }), queried: createLicenseStore(db, { keyring, cache: false }) };
}

export async function keyLookupPath(): Promise<KeyLookupResult> {
  const one = await database(0);
  const many = await database(LICENSES - 1);
  try {
    type Store = typeof one.cached;
    const check = (secret: string) => (found: Awaited<ReturnType<Store['licenseOf']>>) => {
      if (found?.keys[0]?.secret !== secret || found.license?.legalEntity !== 'ACME Corp') throw new Error('bench: licenseOf did not return the issued secret and the record');
    };
    const checkKeys = (secret: string) => (keys: Awaited<ReturnType<Store['keysOf']>>) => {
      if (keys?.[0]?.secret !== secret) throw new Error('bench: keysOf did not return the issued secret');
    };
    const fillStart = performance.now();
    for (const id of many.ids) if ((await many.cached.keysOf(id)) === undefined) throw new Error(`bench: ${id} not found`);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    let next = 0;
    const turn = () => many.ids[next++ % many.ids.length]!;
    const found = (entry: unknown) => {
      if (entry === undefined) throw new Error('bench: a held license was not found');
    };
    const [oneLicense, oneKeys, manyLicense, manyKeys] = [check(one.secret), checkKeys(one.secret), check(many.secret), checkKeys(many.secret)];
    const ops = await timeAsync(
      {
        [ROWS.queryOne]: async () => oneLicense(await one.queried.licenseOf('lic-bench')),
        [ROWS.queryMany]: async () => manyLicense(await many.queried.licenseOf('lic-bench')),
        [ROWS.keysQueryOne]: async () => oneKeys(await one.queried.keysOf('lic-bench')),
        [ROWS.keysQueryMany]: async () => manyKeys(await many.queried.keysOf('lic-bench')),
        [ROWS.cachedOne]: async () => oneLicense(await one.cached.licenseOf('lic-bench')),
        [ROWS.cachedSame]: async () => manyLicense(await many.cached.licenseOf('lic-bench')),
        [ROWS.cachedMany]: async () => found(await many.cached.licenseOf(turn())),
        [ROWS.keysCachedOne]: async () => oneKeys(await one.cached.keysOf('lic-bench')),
        [ROWS.keysCachedSame]: async () => manyKeys(await many.cached.keysOf('lic-bench')),
        [ROWS.keysCachedMany]: async () => found(await many.cached.keysOf(turn())),
      },
      // 21 rounds: the from-memory contenders differ by tens of nanoseconds, within one round's noise.
      { rounds: 21 },
    );
    const to = (name: string, reference: string): Row => ({ name, value: ops[name]!, unit: 'lookups/s', ratio: ops[name]! / ops[reference]! });
    return {
      rows: [
        to(ROWS.queryOne, ROWS.queryOne),
        to(ROWS.queryMany, ROWS.queryOne),
        to(ROWS.keysQueryOne, ROWS.keysQueryOne),
        to(ROWS.keysQueryMany, ROWS.keysQueryOne),
        to(ROWS.cachedOne, ROWS.cachedOne),
        to(ROWS.cachedSame, ROWS.cachedOne),
        to(ROWS.cachedMany, ROWS.cachedOne),
        to(ROWS.keysCachedOne, ROWS.keysCachedOne),
        to(ROWS.keysCachedSame, ROWS.keysCachedOne),
        to(ROWS.keysCachedMany, ROWS.keysCachedOne),
      ],
      scaling: ops[ROWS.queryMany]! / ops[ROWS.queryOne]!,
      keysScaling: ops[ROWS.keysQueryMany]! / ops[ROWS.keysQueryOne]!,
      cachedKeysScaling: ops[ROWS.keysCachedMany]! / ops[ROWS.keysCachedOne]!,
      cachedKeysSameScaling: ops[ROWS.keysCachedSame]! / ops[ROWS.keysCachedOne]!,
      cacheGain: ops[ROWS.keysCachedMany]! / ops[ROWS.keysQueryMany]!,
      fillSeconds,
    };
  } finally {
    await one.db.close();
    await many.db.close();
  }
}
