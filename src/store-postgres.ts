/**
 * telemetry-contract/store-postgres: stores verified reports in PostgreSQL
 * (a server through `pg`, or PGlite embedded), in the table the contract
 * generates (generated/v<N>/storage.sql), and enforces the contract's
 * retention and erasure. Takes any client with `query(text, params)`; the
 * package depends on neither driver. The migrations travel inside this
 * module, so nothing is read from disk at run time.
 *
 * @example
 * import pg from 'pg';
 * import { createPostgresStore } from 'telemetry-contract/store-postgres';
 * const store = createPostgresStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }), { keyring: parseKeyring(process.env.TELEMETRY_KEK!, 'TELEMETRY_KEK') });
 * await store.migrate();
 * const { status } = await store.put(result); // result: a successful ingest(); 201 new, 200 same body, 409 another body
 *
 * The license store lives here too (`createLicenseStore`, earlier
 * `createKeyStore`): each license's signing secrets and license record, looked
 * up by `ingest` in one query (`licenseOf`). What identifies a customer (the
 * customer header and message id of each report, the legal entity of each
 * record) is stored only encrypted under a data key of its license, which
 * `forget` destroys; the data keys and the secrets under a key-encryption key.
 */
import { storage } from '../generated/storage.js';
import type { QueryClient } from './store/database.js';
import { type PostgresStore, type PostgresStoreOptions, openStore } from './store/store.js';

export { type PostgresStore, type PostgresStoreOptions, type PutResult, type StoredReport } from './store/store.js';
export { type QueryClient, StoreError } from './store/database.js';
export type { MigrateResult } from './store/migrations.js';
export type { PurgeOptions, PurgeResult } from './store/retention.js';
export { type IssuedKey, type KeyInfo, type LicenseKeyStore } from './store/key-store.js';
export { type KeyStoreCheck, type KeyStoreOptions, type LicenseStore, LICENSE_CHANGE_BOUND_SECONDS, createKeyStore, createLicenseStore } from './store/license-store.js';
export type { LicenseCacheOptions } from './store/license-cache.js';
export { KeyStoreError } from './store/license-tables.js';
export { type LicenseRecord, validateLicenseRecord } from './contract/license.js';
export { type Kek, type Keyring, KeyringError, kekId, parseKeyring } from './store/keyring.js';
export type { StoragePlan, StoredColumn, StoredKind, StoredMigration, StoredSource } from './store/storage-plan.js';
export { DATABASE_RETRY_AFTER_SECONDS, type StoreFailureResponse, storeFailureResponse } from './store/failure-response.js';
export { isTransientDatabaseError } from './store/database-errors.js';

/**
 * A store over any PostgreSQL client, for this package's contract, with the key-encryption keys its
 * customer headers are sealed under (through data keys of their licenses). Call `migrate()` once at start-up.
 *
 * @example
 * import { PGlite } from '@electric-sql/pglite';
 * import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
 * const store = createPostgresStore(new PGlite('./data', { extensions: { btree_gist } }), { keyring: parseKeyring(process.env.TELEMETRY_KEK!, 'TELEMETRY_KEK') });
 * await store.migrate();
 */
export function createPostgresStore(client: QueryClient, options: PostgresStoreOptions): PostgresStore {
  return openStore(client, storage, options);
}

/** The migrations and columns this package's contract generates (generated/v<N>/storage.sql, embedded). */
export const storagePlan = storage;
