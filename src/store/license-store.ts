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
import { type LicenseKeyStore, LOOKUP_LIMIT, LOOKUP_ORDER, keyColumns, keysTable } from './key-store.js';
import type { KeyringSource } from './keyring.js';
import { recordColumns, recordsTable } from './license-records.js';
import { LICENSE_ID, checkSealed, createBlock, licenseTables, rewrapSealed } from './license-tables.js';

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
}

/** What a store check found: everything sealed is readable; how much of it under each KEK. */
export interface KeyStoreCheck {
  /** Signing secrets. */
  readonly secrets: number;
  /** License records (their legal entities). */
  readonly records: number;
  /** Sealed values, secrets and legal entities together, per KEK id. */
  readonly byKek: Readonly<Record<string, number>>;
  readonly currentKek: string;
}

/** The license store: the keys of {@link LicenseKeyStore}, the license records, and the lookup `ingest` needs. */
export interface LicenseStore extends Omit<LicenseKeyStore, 'check' | 'rewrap'> {
  /**
   * Reads one sealed value (secret or legal entity) under every KEK in use (every one with `all`) and
   * throws a KeyStoreError (`kek-unknown`, `kek-mismatch`) when the keyring cannot read them: call
   * it at start, so a wrong KEK is one clear error there; `all` also finds a single damaged or moved value.
   */
  check(options?: { readonly all?: boolean }): Promise<KeyStoreCheck>;
  /** Re-encrypts every secret and legal entity not under the current KEK with it; nothing else changes. */
  rewrap(): Promise<{ readonly rewrapped: number; readonly secrets: number; readonly records: number; readonly currentKek: string }>;
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
  const keys = keysTable(tables);
  const records = recordsTable(tables);

  return {
    async migrate() {
      await tables.query('key store migrate', createBlock(tables, 'telemetry_keys', keys.create));
      await tables.query('key store migrate', createBlock(tables, 'telemetry_licenses', records.create));
    },

    async check(options = {}) {
      const current = (await tables.keyring.ring()).current.id;
      const all = options.all === true;
      const secrets = await checkSealed(tables, keys.sealedColumn, all);
      const legalEntities = await checkSealed(tables, records.sealedColumn, all);
      const byKek: Record<string, number> = { ...secrets };
      for (const [id, n] of Object.entries(legalEntities)) byKek[id] = (byKek[id] ?? 0) + n;
      const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      return { secrets: total(secrets), records: total(legalEntities), byKek, currentKek: current };
    },

    async rewrap() {
      const current = await tables.keyring.reload();
      const secrets = await rewrapSealed(tables, keys.sealedColumn, current);
      const legalEntities = await rewrapSealed(tables, records.sealedColumn, current);
      return { rewrapped: secrets + legalEntities, secrets, records: legalEntities, currentKek: current.current.id };
    },

    issue: keys.issue,
    rotate: keys.rotate,
    revoke: keys.revoke,
    list: keys.list,
    keysOf: keys.keysOf,
    setLicense: records.set,
    license: records.get,
    licenses: records.all,

    async licenseOf(licenseId) {
      if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) return undefined;
      // One statement: the license's keys, each row beside the license's record (or NULLs when it has none).
      const rows = await tables.query(
        'key lookup',
        `SELECT ${keyColumns('k.')}, ${recordColumns('l.', 'l_')} FROM ${tables.keys} AS k LEFT JOIN ${tables.licenses} AS l ON l.license_id = k.license_id WHERE k.license_id = $1 ORDER BY ${LOOKUP_ORDER} LIMIT ${LOOKUP_LIMIT}`,
        [licenseId],
      );
      if (rows.length === 0) return undefined;
      const found = [];
      for (const row of rows) found.push(await keys.keyOf('key lookup', row));
      const first = rows[0]!;
      return { keys: found, ...(first['l_license_id'] === null || first['l_license_id'] === undefined ? {} : { license: await records.recordOf('key lookup', first, 'l_') }) };
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
