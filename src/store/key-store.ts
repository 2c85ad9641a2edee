/**
 * The license key store: each license's signing secrets in PostgreSQL (a
 * server through `pg`, or PGlite), encrypted at rest with AES-256-GCM under a
 * key-encryption key (KEK) the server holds outside the database, bound to
 * their license and key id. Issue (the secret is returned once), rotate (old
 * and new active together), revoke, list (never a secret), re-encrypt under a
 * new KEK (`rewrap`), and look up a license's keys for `ingest`.
 */
import { toBase64 } from '../wire/bytes.js';
import type { LicenseKeys } from '../server/key-lookup.js';
import { type Kek, type Keyring, KeyringError, seal, unseal } from './keyring.js';
import { generateSecret, parseSecret } from '../wire/signature.js';
import type { VerificationKey } from '../wire/verify-signature.js';
import type { QueryClient } from './database.js';

export interface KeyStoreOptions {
  /**
   * The key-encryption keys: a keyring, or a function that reads it (again) from where the server
   * keeps it. A function is asked again when a stored secret names a KEK the keyring lacks (after a
   * miss, not again within a second), so a KEK rotation needs no restart: the new KEK first in the
   * file, the old one after it, `rewrap`, then drop the old one.
   */
  readonly keyring: Keyring | (() => Keyring | Promise<Keyring>);
  /** The PostgreSQL schema of the table, as for `createPostgresStore`; default the connection's `search_path`. */
  readonly schema?: string;
  /** The clock of `created_at` and `revoked_at`; default the system clock. */
  readonly now?: () => Date;
}

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

/** A refusal or failure of the key store, `<where>: <what is wrong> (<rule>)`; never holds a secret or a KEK. */
export class KeyStoreError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyStoreError';
  }
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
   * The keys of a license for `ingest({ licenseKeys: store.keysOf })`: its active keys and its most
   * recently revoked ones (so a revoked key is answered `revoked-key`), at most 8; undefined when unknown.
   */
  keysOf(licenseId: string): Promise<LicenseKeys>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const LICENSE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const KEY_ID = /^k[1-9][0-9]{0,8}$/;
const TABLE = 'telemetry_license_keys';
/** Active keys a license may hold at once: a rotation needs two; each costs an HMAC per request. */
export const MAX_ACTIVE_KEYS = 4;
const LOOKUP_LIMIT = 8;
const RELOAD_INTERVAL_MS = 1000;

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string) => new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16)));
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

function checkLicense(where: string, licenseId: string): void {
  if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) {
    throw new KeyStoreError('license-id', `${where}: the license id must match ${LICENSE_ID.source} (license-id)`);
  }
}

/** A database error as a KeyStoreError naming the code, never a value. */
function failure(where: string, error: unknown): KeyStoreError {
  if (error instanceof KeyStoreError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === '23505') return new KeyStoreError('concurrent-change', `${where}: another change to this license's keys came first (concurrent-change); run the command again`);
  // Data exceptions (class 22) may quote a value: name the class only.
  if (code?.startsWith('22')) return new KeyStoreError('database', `${where}: the database refused a value [${code}] (database)`);
  return new KeyStoreError('database', `${where}: the database failed: ${typeof e.message === 'string' ? e.message : String(error)}${code ? ` [${code}]` : ''} (database)`);
}

/**
 * A license key store over any PostgreSQL client (`pg.Pool`, PGlite). Call
 * `migrate()` and `check()` at start; pass `keysOf` to `ingest` as `licenseKeys`.
 *
 * @example
 * const keys = createKeyStore(pool, { keyring: parseKeyring(process.env.TELEMETRY_KEK!, 'TELEMETRY_KEK') });
 * await keys.migrate(); await keys.check();
 * const { secret } = await keys.issue('lic-0042'); // give it to the licensee, once
 * const result = await ingest(request, { licenseKeys: keys.keysOf });
 */
export function createKeyStore(client: QueryClient, options: KeyStoreOptions): LicenseKeyStore {
  if (typeof client?.query !== 'function') throw new TypeError('createKeyStore: client must have a query(text, params) method, such as pg.Pool or PGlite (client)');
  const schema = options.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) throw new TypeError(`createKeyStore: schema must be lowercase letters, digits and _ (at most 63), got ${JSON.stringify(schema)} (schema)`);
  const table = schema === undefined ? TABLE : `"${schema}".${TABLE}`;
  const clock = options.now ?? (() => new Date());
  const source = options.keyring;
  let keyring: Keyring | undefined = typeof source === 'function' ? undefined : source;
  /** When a reload last failed to find a KEK: a missing KEK rereads the keyring at most once a second. */
  let missedAt = -Infinity;

  const load = async (): Promise<Keyring> => {
    if (typeof source !== 'function') return source;
    try {
      keyring = await source();
    } catch (error) {
      const rule = error instanceof KeyringError ? error.rule : 'kek-missing';
      throw new KeyStoreError(rule, `key store: cannot read the key-encryption keys: ${(error as Error).message}`);
    }
    return keyring;
  };
  const ring = async (): Promise<Keyring> => keyring ?? load();
  /** The KEK of an id; reads the keyring again when it lacks it (after a miss, not again within a second). */
  const kekOf = async (id: string): Promise<Kek | undefined> => {
    let found = (await ring()).all.find((k) => k.id === id);
    if (found === undefined && typeof source === 'function' && Date.now() - missedAt >= RELOAD_INTERVAL_MS) {
      found = (await load()).all.find((k) => k.id === id);
      if (found === undefined) missedAt = Date.now();
    }
    return found;
  };

  const query = async (where: string, text: string, params: unknown[] = []) => {
    try {
      return (await client.query(text, params)).rows;
    } catch (error) {
      throw failure(where, error);
    }
  };

  /** A stored secret, decrypted; a KeyStoreError when the keyring cannot read it. */
  const open = async (where: string, row: Record<string, unknown>): Promise<string> => {
    const licenseId = String(row['license_id']);
    const keyId = String(row['key_id']);
    const id = String(row['kek_id']);
    const kek = await kekOf(id);
    if (kek === undefined) {
      const known = (await ring()).all.map((k) => k.id).join(', ');
      throw new KeyStoreError('kek-unknown', `${where}: secrets are stored under the key-encryption key ${id}, which the keyring (${known}) lacks (kek-unknown); configure the key they were stored with, the new one first during a rotation`);
    }
    const bytes = await unseal(kek, licenseId, keyId, { nonce: unhex(String(row['nonce'])), sealed: unhex(String(row['sealed'])) });
    if (bytes === undefined) {
      throw new KeyStoreError('kek-mismatch', `${where}: the secret of ${licenseId} key ${keyId} does not decrypt under key-encryption key ${id} (kek-mismatch); it was changed in the database or moved from another license: revoke it and issue a new one`);
    }
    return `whsec_${toBase64(bytes)}`;
  };

  const insert = async (where: string, licenseId: string, condition: 'none-active' | 'some-active'): Promise<IssuedKey> => {
    checkLicense(where, licenseId);
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
    const sealed = await seal(await ring(), licenseId, keyId, parseSecret(secret));
    const createdAt = clock().toISOString();
    await query(where, `INSERT INTO ${table} (license_id, key_id, created_at, kek_id, nonce, sealed) VALUES ($1, $2, $3::timestamptz, $4, decode($5, 'hex'), decode($6, 'hex'))`, [
      licenseId,
      keyId,
      createdAt,
      sealed.kekId,
      hex(sealed.nonce),
      hex(sealed.sealed),
    ]);
    return { licenseId, keyId, createdAt, secret };
  };

  const columns = `license_id, key_id, created_at, revoked_at, kek_id, encode(nonce, 'hex') AS nonce, encode(sealed, 'hex') AS sealed`;

  return {
    async migrate() {
      await query(
        'key store migrate',
        [
          'DO $telemetry_keys$',
          'BEGIN',
          "  PERFORM pg_advisory_xact_lock(hashtext('telemetry-contract:license-keys'));",
          ...(schema === undefined ? [] : [`  CREATE SCHEMA IF NOT EXISTS "${schema}";`]),
          `  CREATE TABLE IF NOT EXISTS ${table} (`,
          `    license_id text COLLATE "C" NOT NULL CONSTRAINT license_id_check CHECK (license_id ~ '^[A-Za-z0-9._-]{1,128}$'),`,
          `    key_id text COLLATE "C" NOT NULL CONSTRAINT key_id_check CHECK (key_id ~ '^k[1-9][0-9]{0,8}$'),`,
          '    created_at timestamptz NOT NULL,',
          '    revoked_at timestamptz,',
          `    kek_id text NOT NULL CONSTRAINT kek_id_check CHECK (kek_id ~ '^[0-9a-f]{16}$'),`,
          '    nonce bytea NOT NULL CONSTRAINT nonce_check CHECK (octet_length(nonce) = 12),',
          '    sealed bytea NOT NULL CONSTRAINT sealed_check CHECK (octet_length(sealed) BETWEEN 40 AND 80),',
          '    PRIMARY KEY (license_id, key_id)',
          '  );',
          `  COMMENT ON TABLE ${table} IS 'Signing secrets of licenses, AES-256-GCM encrypted under a key-encryption key held outside the database (kek_id names it), bound to license_id and key_id as associated data. No column holds a secret in the clear.';`,
          'END',
          '$telemetry_keys$',
        ].join('\n'),
      );
    },

    async check(options = {}) {
      const current = (await ring()).current.id;
      const rows = await query(
        'key store check',
        `SELECT ${options.all === true ? '' : 'DISTINCT ON (kek_id) '}${columns}, count(*) OVER (PARTITION BY kek_id) AS n FROM ${table} ORDER BY kek_id, license_id, key_id`,
      );
      const byKek: Record<string, number> = {};
      for (const row of rows) {
        await open('key store', row);
        byKek[String(row['kek_id'])] = Number(row['n']);
      }
      return { secrets: Object.values(byKek).reduce((a, b) => a + b, 0), byKek, currentKek: current };
    },

    issue: (licenseId) => insert('issue', licenseId, 'none-active'),
    rotate: (licenseId) => insert('rotate', licenseId, 'some-active'),

    async revoke(licenseId, keyId) {
      checkLicense('revoke', licenseId);
      if (keyId !== undefined && !KEY_ID.test(keyId)) throw new KeyStoreError('key-id', `revoke: the key id must be k followed by a number, as list shows it (key-id)`);
      const rows = await query(
        'revoke',
        `WITH changed AS (UPDATE ${table} SET revoked_at = $2::timestamptz WHERE license_id = $1 AND revoked_at IS NULL${keyId === undefined ? '' : ' AND key_id = $3'} RETURNING 1) SELECT count(*) AS n FROM changed`,
        keyId === undefined ? [licenseId, clock().toISOString()] : [licenseId, clock().toISOString(), keyId],
      );
      return Number(rows[0]?.['n'] ?? 0);
    },

    async list(licenseId) {
      if (licenseId !== undefined) checkLicense('list', licenseId);
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

    async rewrap() {
      const current = await load();
      const rows = await query('rewrap', `SELECT ${columns} FROM ${table} WHERE kek_id <> $1`, [current.current.id]);
      let rewrapped = 0;
      for (const row of rows) {
        const secret = await open('rewrap', row);
        const licenseId = String(row['license_id']);
        const keyId = String(row['key_id']);
        const sealed = await seal(current, licenseId, keyId, parseSecret(secret));
        // Only the row as read: a row rewrapped meanwhile by another run is left as that run wrote it.
        const changed = await query(
          'rewrap',
          `UPDATE ${table} SET kek_id = $3, nonce = decode($4, 'hex'), sealed = decode($5, 'hex') WHERE license_id = $1 AND key_id = $2 AND kek_id = $6 RETURNING 1`,
          [licenseId, keyId, sealed.kekId, hex(sealed.nonce), hex(sealed.sealed), String(row['kek_id'])],
        );
        rewrapped += changed.length;
      }
      return { rewrapped, currentKek: current.current.id };
    },

    async keysOf(licenseId) {
      if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) return undefined;
      const rows = await query(
        'key lookup',
        `SELECT ${columns} FROM ${table} WHERE license_id = $1 ORDER BY revoked_at IS NULL DESC, revoked_at DESC, created_at DESC, length(key_id) DESC, key_id DESC LIMIT ${LOOKUP_LIMIT}`,
        [licenseId],
      );
      if (rows.length === 0) return undefined;
      const keys: VerificationKey[] = [];
      for (const row of rows) {
        keys.push({ id: String(row['key_id']), secret: await open('key lookup', row), ...(row['revoked_at'] === null || row['revoked_at'] === undefined ? {} : { revoked: true }) });
      }
      return keys;
    },
  };
}
