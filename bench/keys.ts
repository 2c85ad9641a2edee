/**
 * The license store's lookups, what `ingest` awaits per request when keys come
 * from the database, on PGlite in memory, one lookup after another: from
 * memory (the default: licenses held within LICENSE_CHANGE_BOUND_SECONDS, the
 * change feed read every half bound) and with `cache: false` (the one indexed
 * query joining keys, record and the record's data key, and the AES-256-GCM
 * decryptions of the secret and the legal entity). Each with one license
 * stored and with 100,000, every one with a real sealed key; from memory,
 * "among 100,000" looks up all 100,000 in turn, each held, so what is
 * measured is a cache of 100,000 entries against a cache of one.
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
  /** `licenseOf` from memory / by query, among 100,000. */
  readonly cacheGain: number;
  /** Seconds to look up 100,000 licenses not held (one query each), filling the cache. */
  readonly fillSeconds: number;
}

export async function keyLookupPath(): Promise<KeyLookupResult> {
  const db = await PGlite.create();
  try {
    const keyring = benchKeyring();
    const cached = createLicenseStore(db, { keyring });
    const queried = createLicenseStore(db, { keyring, cache: false });
    await cached.migrate();
    await cached.setLicense({ licenseId: 'lic-bench', legalEntity: 'ACME Corp', features: ['audit-log', 'policy.simulator', 'sso'], dataRegion: 'eu' });
    const { secret } = await cached.issue('lic-bench');
    const check = (found: Awaited<ReturnType<typeof cached.licenseOf>>) => {
      if (found?.keys[0]?.secret !== secret || found.license?.legalEntity !== 'ACME Corp') throw new Error('bench: licenseOf did not return the issued secret and the record');
    };
    const checkKeys = (keys: Awaited<ReturnType<typeof cached.keysOf>>) => {
      if (keys?.[0]?.secret !== secret) throw new Error('bench: keysOf did not return the issued secret');
    };
    const one = await timeAsync(
      {
        [ROWS.queryOne]: async () => check(await queried.licenseOf('lic-bench')),
        [ROWS.keysQueryOne]: async () => checkKeys(await queried.keysOf('lic-bench')),
        [ROWS.cachedOne]: async () => check(await cached.licenseOf('lic-bench')),
        [ROWS.keysCachedOne]: async () => checkKeys(await cached.keysOf('lic-bench')),
      },
      { rounds: 7 },
    );

    // 99,999 other licenses, each with a secret sealed as issue seals it, inserted in bulk.
    const ids: string[] = [];
    for (let i = 1; i < LICENSES; i++) ids.push(`lic-${String(i).padStart(6, '0')}`);
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
    const all = ['lic-bench', ...ids];
    const fillStart = performance.now();
    for (const id of all) if ((await cached.keysOf(id)) === undefined) throw new Error(`bench: ${id} not found`);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    let next = 0;
    const turn = () => all[next++ % all.length]!;
    const many = await timeAsync(
      {
        [ROWS.queryMany]: async () => check(await queried.licenseOf('lic-bench')),
        [ROWS.keysQueryMany]: async () => checkKeys(await queried.keysOf('lic-bench')),
        [ROWS.cachedSame]: async () => check(await cached.licenseOf('lic-bench')),
        [ROWS.keysCachedSame]: async () => checkKeys(await cached.keysOf('lic-bench')),
        [ROWS.cachedMany]: async () => {
          if ((await cached.licenseOf(turn())) === undefined) throw new Error('bench: a held license was not found');
        },
        [ROWS.keysCachedMany]: async () => {
          if ((await cached.keysOf(turn())) === undefined) throw new Error('bench: a held license was not found');
        },
      },
      { rounds: 7 },
    );
    const ratio = (value: number, reference: number) => value / reference;
    return {
      rows: [
        { name: ROWS.queryOne, value: one[ROWS.queryOne]!, unit: 'lookups/s', ratio: 1 },
        { name: ROWS.queryMany, value: many[ROWS.queryMany]!, unit: 'lookups/s', ratio: ratio(many[ROWS.queryMany]!, one[ROWS.queryOne]!) },
        { name: ROWS.keysQueryOne, value: one[ROWS.keysQueryOne]!, unit: 'lookups/s', ratio: 1 },
        { name: ROWS.keysQueryMany, value: many[ROWS.keysQueryMany]!, unit: 'lookups/s', ratio: ratio(many[ROWS.keysQueryMany]!, one[ROWS.keysQueryOne]!) },
        { name: ROWS.cachedOne, value: one[ROWS.cachedOne]!, unit: 'lookups/s', ratio: ratio(one[ROWS.cachedOne]!, one[ROWS.queryOne]!) },
        { name: ROWS.cachedSame, value: many[ROWS.cachedSame]!, unit: 'lookups/s', ratio: ratio(many[ROWS.cachedSame]!, one[ROWS.queryOne]!) },
        { name: ROWS.cachedMany, value: many[ROWS.cachedMany]!, unit: 'lookups/s', ratio: ratio(many[ROWS.cachedMany]!, one[ROWS.queryOne]!) },
        { name: ROWS.keysCachedOne, value: one[ROWS.keysCachedOne]!, unit: 'lookups/s', ratio: ratio(one[ROWS.keysCachedOne]!, one[ROWS.keysQueryOne]!) },
        { name: ROWS.keysCachedSame, value: many[ROWS.keysCachedSame]!, unit: 'lookups/s', ratio: ratio(many[ROWS.keysCachedSame]!, one[ROWS.keysQueryOne]!) },
        { name: ROWS.keysCachedMany, value: many[ROWS.keysCachedMany]!, unit: 'lookups/s', ratio: ratio(many[ROWS.keysCachedMany]!, one[ROWS.keysQueryOne]!) },
      ],
      scaling: ratio(many[ROWS.queryMany]!, one[ROWS.queryOne]!),
      keysScaling: ratio(many[ROWS.keysQueryMany]!, one[ROWS.keysQueryOne]!),
      cachedKeysScaling: ratio(many[ROWS.keysCachedMany]!, one[ROWS.keysCachedOne]!),
      cachedKeysSameScaling: ratio(many[ROWS.keysCachedSame]!, one[ROWS.keysCachedOne]!),
      cacheGain: ratio(many[ROWS.cachedMany]!, many[ROWS.queryMany]!),
      fillSeconds,
    };
  } finally {
    await db.close();
  }
}
