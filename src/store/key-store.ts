/**
 * The keys half of the license store (./license-store.ts puts the halves
 * together): each license's signing secrets in the table
 * `telemetry_license_keys`, encrypted at rest with AES-256-GCM under a
 * key-encryption key (KEK) the server holds outside the database, bound to
 * their license and key id. Issue (the secret is returned once), rotate (old
 * and new active together), revoke, list (never a secret), and the keys of a
 * license for `ingest`.
 */
import { toBase64 } from '../wire/bytes.js';
import { seal, unseal } from './keyring.js';
import { generateSecret, parseSecret } from '../wire/signature.js';
import type { VerificationKey } from '../wire/verify-signature.js';
import { STALE, type KekInForce, guard } from './kek-in-force.js';
import { KeyStoreError, type LicenseTables, type SealedColumn, KEK_ID_COLUMN, NONCE_COLUMN, checkLicenseId, hex, iso, kekFor, LICENSE_ID, licenseIdColumn, unhex } from './license-tables.js';

/** A key as `list` shows it: never the secret. */
export interface KeyInfo {
  readonly licenseId: string;
  readonly keyId: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly state: 'active' | 'revoked';
  /** The id of the KEK its secret is encrypted under. */
  readonly kekId: string;
}

/** A new secret, returned once: the store keeps it encrypted and never shows it again. */
export interface IssuedKey {
  readonly licenseId: string;
  readonly keyId: string;
  readonly createdAt: string;
  /** `whsec_…`: hand it to the licensee; it is not retrievable later. */
  readonly secret: string;
}

/** What a key store check found: how many secrets under each KEK, all of them readable. */
export interface KeyStoreCheck {
  readonly secrets: number;
  readonly byKek: Readonly<Record<string, number>>;
  readonly currentKek: string;
}

export interface LicenseKeyStore {
  /** Creates the table when missing; safe on every start. */
  migrate(): Promise<void>;
  /**
   * Reads one secret under every KEK in use (every secret with `all`) and throws a KeyStoreError
   * (`kek-unknown`, `kek-mismatch`) when the keyring cannot read them: call it at start, so a wrong
   * KEK is one clear error there; `all` also finds a single damaged or moved secret.
   */
  check(options?: { readonly all?: boolean }): Promise<KeyStoreCheck>;
  /** The first secret of a license (or a new one after all its keys were revoked); refused while it has an active key. */
  issue(licenseId: string): Promise<IssuedKey>;
  /** A new secret beside the active one(s); both verify until the old one is revoked. */
  rotate(licenseId: string): Promise<IssuedKey>;
  /** Revokes one key of a license, or every active key when `keyId` is left out; returns how many. */
  revoke(licenseId: string, keyId?: string): Promise<number>;
  /** Ids, dates and states of every key (of one license, when given); never a secret. */
  list(licenseId?: string): Promise<KeyInfo[]>;
  /** Re-encrypts every secret not under the current KEK with it; no license secret changes. */
  rewrap(): Promise<{ readonly rewrapped: number; readonly currentKek: string }>;
  /**
   * The keys of a license alone, as lookups returned them before license records: its active keys and
   * its most recently revoked ones (so a revoked key is answered `revoked-key`), at most 8; undefined
   * when unknown. `ingest` checks nothing of the license with them: pass the license store's
   * `licenseOf` instead, which finds keys and record in one query.
   */
  keysOf(licenseId: string): Promise<readonly VerificationKey[] | undefined>;
}

const KEY_ID = /^k[1-9][0-9]{0,8}$/;
/** Active keys a license may hold at once: a rotation needs two; each costs an HMAC per request. */
export const MAX_ACTIVE_KEYS = 4;
/** Keys a lookup returns at most: the active ones, then the most recently revoked. */
export const LOOKUP_LIMIT = 8;
/** The order of a lookup's keys: active first, then the most recently revoked, newest first. */
export const LOOKUP_ORDER = 'revoked_at IS NULL DESC, revoked_at DESC, created_at DESC, length(key_id) DESC, key_id DESC';

/** The columns of a key row as the decoders below read them; `alias` prefixes each (`k.`). */
export const keyColumns = (alias = '') => `${alias}license_id, ${alias}key_id, ${alias}created_at, ${alias}revoked_at, ${alias}kek_id, encode(${alias}nonce, 'hex') AS nonce, encode(${alias}sealed, 'hex') AS sealed`;

/** The keys table of a license store: its DDL, the key operations, and its secrets for check and rewrap. */
export function keysTable(tables: LicenseTables, inForce: KekInForce) {
  const table = tables.keys;
  const { query } = tables;

  /** A stored secret's bytes; a KeyStoreError when the keyring cannot read it. */
  const openBytes = async (where: string, row: Record<string, unknown>): Promise<Uint8Array> => {
    const licenseId = String(row['license_id']);
    const keyId = String(row['key_id']);
    const id = String(row['kek_id']);
    const bytes = await unseal(await kekFor(tables, where, id, 'secrets'), licenseId, keyId, { nonce: unhex(String(row['nonce'])), sealed: unhex(String(row['sealed'])) });
    if (bytes === undefined) {
      throw new KeyStoreError('kek-mismatch', `${where}: the secret of ${licenseId} key ${keyId} does not decrypt under key-encryption key ${id} (kek-mismatch); it was changed in the database or moved from another license: revoke it and issue a new one`);
    }
    return bytes;
  };

  /** A key row as `ingest` verifies with it. */
  const keyOf = async (where: string, row: Record<string, unknown>): Promise<VerificationKey> => ({
    id: String(row['key_id']),
    secret: `whsec_${toBase64(await openBytes(where, row))}`,
    ...(row['revoked_at'] === null || row['revoked_at'] === undefined ? {} : { revoked: true }),
  });

  const insert = async (where: string, licenseId: string, condition: 'none-active' | 'some-active'): Promise<IssuedKey> => {
    checkLicenseId(where, licenseId);
    const rows = await query(where, `SELECT key_id, revoked_at IS NULL AS active FROM ${table} WHERE license_id = $1`, [licenseId]);
    const active = rows.filter((r) => r['active'] === true).length;
    if (condition === 'none-active' && active > 0) {
      throw new KeyStoreError('license-has-key', `${where}: ${licenseId} already has an active key (license-has-key); use rotate to add a new one beside it`);
    }
    if (condition === 'some-active' && active === 0) {
      throw new KeyStoreError('no-active-key', `${where}: ${licenseId} has no active key to rotate (no-active-key); use issue`);
    }
    if (active >= MAX_ACTIVE_KEYS) {
      throw new KeyStoreError('too-many-keys', `${where}: ${licenseId} has ${active} active keys, the most a license may hold (too-many-keys); revoke the oldest first`);
    }
    // Key ids count up per license; two concurrent issues collide on the primary key instead of both succeeding.
    const next = rows.reduce((n, r) => Math.max(n, Number(String(r['key_id']).slice(1))), 0) + 1;
    const keyId = `k${next}`;
    const secret = generateSecret();
    const createdAt = tables.now().toISOString();
    // Sealed under the KEK in force, and stored only while it still is (see ./kek-in-force.ts).
    await inForce.seal(where, async (kek) => {
      const sealed = await seal(await tables.keyring.ring(), licenseId, keyId, parseSecret(secret), kek);
      const rows = await query(
        where,
        `WITH ${guard(tables.kekInForce, 1)}, created AS (INSERT INTO ${table} (license_id, key_id, created_at, kek_id, nonce, sealed) SELECT $2, $3, $4::timestamptz, $1, decode($5, 'hex'), decode($6, 'hex') FROM in_force RETURNING 1) SELECT (SELECT count(*) FROM in_force) AS guarded`,
        [kek.id, licenseId, keyId, createdAt, hex(sealed.nonce), hex(sealed.sealed)],
      );
      return Number(rows[0]?.['guarded'] ?? 0) === 0 ? STALE : true;
    });
    return { licenseId, keyId, createdAt, secret };
  };

  const sealedColumn: SealedColumn = {
    table,
    select: keyColumns(),
    rowKey: ['license_id', 'key_id'],
    column: 'sealed',
    open: openBytes,
    reseal: (keyring, row, value) => seal(keyring, String(row['license_id']), String(row['key_id']), value),
  };

  return {
    sealedColumn,
    keyOf,
    /** The statements that create the table when missing. */
    create: [
      `CREATE TABLE IF NOT EXISTS ${table} (`,
        licenseIdColumn('NOT NULL'),
      `  key_id text COLLATE "C" NOT NULL CONSTRAINT key_id_check CHECK (key_id ~ '^k[1-9][0-9]{0,8}$'),`,
      '  created_at timestamptz NOT NULL,',
      '  revoked_at timestamptz,',
        KEK_ID_COLUMN,
        NONCE_COLUMN,
      '  sealed bytea NOT NULL CONSTRAINT sealed_check CHECK (octet_length(sealed) BETWEEN 40 AND 80),',
      '  PRIMARY KEY (license_id, key_id)',
      ');',
      `COMMENT ON TABLE ${table} IS 'Signing secrets of licenses, AES-256-GCM encrypted under a key-encryption key held outside the database (kek_id names it), bound to license_id and key_id as associated data. No column holds a secret in the clear.';`,
    ],

    issue: (licenseId: string) => insert('issue', licenseId, 'none-active'),
    rotate: (licenseId: string) => insert('rotate', licenseId, 'some-active'),

    async revoke(licenseId: string, keyId?: string): Promise<number> {
      checkLicenseId('revoke', licenseId);
      if (keyId !== undefined && !KEY_ID.test(keyId)) throw new KeyStoreError('key-id', `revoke: the key id must be k followed by a number, as list shows it (key-id)`);
      const rows = await query(
        'revoke',
        `WITH changed AS (UPDATE ${table} SET revoked_at = $2::timestamptz WHERE license_id = $1 AND revoked_at IS NULL${keyId === undefined ? '' : ' AND key_id = $3'} RETURNING 1) SELECT count(*) AS n FROM changed`,
        keyId === undefined ? [licenseId, tables.now().toISOString()] : [licenseId, tables.now().toISOString(), keyId],
      );
      return Number(rows[0]?.['n'] ?? 0);
    },

    async list(licenseId?: string): Promise<KeyInfo[]> {
      if (licenseId !== undefined) checkLicenseId('list', licenseId);
      const rows = await query(
        'list',
        `SELECT license_id, key_id, created_at, revoked_at, kek_id FROM ${table}${licenseId === undefined ? '' : ' WHERE license_id = $1'} ORDER BY license_id, created_at, length(key_id), key_id`,
        licenseId === undefined ? [] : [licenseId],
      );
      return rows.map((r) => ({
        licenseId: String(r['license_id']),
        keyId: String(r['key_id']),
        createdAt: iso(r['created_at']),
        ...(r['revoked_at'] === null || r['revoked_at'] === undefined ? {} : { revokedAt: iso(r['revoked_at']) }),
        state: r['revoked_at'] === null || r['revoked_at'] === undefined ? ('active' as const) : ('revoked' as const),
        kekId: String(r['kek_id']),
      }));
    },

    async keysOf(licenseId: string): Promise<readonly VerificationKey[] | undefined> {
      if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) return undefined;
      const rows = await query('key lookup', `SELECT ${keyColumns()} FROM ${table} WHERE license_id = $1 ORDER BY ${LOOKUP_ORDER} LIMIT ${LOOKUP_LIMIT}`, [licenseId]);
      if (rows.length === 0) return undefined;
      const keys: VerificationKey[] = [];
      for (const row of rows) keys.push(await keyOf('key lookup', row));
      return keys;
    },
  };
}
