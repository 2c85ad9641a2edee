/**
 * The license store: what the vendor's ingest service knows of each license,
 * in PostgreSQL (a server through `pg`, or PGlite). Two tables: the signing
 * secrets (./key-store.ts) and the license records (./license-records.ts),
 * every secret and every legal entity encrypted under a key-encryption key
 * held outside the database. `licenseOf` finds a license's keys and record in
 * one indexed query for `ingest`; the report store's `purge` reads each
 * license's contract end from the records table; `check` and `rewrap` cover
 * everything sealed in both.
 */
import type { LicenseRecord } from '../contract/license.js';
import type { LicenseEntry } from '../server/key-lookup.js';
import type { QueryClient } from './database.js';
import { dataKeys, migrateKeyTables } from './data-keys.js';
import { kekInForce } from './kek-in-force.js';
import { type LicenseCacheOptions, licenseCache } from './license-cache.js';
import { changeFeed, changeFeedBlock } from './license-changes.js';
import { type LicenseKeyStore, LOOKUP_LIMIT, LOOKUP_ORDER, keyColumns, keysTable } from './key-store.js';
import type { KeyringSource } from './keyring.js';
import { recordColumns, recordKeyJoin, recordsTable } from './license-records.js';
import { KeyStoreError, LICENSE_ID, checkSealed, createBlock, licenseTables, rewrapSealed } from './license-tables.js';

/**
 * How soon every server process sees a change to a license (a key issued, rotated or revoked, a record
 * set, the license deleted), at most; docs/key-store.md promises it. `licenseOf` and `keysOf` answer
 * from memory (./license-cache.ts) what the database held at a read of the change feed younger than
 * this, or read the database; a change made by this store itself is seen at once.
 */
export const LICENSE_CHANGE_BOUND_SECONDS = 5;

export interface KeyStoreOptions {
  /**
   * The key-encryption keys: a keyring, or a function that reads it (again) from where the server
   * keeps it. A function is asked again when a stored value names a KEK the keyring lacks (after a
   * miss, not again within a second), so a KEK rotation needs no restart: the new KEK first in the
   * file, the old one after it, `rewrap`, then drop the old one.
   */
  readonly keyring: KeyringSource;
  /** The PostgreSQL schema of the tables, as for `createPostgresStore` (whose purge reads contract ends here); default the connection's `search_path`. */
  readonly schema?: string;
  /** The clock of `created_at`, `revoked_at` and `updated_at`; default the system clock. */
  readonly now?: () => Date;
  /**
   * The licenses `licenseOf` and `keysOf` keep in memory (decrypted: see docs/key-store.md), each
   * trusted for {@link LICENSE_CHANGE_BOUND_SECONDS} at most; `false` (or `entries: 0`) reads the
   * database at every lookup.
   */
  readonly cache?: LicenseCacheOptions | false;
}

/** What a store check found: everything sealed is readable; how much of it under each KEK, and which KEKs are still needed. */
export interface KeyStoreCheck {
  /** Signing secrets. */
  readonly secrets: number;
  /** Data keys (under which customer headers, message ids and legal entities are sealed). */
  readonly dataKeys: number;
  /** License records (their legal entities, sealed under their data keys). */
  readonly records: number;
  /** Values sealed under a KEK (secrets and data keys), per KEK id. */
  readonly byKek: Readonly<Record<string, number>>;
  /** The KEK new values are sealed under: the one in force in the database (this keyring's current one before anything is sealed). */
  readonly currentKek: string;
  /** KEK ids the stored values need: every one a value is sealed under, and the one in force. Never drop one of these. */
  readonly neededKeks: readonly string[];
  /** KEK ids of this keyring that nothing stored needs: they may be removed from it. */
  readonly unneededKeks: readonly string[];
}

/** The license store: the keys of {@link LicenseKeyStore}, the license records, and the lookup `ingest` needs. */
export interface LicenseStore extends Omit<LicenseKeyStore, 'check' | 'rewrap'> {
  /**
   * Reads one sealed value (secret, data key, legal entity) under every KEK in use (every one with
   * `all`) and throws a KeyStoreError (`kek-unknown`, `kek-mismatch`) when the keyring cannot read
   * them: call it at start, so a wrong KEK is one clear error there; `all` also finds a single damaged
   * or moved value. Says which KEKs the stored values still need, and which of the keyring's none does.
   */
  check(options?: { readonly all?: boolean }): Promise<KeyStoreCheck>;
  /**
   * Makes the keyring's current KEK the one in force (from then on every process seals new values
   * under it) and re-encrypts every secret and data key not under it; no license secret, data key or
   * sealed value changes. Refused (`kek-unknown`) before anything changes when a stored value is under
   * a KEK the keyring lacks, and (`kek-config`) when `expectKek` is given and is not the keyring's
   * current KEK: an operator rewrapping through a running server names the key meant to be in force.
   */
  rewrap(options?: { readonly expectKek?: string }): Promise<{ readonly rewrapped: number; readonly secrets: number; readonly dataKeys: number; readonly currentKek: string }>;
  /**
   * Stores the license record of a license (as the vendor ships it with the license), replacing the
   * one it had; the legal entity is stored encrypted. Refused (`license-record`) unless it is a
   * record of the contract's schema; the error names paths and rules, never a value.
   */
  setLicense(record: LicenseRecord): Promise<{ readonly licenseId: string; readonly created: boolean }>;
  /** The record of a license, decrypted; undefined when it has none. */
  license(licenseId: string): Promise<LicenseRecord | undefined>;
  /** Every license record, decrypted, by license id. */
  licenses(): Promise<LicenseRecord[]>;
  /**
   * The lookup for `ingest({ licenseKeys: store.licenseOf })`: the license's keys (active, then the
   * most recently revoked, at most 8) and its record, in one indexed query whatever the number of
   * licenses; undefined when the license has no key.
   */
  licenseOf(licenseId: string): Promise<LicenseEntry | undefined>;
  /**
   * Reads the change feed now and drops from memory every license changed since its last read, as a
   * lookup does by itself within the bound: call it after changing a license through another object
   * (the report store's `forget` with `deleteLicense`) for the change to be seen here at once.
   */
  refresh(): Promise<void>;
}

/**
 * A license store over any PostgreSQL client (`pg.Pool`, PGlite). Call
 * `migrate()` and `check()` at start; pass `licenseOf` to `ingest` as `licenseKeys`.
 *
 * @example
 * const licenses = createLicenseStore(pool, { keyring: parseKeyring(process.env.TELEMETRY_KEK!, 'TELEMETRY_KEK') });
 * await licenses.migrate(); await licenses.check();
 * await licenses.setLicense({ licenseId: 'lic-0042', legalEntity: 'Example Holdings GmbH', features: ['sso'], dataRegion: 'eu' });
 * const { secret } = await licenses.issue('lic-0042'); // give it to the licensee, once, with the record
 * const result = await ingest(request, { licenseKeys: licenses.licenseOf, requireLicenseRecord: true, acceptedVersions: [1] });
 */
export function createLicenseStore(client: QueryClient, options: KeyStoreOptions): LicenseStore {
  const tables = licenseTables(client, options, 'createLicenseStore');
  const inForce = kekInForce(tables);
  const data = dataKeys(tables, inForce);
  const keys = keysTable(tables, inForce);
  const records = recordsTable(tables, data);
  const feed = changeFeed(tables);

  /** One license from the database: its keys, each row beside the license's record (or NULLs when it has none), in one statement. */
  const load = async (licenseId: string): Promise<LicenseEntry | undefined> => {
    const rows = await tables.query(
      'key lookup',
      `SELECT ${keyColumns('k.')}, ${recordColumns('l', 'l_')} FROM ${tables.keys} AS k LEFT JOIN ${tables.licenses} AS l ON l.license_id = k.license_id ${recordKeyJoin(tables, 'l')} WHERE k.license_id = $1 ORDER BY ${LOOKUP_ORDER} LIMIT ${LOOKUP_LIMIT}`,
      [licenseId],
    );
    if (rows.length === 0) return undefined;
    const found = [];
    for (const row of rows) found.push(await keys.keyOf('key lookup', row));
    const first = rows[0]!;
    return { keys: found, ...(first['l_license_id'] === null || first['l_license_id'] === undefined ? {} : { license: await records.recordOf('key lookup', first, 'l_') }) };
  };

  const cached =
    options.cache === false || options.cache?.entries === 0
      ? undefined
      : licenseCache(options.cache ?? {}, LICENSE_CHANGE_BOUND_SECONDS * 1000, load, (snapshot) => feed.since('key lookup', snapshot), (buckets) => data.evictBuckets(buckets));
  /** Runs a change of this store, then drops the license from memory: this process sees its own change at once. */
  const changing =
    <A extends unknown[], R>(change: (licenseId: string, ...rest: A) => Promise<R>) =>
    async (licenseId: string, ...rest: A): Promise<R> => {
      try {
        return await change(licenseId, ...rest);
      } finally {
        cached?.drop(licenseId);
      }
    };
  const licenseOf = (licenseId: string): Promise<LicenseEntry | undefined> => {
    if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) return Promise.resolve(undefined);
    return cached === undefined ? load(licenseId) : cached.lookup(licenseId);
  };

  return {
    async migrate() {
      await migrateKeyTables(tables);
      await tables.query('key store migrate', createBlock(tables, 'telemetry_keys', keys.create));
      await tables.query('key store migrate', createBlock(tables, 'telemetry_licenses', records.create));
      await tables.query('key store migrate', changeFeedBlock(tables, feed));
    },

    async check(options = {}) {
      const all = options.all === true;
      const secrets = await checkSealed(tables, keys.sealedColumn, all);
      const wrapped = await checkSealed(tables, data.sealedColumn, all);
      // Legal entities open with their data keys: one proves the path, every one with `all`.
      const rows = await records.rows('key store check');
      for (const row of all ? rows : rows.slice(0, 1)) await records.recordOf('key store', row);
      const byKek: Record<string, number> = { ...secrets };
      for (const [id, n] of Object.entries(wrapped)) byKek[id] = (byKek[id] ?? 0) + n;
      const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      const ring = await tables.keyring.ring();
      const current = (await inForce.recorded()) ?? ring.current.id;
      const needed = [...new Set([current, ...Object.keys(byKek)])].sort();
      return {
        secrets: total(secrets),
        dataKeys: total(wrapped),
        records: rows.length,
        byKek,
        currentKek: current,
        neededKeks: needed,
        unneededKeks: ring.all.map((k) => k.id).filter((id) => !needed.includes(id)),
      };
    },

    async rewrap(options = {}) {
      const ring = await tables.keyring.reload();
      if (options.expectKek !== undefined && options.expectKek !== ring.current.id) {
        throw new KeyStoreError(
          'kek-config',
          `rewrap: the keyring lists ${ring.current.id} first, not ${options.expectKek} (kek-config); put the new key-encryption key first in the file this store reads, then run rewrap again. Nothing was changed`,
        );
      }
      // Nothing changes unless this keyring reads everything stored: a KEK it lacks stays needed, and says so.
      const used = await tables.query('rewrap', `SELECT kek_id FROM ${tables.keys} UNION SELECT kek_id FROM ${tables.dataKeys}`);
      const lacking = used.map((r) => String(r['kek_id'])).filter((id) => !ring.all.some((k) => k.id === id));
      if (lacking.length > 0) {
        throw new KeyStoreError(
          'kek-unknown',
          `rewrap: values are stored under the key-encryption key${lacking.length === 1 ? '' : 's'} ${lacking.join(', ')}, which the keyring (${ring.all.map((k) => k.id).join(', ')}) lacks (kek-unknown); keep every key in use in the keyring, the new one first, and run rewrap again. Nothing was changed`,
        );
      }
      await inForce.set(ring.current);
      const secrets = await rewrapSealed(tables, keys.sealedColumn, ring);
      const wrapped = await rewrapSealed(tables, data.sealedColumn, ring);
      return { rewrapped: secrets + wrapped, secrets, dataKeys: wrapped, currentKek: ring.current.id };
    },

    issue: changing(keys.issue),
    rotate: changing(keys.rotate),
    revoke: changing(keys.revoke),
    list: keys.list,
    keysOf: cached === undefined ? keys.keysOf : (licenseId) => licenseOf(licenseId).then((entry) => entry?.keys),
    setLicense: async (record) => {
      const licenseId = (record as { licenseId?: unknown } | undefined)?.licenseId;
      try {
        return await records.set(record);
      } finally {
        if (typeof licenseId === 'string') cached?.drop(licenseId);
      }
    },
    license: records.get,
    licenses: records.all,
    licenseOf,

    async refresh() {
      await cached?.refresh();
    },
  };
}

/**
 * The earlier name of {@link createLicenseStore}, from when the store held keys alone; the same store.
 *
 * @example
 * const keys = createKeyStore(pool, { keyring }); // = createLicenseStore(pool, { keyring })
 */
export const createKeyStore: (client: QueryClient, options: KeyStoreOptions) => LicenseStore = createLicenseStore;
