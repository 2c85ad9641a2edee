/**
 * Each license's data keys: random AES-256 keys, one per license and purpose,
 * kept in `telemetry_data_keys` wrapped (AES-256-GCM) under the key-encryption
 * key in force. What the store keeps that can identify a customer is sealed
 * under them: with purpose `reports`, the customer header of each report and
 * the message id computed from it (./store.ts); with purpose `record`, the
 * legal entity of the license record (./license-personal.ts). Destroying a
 * data key (`forget`, `deleteLicense`) leaves every value sealed under it
 * unreadable wherever its bytes remain, once no copy of the key itself can be
 * unwrapped either (see docs/key-store.md, "Erasure").
 *
 * A row that references a data key does so by its random id, with a foreign
 * key: a value is never stored under a key that was destroyed meanwhile (the
 * insert fails, and the store seals again under a new one), and a key is
 * never destroyed while a value under it is stored (the statement that
 * destroys it deletes those first).
 */
import { type AeadKey, aeadKey, openValue, sealValue } from './aead.js';
import { STALE, type KekInForce, guard, kekInForceDdl } from './kek-in-force.js';
import { sealBytes, unsealBytes } from './keyring.js';
import { bucketOf } from './license-changes.js';
import { KeyStoreError, type LicenseTables, type SealedColumn, KEK_ID_COLUMN, NONCE_COLUMN, createBlock, hex, kekFor, licenseIdColumn, unhex } from './license-tables.js';

/** What a data key seals: a license's reports, or its license record. */
export type DataKeyPurpose = 'reports' | 'record';

/** A data key, unwrapped. Holds key material: never log it. */
export interface DataKey {
  /** 32 hex digits, random; what rows sealed under it reference. */
  readonly id: string;
  readonly licenseId: string;
  readonly purpose: DataKeyPurpose;
  readonly key: AeadKey;
}

/** Unwrapped data keys a process keeps, by license and by id: enough for 100,000 licenses. */
export const DATA_KEY_CACHE_ENTRIES = 100_000;

const WRAP_LABEL = 'telemetry-contract license data key v1\0';
const wrapContext = (licenseId: string, purpose: string, id: string) => `${WRAP_LABEL}${licenseId}\0${purpose}\0${id}`;

/** The columns of a data key row as {@link DataKeys.fromRow} reads them; `alias` prefixes each (`d.`), `as` each name. */
export const dataKeyColumns = (alias = '', as = '') =>
  [
    `${alias}id AS ${as}id`,
    `${alias}license_id AS ${as}license_id`,
    `${alias}purpose AS ${as}purpose`,
    `${alias}kek_id AS ${as}kek_id`,
    `encode(${alias}nonce, 'hex') AS ${as}nonce`,
    `encode(${alias}wrapped, 'hex') AS ${as}wrapped`,
  ].join(', ');

/** The statements that create the table when missing. */
export const dataKeysDdl = (table: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${table} (`,
  `  id text COLLATE "C" PRIMARY KEY CONSTRAINT id_check CHECK (id ~ '^[0-9a-f]{32}$'),`,
  licenseIdColumn('NOT NULL'),
  `  purpose text NOT NULL CONSTRAINT purpose_check CHECK (purpose IN ('reports', 'record')),`,
  '  created_at timestamptz NOT NULL,',
  KEK_ID_COLUMN,
  NONCE_COLUMN,
  '  wrapped bytea NOT NULL CONSTRAINT wrapped_check CHECK (octet_length(wrapped) = 48),',
  '  UNIQUE (license_id, purpose)',
  ');',
  `COMMENT ON TABLE ${table} IS 'Data keys of licenses: what identifies a customer (customer headers, message ids, legal entities) is sealed under them, and erasing a license destroys them. Each AES-256-GCM wrapped under the key-encryption key kek_id names, bound to its license, purpose and id. No column holds a key in the clear.';`,
];

/**
 * The statement that creates the tables the license store and the report store share when missing: the
 * data keys and the KEK in force. Each store's migrate runs it, under the license store's advisory lock.
 */
export const keyTablesBlock = (tables: LicenseTables): string => createBlock(tables, 'telemetry_data_keys', [...kekInForceDdl(tables.kekInForce), ...dataKeysDdl(tables.dataKeys)]);

/** Runs {@link keyTablesBlock}; its failure a KeyStoreError. */
export async function migrateKeyTables(tables: LicenseTables): Promise<void> {
  await tables.query('key store migrate', keyTablesBlock(tables));
}

export interface DataKeys {
  /** The license's data key for `purpose`, created (under the KEK in force) when it has none. */
  keyFor(where: string, licenseId: string, purpose: DataKeyPurpose): Promise<DataKey>;
  /** The data key of a row read with {@link dataKeyColumns} (its names prefixed with `as`). */
  fromRow(where: string, row: Record<string, unknown>, as?: string): Promise<DataKey>;
  /** Forgets the license's cached keys: they were destroyed, or a row could not reference them. */
  evict(licenseId: string): void;
  /** Forgets the cached keys of every license in these buckets of the change feed (./license-changes.ts), or all. */
  evictBuckets(buckets: ReadonlySet<number> | 'all'): void;
  /** For check and rewrap. */
  readonly sealedColumn: SealedColumn;
}

/** The data keys of `tables`, new ones sealed under the KEK in force. */
export function dataKeys(tables: LicenseTables, inForce: KekInForce): DataKeys {
  const byLicense = new Map<string, DataKey>();
  const byId = new Map<string, DataKey>();
  const slot = (licenseId: string, purpose: string) => `${licenseId}\0${purpose}`;
  /** Each held key's bucket in the change feed, computed once, so a change read drops its keys without hashing every id again. */
  const buckets = new Map<string, number>();
  const forget = (key: DataKey) => {
    byId.delete(key.id);
    buckets.delete(key.id);
    if (byLicense.get(slot(key.licenseId, key.purpose)) === key) byLicense.delete(slot(key.licenseId, key.purpose));
  };
  const remember = (key: DataKey): DataKey => {
    // The oldest first: Maps iterate in insertion order.
    if (byId.size >= DATA_KEY_CACHE_ENTRIES) forget(byId.values().next().value!);
    byId.set(key.id, key);
    buckets.set(key.id, bucketOf(key.licenseId));
    byLicense.set(slot(key.licenseId, key.purpose), key);
    return key;
  };

  /** The key's bytes from its row; a KeyStoreError when the keyring cannot unwrap them. */
  const unwrapBytes = async (where: string, row: Record<string, unknown>, as = ''): Promise<Uint8Array> => {
    const id = String(row[`${as}id`]);
    const licenseId = String(row[`${as}license_id`]);
    const purpose = String(row[`${as}purpose`]);
    const kekId = String(row[`${as}kek_id`]);
    const bytes = await unsealBytes(await kekFor(tables, where, kekId, 'data keys'), wrapContext(licenseId, purpose, id), { nonce: unhex(String(row[`${as}nonce`])), sealed: unhex(String(row[`${as}wrapped`])) });
    if (bytes === undefined) {
      throw new KeyStoreError('kek-mismatch', `${where}: the ${purpose} data key of ${licenseId} does not decrypt under key-encryption key ${kekId} (kek-mismatch); it was changed in the database or moved from another license`);
    }
    return bytes;
  };

  const fromRow = async (where: string, row: Record<string, unknown>, as = ''): Promise<DataKey> => {
    const cached = byId.get(String(row[`${as}id`]));
    if (cached !== undefined) return cached;
    const purpose = String(row[`${as}purpose`]) as DataKeyPurpose;
    return remember({ id: String(row[`${as}id`]), licenseId: String(row[`${as}license_id`]), purpose, key: aeadKey(await unwrapBytes(where, row, as)) });
  };

  const stored = async (where: string, licenseId: string, purpose: DataKeyPurpose): Promise<DataKey | undefined> => {
    const rows = await tables.query(where, `SELECT ${dataKeyColumns()} FROM ${tables.dataKeys} WHERE license_id = $1 AND purpose = $2`, [licenseId, purpose]);
    return rows[0] === undefined ? undefined : fromRow(where, rows[0]);
  };

  return {
    async keyFor(where, licenseId, purpose) {
      const cached = byLicense.get(slot(licenseId, purpose));
      if (cached !== undefined) return cached;
      const found = await stored(where, licenseId, purpose);
      if (found !== undefined) return found;
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      const id = hex(crypto.getRandomValues(new Uint8Array(16)));
      const created = await inForce.seal(where, async (kek) => {
        const wrapped = await sealBytes(await tables.keyring.ring(), wrapContext(licenseId, purpose, id), bytes, kek);
        const rows = await tables.query(
          where,
          `WITH ${guard(tables.kekInForce, 1)}, created AS (
             INSERT INTO ${tables.dataKeys} (id, license_id, purpose, created_at, kek_id, nonce, wrapped)
             SELECT $2, $3, $4, $5::timestamptz, $1, decode($6, 'hex'), decode($7, 'hex') FROM in_force
             ON CONFLICT (license_id, purpose) DO NOTHING RETURNING id)
           SELECT (SELECT count(*) FROM in_force) AS guarded, (SELECT count(*) FROM created) AS created`,
          [kek.id, id, licenseId, purpose, tables.now().toISOString(), hex(wrapped.nonce), hex(wrapped.sealed)],
        );
        if (Number(rows[0]?.['guarded'] ?? 0) === 0) return STALE;
        return Number(rows[0]?.['created'] ?? 0) === 1;
      });
      if (created) return remember({ id, licenseId, purpose, key: aeadKey(bytes) });
      // Another process created the license's key first: use that one.
      const winner = await stored(where, licenseId, purpose);
      if (winner === undefined) throw new KeyStoreError('concurrent-change', `${where}: the ${purpose} data key of ${licenseId} was created and destroyed at once (concurrent-change); try again`);
      return winner;
    },

    fromRow,

    evict(licenseId) {
      for (const purpose of ['reports', 'record']) {
        const key = byLicense.get(slot(licenseId, purpose));
        if (key !== undefined) forget(key);
      }
    },

    evictBuckets(changed) {
      for (const key of [...byId.values()]) if (changed === 'all' || changed.has(buckets.get(key.id)!)) forget(key);
    },

    sealedColumn: {
      table: tables.dataKeys,
      select: dataKeyColumns(),
      rowKey: ['id'],
      column: 'wrapped',
      open: (where, row) => unwrapBytes(where, row),
      reseal: (keyring, row, value) => sealBytes(keyring, wrapContext(String(row['license_id']), String(row['purpose']), String(row['id'])), value),
    },
  };
}

/** Seals a value under a data key, bound to `context` (what the value is, whose, where) and to the key's id. */
export function sealUnder(key: DataKey, context: string, value: string): Promise<Uint8Array> {
  return sealValue(key.key, `${context}\0${key.id}`, new TextEncoder().encode(value));
}

/** The value {@link sealUnder} sealed, or undefined when it does not open (another key, context or byte). */
export async function openUnder(key: DataKey, context: string, sealed: Uint8Array): Promise<string | undefined> {
  const bytes = await openValue(key.key, `${context}\0${key.id}`, sealed);
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
