/**
 * The database as the store sees it: the client it needs (`pg`'s Pool or
 * Client, PGlite, anything with `query`), where its tables are, and a failed
 * call as a StoreError that names the constraint or the driver's words, never
 * a stored value. ./store.ts, ./migrations.ts, ./retention.ts and the key
 * store share it.
 */
import { isTransientDatabaseError } from './database-errors.js';
import type { StoragePlan } from './storage-plan.js';

/** What the store needs of a database client: `pg`'s Pool or Client, PGlite, or anything alike. */
export interface QueryClient {
  query(text: string, params?: unknown[]): Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>> }>;
  /** An event emitter's `on` (`pg.Pool` has one): the store listens for `'error'` there; see `onConnectionError`. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A store refusal or failure, in the house shape `<where>: <what is wrong> (<rule>)`; never holds a stored value. */
export class StoreError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Where a store's tables are: the client that reaches them, the plan that describes them, and their names as SQL. */
export interface StoreTables {
  readonly client: QueryClient;
  readonly plan: StoragePlan;
  /** The PostgreSQL schema holding them; undefined for the connection's `search_path`. */
  readonly schema: string | undefined;
  /** The reports table, schema-qualified when a schema is set. */
  readonly table: string;
  /** The migrations table, schema-qualified when a schema is set. */
  readonly migrations: string;
  /** The windows table (one row per report, no two of a license overlapping), schema-qualified when a schema is set. */
  readonly windows: string;
  /** The record of corrections (`<table>_supersessions`), schema-qualified when a schema is set. */
  readonly supersessions: string;
  /** The license store's records table in the same schema, where `purge` reads contract ends (absent until a license store migrates it). */
  readonly licenses: string;
  /** The data keys table in the same schema, which the reports' `data_key` column references. */
  readonly dataKeys: string;
}

/** The name of the table that records corrections, beside the reports table `table` (unqualified). */
export const supersessionsTable = (table: string): string => `${table}_supersessions`;

/** A `count(*)` as a driver returns it: a string from `pg`, a number from PGlite, nothing for no row. */
export const countOf = (value: unknown): number => Number(value ?? 0);

/** A database error as a StoreError that names the constraint, never the value. */
export function refusal(where: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { code?: unknown; constraint?: unknown; column?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (isTransientDatabaseError(error)) {
    // The driver's own words ("Connection terminated unexpectedly", "the database system is starting up") hold no value of the report.
    return new StoreError('unavailable', `${where}: the database cannot be reached now: ${typeof e.message === 'string' ? e.message : String(error)}${code ? ` [${code}]` : ''} (unavailable); send it again once the database is back: a window stored meanwhile is answered as a duplicate`);
  }
  if (code === '23514' || code === '23502') {
    const what = code === '23514' ? `check constraint ${String(e.constraint)}` : `NOT NULL on ${String(e.column)}`;
    return new StoreError('constraint', `${where}: the database refused the report by ${what}; the contract's validator should have refused it first (constraint)`);
  }
  // Data exceptions (class 22) quote the value in their message: name the class only.
  if (code?.startsWith('22')) return new StoreError('value', `${where}: a value of the report does not fit its column type [${code}] (value)`);
  return new StoreError('database', `${where}: the database failed: ${typeof e.message === 'string' ? e.message : String(error)}${code ? ` [${code}]` : ''} (database)`);
}
