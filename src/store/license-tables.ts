/**
 * What the license store's two tables share: where they are, how a query
 * fails (a KeyStoreError that names a code, never a value), the keyring they
 * seal under, and the clock. ./key-store.ts keeps the keys table,
 * ./license-records.ts the records table, ./license-store.ts puts them
 * together; the report store's purge reads contract ends from the records
 * table by the name given here.
 */
import type { QueryClient } from './database.js';
import { type Kek, type Keyring, type KeyringReader, type KeyringSource, type Sealed, keyringReader } from './keyring.js';

/** The signing secrets of licenses, sealed. */
export const LICENSE_KEYS_TABLE = 'telemetry_license_keys';
/** The license records: features, contract end and data region in clear, the legal entity sealed. */
export const LICENSES_TABLE = 'telemetry_licenses';
/** Each license's data keys, wrapped under a KEK: what identifies a customer is sealed under them (./data-keys.ts). */
export const DATA_KEYS_TABLE = 'telemetry_data_keys';
/** The one KEK every process seals new values under, set by rewrap (./kek-in-force.ts). */
export const KEK_IN_FORCE_TABLE = 'telemetry_kek_in_force';
/** Which licenses changed, per bucket, for the processes that keep licenses in memory (./license-changes.ts). */
export const LICENSE_CHANGES_TABLE = 'telemetry_license_changes';

/** The license id as the contract's header carries it, and as both tables check it. */
export const LICENSE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The column lines the license store's tables share, so that a license id, a KEK id and a nonce are
 * checked alike in each: `licenseIdColumn` with the table's own key constraint (`PRIMARY KEY` or `NOT NULL`).
 */
export const licenseIdColumn = (constraint: 'PRIMARY KEY' | 'NOT NULL'): string =>
  `  license_id text COLLATE "C" ${constraint} CONSTRAINT license_id_check CHECK (license_id ~ '${LICENSE_ID.source}'),`;
/** Which KEK sealed a row (./keyring.ts `kekId`: 16 hex digits). */
export const KEK_ID_COLUMN = `  kek_id text NOT NULL CONSTRAINT kek_id_check CHECK (kek_id ~ '^[0-9a-f]{16}$'),`;
/** The AES-256-GCM nonce of a sealed value. */
export const NONCE_COLUMN = '  nonce bytea NOT NULL CONSTRAINT nonce_check CHECK (octet_length(nonce) = 12),';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A refusal or failure of the license store, `<where>: <what is wrong> (<rule>)`; never holds a secret, a KEK or a legal entity. */
export class KeyStoreError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

/** A database error as a KeyStoreError naming the code, never a value. */
function failure(where: string, error: unknown): KeyStoreError {
  if (error instanceof KeyStoreError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === '23505') return new KeyStoreError('concurrent-change', `${where}: another change to this license came first (concurrent-change); run the command again`);
  // A data key referenced by the row was destroyed meanwhile (the license erased): the caller seals again under a new one.
  if (code === '23503') return new KeyStoreError('data-key-gone', `${where}: the license's data key was destroyed meanwhile (data-key-gone); run it again`);
  // Data exceptions (class 22) and check violations (23514) may quote a value: name the class only.
  if (code?.startsWith('22') || code === '23514') return new KeyStoreError('database', `${where}: the database refused a value [${code}] (database)`);
  return new KeyStoreError('database', `${where}: the database failed: ${typeof e.message === 'string' ? e.message : String(error)}${code ? ` [${code}]` : ''} (database)`);
}

export const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const unhex = (text: string) => new Uint8Array((text.match(/../g) ?? []).map((h) => parseInt(h, 16)));
export const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

/** Refuses a license id the contract would not carry, naming the rule and never the value. */
export function checkLicenseId(where: string, licenseId: string): void {
  if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) {
    throw new KeyStoreError('license-id', `${where}: the license id must match ${LICENSE_ID.source} (license-id)`);
  }
}

/** The tables, the client, the keyring and the clock of one license store. */
export interface LicenseTables {
  /** Schema-qualified names, as SQL. */
  readonly keys: string;
  readonly licenses: string;
  readonly dataKeys: string;
  readonly kekInForce: string;
  readonly licenseChanges: string;
  /** The PostgreSQL schema, or undefined for the connection's `search_path`. */
  readonly schema: string | undefined;
  /** Runs a statement, its failure a KeyStoreError that begins with `where`. */
  query(where: string, text: string, params?: unknown[]): Promise<ReadonlyArray<Record<string, unknown>>>;
  readonly keyring: KeyringReader;
  readonly now: () => Date;
}

/** The tables of a store over `client`, checking the options a caller gives. */
export function licenseTables(client: QueryClient, options: { readonly schema?: string; readonly keyring: KeyringSource; readonly now?: () => Date }, caller: string): LicenseTables {
  if (typeof client?.query !== 'function') throw new TypeError(`${caller}: client must have a query(text, params) method, such as pg.Pool or PGlite (client)`);
  const schema = options.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) throw new TypeError(`${caller}: schema must be lowercase letters, digits and _ (at most 63), got ${JSON.stringify(schema)} (schema)`);
  const qualify = (name: string) => (schema === undefined ? name : `"${schema}".${name}`);
  return {
    keys: qualify(LICENSE_KEYS_TABLE),
    licenses: qualify(LICENSES_TABLE),
    dataKeys: qualify(DATA_KEYS_TABLE),
    kekInForce: qualify(KEK_IN_FORCE_TABLE),
    licenseChanges: qualify(LICENSE_CHANGES_TABLE),
    schema,
    async query(where, text, params = []) {
      try {
        return (await client.query(text, params)).rows;
      } catch (error) {
        throw failure(where, error);
      }
    },
    keyring: keyringReader(options.keyring, (rule, message) => new KeyStoreError(rule, message)),
    now: options.now ?? (() => new Date()),
  };
}

/** The advisory lock under which the license store's tables (and the data keys the report store shares) are created. */
const LICENSE_LOCK = 'telemetry-contract:license-keys';

/**
 * The one statement that creates a table when missing, under the store's advisory lock (so two
 * servers starting at once do not race), with its schema.
 */
export function createBlock(tables: Pick<LicenseTables, 'schema'>, tag: string, statements: readonly string[]): string {
  return [
    `DO $${tag}$`,
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext('${LICENSE_LOCK}'));`,
    ...(tables.schema === undefined ? [] : [`  CREATE SCHEMA IF NOT EXISTS "${tables.schema}";`]),
    ...statements.map((line) => `  ${line}`),
    'END',
    `$${tag}$`,
  ].join('\n');
}

/** The KEK a sealed value names, or a KeyStoreError (`kek-unknown`) saying which KEK the keyring lacks. */
export async function kekFor(tables: LicenseTables, where: string, id: string, what: string): Promise<Kek> {
  const kek = await tables.keyring.kekOf(id);
  if (kek !== undefined) return kek;
  const known = (await tables.keyring.ring()).all.map((k) => k.id).join(', ');
  throw new KeyStoreError('kek-unknown', `${where}: ${what} are stored under the key-encryption key ${id}, which the keyring (${known}) lacks (kek-unknown); configure the key they were stored with, the new one first during a rotation`);
}

/**
 * One table's sealed values, for check and rewrap: the table, the columns its rows are read with
 * (those `open` needs: `kek_id`, `nonce` and the ciphertext as hex, and what the ciphertext is bound
 * to), the columns that name a row, the column of the ciphertext, and how a row's value opens (a
 * KeyStoreError when it does not) and is sealed again under the current KEK.
 */
export interface SealedColumn {
  readonly table: string;
  readonly select: string;
  readonly rowKey: readonly string[];
  readonly column: string;
  open(where: string, row: Record<string, unknown>): Promise<Uint8Array>;
  reseal(keyring: Keyring, row: Record<string, unknown>, value: Uint8Array): Promise<Sealed>;
}

/** Opens one value under every KEK in use (every value with `all`); how many values each KEK seals. */
export async function checkSealed(tables: LicenseTables, c: SealedColumn, all: boolean): Promise<Record<string, number>> {
  const rows = await tables.query('key store check', `SELECT ${all ? '' : 'DISTINCT ON (kek_id) '}${c.select}, count(*) OVER (PARTITION BY kek_id) AS n FROM ${c.table} ORDER BY kek_id, ${c.rowKey.join(', ')}`);
  const byKek: Record<string, number> = {};
  for (const row of rows) {
    await c.open('key store', row);
    byKek[String(row['kek_id'])] = Number(row['n']);
  }
  return byKek;
}

/** Seals every value not under the current KEK with it; returns how many. A row changed meanwhile by another run is left as that run wrote it. */
export async function rewrapSealed(tables: LicenseTables, c: SealedColumn, current: Keyring): Promise<number> {
  const rows = await tables.query('rewrap', `SELECT ${c.select} FROM ${c.table} WHERE kek_id <> $1`, [current.current.id]);
  let rewrapped = 0;
  for (const row of rows) {
    const sealed = await c.reseal(current, row, await c.open('rewrap', row));
    const keys = c.rowKey.map((name) => row[name]);
    const at = c.rowKey.map((name, i) => `${name} = $${i + 1}`).join(' AND ');
    const n = c.rowKey.length;
    const changed = await tables.query(
      'rewrap',
      `UPDATE ${c.table} SET kek_id = $${n + 1}, nonce = decode($${n + 2}, 'hex'), ${c.column} = decode($${n + 3}, 'hex') WHERE ${at} AND kek_id = $${n + 4} RETURNING 1`,
      [...keys, sealed.kekId, hex(sealed.nonce), hex(sealed.sealed), String(row['kek_id'])],
    );
    rewrapped += changed.length;
  }
  return rewrapped;
}
