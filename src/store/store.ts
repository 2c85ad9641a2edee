/**
 * The PostgreSQL store behind telemetry-contract/store-postgres, over any
 * storage plan: the entry point passes the package's generated one, tests a
 * fixture contract's.
 */
import { isTransientDatabaseError } from './database-errors.js';
import type { IngestSuccess } from '../server/ingest.js';
import { reportDigest } from './report-digest.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import type { StoragePlan, StoredColumn } from './storage-plan.js';

/** What the store needs of a database client: `pg`'s Pool or Client, PGlite, or anything alike. */
export interface QueryClient {
  query(text: string, params?: unknown[]): Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>> }>;
  /** An event emitter's `on` (`pg.Pool` has one): the store listens for `'error'` there; see `onConnectionError`. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PostgresStoreOptions {
  /**
   * The PostgreSQL schema (namespace) holding the tables, created by `migrate()`
   * when missing; lowercase letters, digits and `_`. Default: the connection's
   * `search_path` (usually `public`).
   */
  readonly schema?: string;
  /** The clock that stamps `received_at`, from which every retention counts; default the system clock. */
  readonly now?: () => Date;
  /**
   * Told when a pooled connection that is not running a query fails (a
   * database restart, a failover, `pg_terminate_backend`). The store listens
   * for the client's `'error'` events whenever the client has an `on` method,
   * so such a failure never ends the process (an `'error'` event without a
   * listener does); the pool drops the connection and opens a new one when
   * next asked. Default: nothing is reported.
   */
  readonly onConnectionError?: (error: Error) => void;
}

/**
 * The status to answer: 201 when the window is new, 200 when the same report
 * was already stored, 409 (`window-conflict`, with the error to send) when the
 * window is stored with another body: never stored over, never dropped silently.
 */
export type PutResult =
  | { readonly status: 201 | 200; readonly created: boolean; readonly dedupeKey: string }
  | { readonly status: 409; readonly created: false; readonly dedupeKey: string; readonly error: WireError };

export interface PurgeOptions {
  /**
   * When each license's contract ended, by license id, for fields kept
   * `contract-end+…`. A license not listed has not ended, and such fields of
   * its reports are kept.
   */
  readonly licenseEnds?: ReadonlyMap<string, Date | string> | Readonly<Record<string, Date | string>>;
}

export interface PurgeResult {
  /** Reports deleted whole: every field they held had expired. */
  readonly reportsDeleted: number;
  /** Per field (or header) of the contract, how many stored values were removed, by deletion or by clearing. */
  readonly removed: Readonly<Record<string, number>>;
}

export interface MigrateResult {
  /** The schema versions whose migrations this call applied, in order; empty when all were applied before. */
  readonly applied: readonly number[];
}

/** One stored report, read back. */
export interface StoredReport {
  readonly dedupeKey: string;
  /** When the store accepted it (UTC, microseconds). */
  readonly receivedAt: string;
  /** SHA-256 (hex) of the payload as canonical JSON, as stored with it; see `reportDigest`. */
  readonly bodyDigest: string;
  readonly schemaVersion: number;
  /** The stored headers, by name (the customer as received: percent-encoded name or mask). */
  readonly headers: Readonly<Record<string, string>>;
  /** The stored payload as it was sent, instants in their sent spelling; a field cleared by `purge` is absent. */
  readonly payload: Readonly<Record<string, unknown>>;
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

export interface PostgresStore {
  /** Applies the generated migrations not yet applied, in version order, each once, recorded in `telemetry_migrations`. */
  migrate(): Promise<MigrateResult>;
  /**
   * Stores a verified report unless its window is stored already: one insert-if-absent on the dedupe
   * key. A window stored before is compared by the digest of its payload: 200 for the same, 409 for another.
   */
  put(result: IngestSuccess): Promise<PutResult>;
  /** The stored report of a dedupe key, or undefined. */
  get(dedupeKey: string): Promise<StoredReport | undefined>;
  /**
   * Enforces every field's retention as of `now`: deletes the reports whose
   * every field has expired, and clears the fields that expire before their
   * report does. Run it regularly (the example server runs it hourly).
   */
  purge(now: Date, options?: PurgeOptions): Promise<PurgeResult>;
  /** Erases every report stored for a license (a data subject's or a customer's erasure request); returns how many. */
  forget(request: { readonly licenseId: string }): Promise<number>;
  /**
   * Resolves when the database answers a trivial query; rejects with
   * StoreError `unavailable` when it cannot be reached. For a health check.
   */
  ping(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DURATION = /^(contract-end\+)?(P[0-9]{1,4}[DMY])$/;
const LICENSE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const MIGRATION_LOCK = 'telemetry-contract:migrate';
/** Expired reports `purge` deletes in one statement; more go in statements of PURGE_PAGES table pages each. */
const PURGE_BATCH = 10_000;
/** 2,000 pages of 8 KiB: about 50,000 v1 reports, a small part of a second of deleting. */
const PURGE_PAGES = 2_000;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const count = (value: unknown) => Number(value ?? 0);

function instantText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** `2026-11-01T00:00:00.500000Z` → `2026-11-01T00:00:00.5Z`: the contract's canonical spelling. */
function canonicalInstant(text: string): string {
  return text.replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}

function valueAt(payload: unknown, path: readonly string[]): unknown {
  let value = payload;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function headerValue(result: IngestSuccess, from: 'licenseId' | 'customer' | 'messageId'): string {
  if (from === 'customer') return result.customer.masked ? result.customer.value : encodeURIComponent(result.customer.value);
  return result[from];
}

/** A database error as a StoreError that names the constraint, never the value. */
function refusal(where: string, error: unknown): StoreError {
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

/** A store over `client` for the tables `plan` describes; the entry point passes this package's plan. */
export function openStore(client: QueryClient, plan: StoragePlan, options: PostgresStoreOptions = {}): PostgresStore {
  return new Store(client, plan, options);
}

class Store implements PostgresStore {
  private readonly table: string;
  private readonly migrations: string;
  private readonly clock: () => Date;
  private readonly inserts = new Map<number, string>();

  constructor(
    private readonly client: QueryClient,
    private readonly plan: StoragePlan,
    private readonly options: PostgresStoreOptions,
  ) {
    if (typeof client?.query !== 'function') throw new TypeError('createPostgresStore: client must have a query(text, params) method, such as pg.Pool or PGlite (client)');
    const schema = options.schema;
    if (schema !== undefined && !IDENTIFIER.test(schema)) {
      throw new TypeError(`createPostgresStore: schema must be lowercase letters, digits and _ (at most 63), got ${JSON.stringify(schema)} (schema)`);
    }
    const qualify = (name: string) => (schema === undefined ? name : `"${schema}".${name}`);
    this.table = qualify(plan.table);
    this.migrations = qualify(plan.migrationsTable);
    this.clock = options.now ?? (() => new Date());
    if (typeof client.on === 'function') {
      const report = options.onConnectionError;
      client.on('error', (error) => report?.(error));
    }
    for (const [version, { columns }] of Object.entries(plan.versions)) {
      for (const c of columns) if (!DURATION.test(c.retention)) throw new TypeError(`createPostgresStore: ${c.field} has retention ${JSON.stringify(c.retention)}, which the store cannot enforce (retention)`);
      const names = ['dedupe_key', 'received_at', 'body_digest', ...columns.map((c) => c.column)];
      const casts = ['text', 'timestamptz', 'text', ...columns.map((c) => c.kind)];
      this.inserts.set(
        Number(version),
        `INSERT INTO ${this.table} (${names.join(', ')}) VALUES (${casts.map((k, i) => `$${i + 1}::${k}`).join(', ')}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key`,
      );
    }
  }

  async migrate(): Promise<MigrateResult> {
    const recorded = await this.recorded();
    for (const migration of this.plan.migrations) {
      const checksum = recorded.get(migration.version);
      if (checksum !== undefined && checksum !== migration.checksum) {
        throw new StoreError(
          'migration-changed',
          `${this.plan.migrationsTable}: the v${migration.version} migration applied to this database differs from this package's (migration-changed); a released version's migration never changes, so this database was migrated from a draft: recreate it, or drop its ${this.plan.table} and ${this.plan.migrationsTable} tables`,
        );
      }
    }
    const applied: number[] = [];
    for (const migration of this.plan.migrations) {
      if (recorded.has(migration.version)) continue;
      try {
        await this.client.query(this.migrationBlock(migration.version, migration.checksum, migration.sql));
      } catch (error) {
        throw refusal(`generated/v${migration.version}/storage.sql`, error);
      }
      applied.push(migration.version);
    }
    if (this.plan.current !== undefined) {
      try {
        await this.client.query(this.amendmentBlock(this.plan.current));
      } catch (error) {
        throw refusal('migrate (amended privacy records)', error);
      }
    }
    // Another process may have applied some of them meanwhile (the lock serialises the work, not this count).
    const after = await this.recorded();
    return { applied: applied.filter((v) => after.has(v)) };
  }

  /** Applied migrations: version → checksum. */
  private async recorded(): Promise<Map<number, string>> {
    const name = this.options.schema === undefined ? this.plan.migrationsTable : `${this.options.schema}.${this.plan.migrationsTable}`;
    const exists = await this.client.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
    if (exists.rows[0]?.['present'] !== true) return new Map();
    const { rows } = await this.client.query(`SELECT version, checksum FROM ${this.migrations}`);
    return new Map(rows.map((r) => [Number(r['version']), String(r['checksum'])]));
  }

  /**
   * One statement per migration, so it runs atomically over any client, a
   * pool included (a BEGIN sent through a pool may land on another
   * connection than the statements after it). The advisory lock serialises
   * concurrent migrators; the applied check repeats under it.
   */
  private migrationBlock(version: number, checksum: string, sql: string): string {
    const schema = this.options.schema;
    return [
      'DO $telemetry_migration$',
      'BEGIN',
      `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${schema ?? ''}`)}));`,
      ...(schema === undefined ? [] : [`  CREATE SCHEMA IF NOT EXISTS "${schema}";`, `  PERFORM set_config('search_path', ${literal(`"${schema}"`)}, true);`]),
      `  CREATE TABLE IF NOT EXISTS ${this.plan.migrationsTable} (version integer PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
      `  IF EXISTS (SELECT 1 FROM ${this.plan.migrationsTable} WHERE version = ${version}) THEN RETURN; END IF;`,
      sql,
      `  INSERT INTO ${this.plan.migrationsTable} (version, checksum) VALUES (${version}, ${literal(checksum)});`,
      'END',
      '$telemetry_migration$',
    ].join('\n');
  }

  /**
   * What amendments of released versions changed, brought to the table on
   * every migrate (each statement leaves the table as it is when applied
   * twice): the column comments say the records as they are now, and a
   * column a shortened retention clears before its row loses its NOT NULL
   * and the `IS NOT NULL` of its CHECK.
   */
  private amendmentBlock(current: NonNullable<StoragePlan['current']>): string {
    const schema = this.options.schema;
    return [
      'DO $telemetry_amendments$',
      'BEGIN',
      `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${schema ?? ''}`)}));`,
      ...current.dropNotNull.map((column) => `  ALTER TABLE ${this.table} ALTER COLUMN ${column} DROP NOT NULL;`),
      // Existing rows met the check they were stored under; NOT VALID spares re-reading them on every start.
      ...Object.entries(current.checks).flatMap(([name, check]) => [
        `  ALTER TABLE ${this.table} DROP CONSTRAINT IF EXISTS ${name};`,
        ...(check === null ? [] : [`  ALTER TABLE ${this.table} ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID;`]),
      ]),
      ...Object.entries(current.comments).map(([column, text]) => `  COMMENT ON COLUMN ${this.table}.${column} IS ${literal(text)};`),
      'END',
      '$telemetry_amendments$',
    ].join('\n');
  }

  async put(result: IngestSuccess): Promise<PutResult> {
    // The types keep a connection test away from here; JavaScript callers and casts are stopped at run time.
    if ((result as { kind?: unknown }).kind === 'probe' || typeof result?.payload !== 'object' || result.payload === null) {
      throw new StoreError('not-a-report', 'put: takes a report from ingest, and this is a connection test or has no payload (not-a-report); answer a probe with probeResponse and store nothing');
    }
    const version = this.plan.versions[result.schemaVersion];
    const insert = this.inserts.get(result.schemaVersion);
    if (version === undefined || insert === undefined) {
      throw new StoreError('unknown-version', `put: schema version ${String(result?.schemaVersion)} has no storage in this package (unknown-version); update telemetry-contract`);
    }
    const digest = reportDigest(result.payload);
    const params: unknown[] = [result.dedupeKey, this.clock().toISOString(), digest];
    for (const c of version.columns) {
      const value = 'body' in c.source ? valueAt(result.payload, c.source.body) : headerValue(result, c.source.from);
      // A field whose retention was amended to P0D is no longer stored.
      params.push(value === undefined || value === null || c.retention === 'P0D' ? null : c.kind === 'jsonb' ? JSON.stringify(value) : value);
    }
    // Twice at most: a stored window erased between the insert and the read is inserted again.
    for (let round = 0; round < 2; round++) {
      let stored: string | undefined;
      try {
        if ((await this.client.query(insert, params)).rows.length === 1) return { status: 201, created: true, dedupeKey: result.dedupeKey };
        const { rows } = await this.client.query(`SELECT body_digest FROM ${this.table} WHERE dedupe_key = $1`, [result.dedupeKey]);
        stored = rows[0] === undefined ? undefined : String(rows[0]['body_digest']);
      } catch (error) {
        throw refusal('put', error);
      }
      if (stored === undefined) continue;
      if (stored === digest) return { status: 200, created: false, dedupeKey: result.dedupeKey };
      return {
        status: 409,
        created: false,
        dedupeKey: result.dedupeKey,
        error: wireError(
          result.dedupeKey,
          'this window is already stored with another body; a window is reported once, so the stored report stands and this one is not stored. Report the difference in a later window',
          'window-conflict',
        ),
      };
    }
    // A race with forget, not a fault of the report or the database: the sender's retry settles it.
    throw new StoreError('unavailable', `put: ${result.dedupeKey} was erased while it was being stored (unavailable); send it again`);
  }

  async get(dedupeKey: string): Promise<StoredReport | undefined> {
    const columns = new Map<string, StoredColumn>();
    for (const { columns: list } of Object.values(this.plan.versions)) for (const c of list) columns.set(c.column, c);
    const select = [...columns.values()].map((c) => {
      if (c.kind === 'timestamptz') return `${instantText(c.column)} AS ${c.column}`;
      if (c.kind === 'date') return `to_char(${c.column}, 'YYYY-MM-DD') AS ${c.column}`;
      return c.column;
    });
    const { rows } = await this.client.query(`SELECT dedupe_key, ${instantText('received_at')} AS received_at, body_digest, ${select.join(', ')} FROM ${this.table} WHERE dedupe_key = $1`, [dedupeKey]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const schemaVersion = Number(row['schema_version']);
    const payload: Record<string, unknown> = {};
    const headers: Record<string, string> = {};
    for (const c of this.plan.versions[schemaVersion]?.columns ?? []) {
      const raw = row[c.column];
      if (raw === null || raw === undefined) continue;
      const value = c.kind === 'timestamptz' ? canonicalInstant(String(raw)) : /^(integer|bigint|double precision)$/.test(c.kind) ? Number(raw) : /^(integer|bigint|double precision)\[\]$/.test(c.kind) ? (raw as unknown[]).map(Number) : raw;
      if ('header' in c.source) {
        headers[c.source.header] = String(value);
        continue;
      }
      let target = payload;
      const path = c.source.body;
      for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[path[path.length - 1]!] = value;
    }
    return { dedupeKey: String(row['dedupe_key']), receivedAt: canonicalInstant(String(row['received_at'])), bodyDigest: String(row['body_digest']), schemaVersion, headers, payload };
  }

  async purge(now: Date, options: PurgeOptions = {}): Promise<PurgeResult> {
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('purge: now must be a valid Date (now)');
    const entries = options.licenseEnds instanceof Map ? [...options.licenseEnds] : Object.entries(options.licenseEnds ?? {});
    const licenses: string[] = [];
    const ends: string[] = [];
    for (const [license, end] of entries) {
      const instant = end instanceof Date ? end : new Date(String(end));
      if (Number.isNaN(instant.getTime())) throw new TypeError(`purge: licenseEnds[${JSON.stringify(license)}] is not a date (licenseEnds)`);
      licenses.push(license);
      ends.push(instant.toISOString());
    }
    const removed: Record<string, number> = {};
    for (const { columns } of Object.values(this.plan.versions)) for (const c of columns) removed[c.field] ??= 0;
    let reportsDeleted = 0;
    for (const [version, { columns }] of Object.entries(this.plan.versions)) {
      const params = (sql: string) => (sql.includes('$2') ? [now.toISOString(), licenses, ends] : [now.toISOString()]);
      const expired = columns.map((c) => this.expired(c.retention));
      const everything = [...new Set(expired)].join(' AND ');
      const base = params(everything);
      try {
        const row = await this.deleteExpired(Number(version), columns, everything, base);
        reportsDeleted += row.reports;
        columns.forEach((c, i) => (removed[c.field] = removed[c.field]! + row.values[i]!));
        for (const [i, c] of columns.entries()) {
          if (!c.expiresAlone) continue;
          const clearSql = `WITH cleared AS (UPDATE ${this.table} SET ${c.column} = NULL WHERE schema_version = ${Number(version)} AND ${c.column} IS NOT NULL AND ${expired[i]} RETURNING 1) SELECT count(*) AS n FROM cleared`;
          const cleared = (await this.client.query(clearSql, params(clearSql))).rows[0] ?? {};
          removed[c.field] = removed[c.field]! + count(cleared['n']);
        }
      } catch (error) {
        throw refusal('purge', error);
      }
    }
    return { reportsDeleted, removed };
  }

  /**
   * Deletes the reports of `version` that match `everything`, counting the
   * values they held per column. A few (at most PURGE_BATCH) go in one
   * statement on the received_at index; more go PURGE_PAGES table pages per
   * statement, in physical order, so each statement is short and holds its
   * locks briefly, and the whole costs about one sequential pass. Only
   * columns that may be NULL are returned and counted: a NOT NULL column held
   * a value in every deleted report.
   */
  private async deleteExpired(version: number, columns: readonly StoredColumn[], everything: string, params: unknown[]): Promise<{ reports: number; values: number[] }> {
    const { rows: nullableRows } = await this.client.query('SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND NOT attnotnull', [this.table]);
    const nullable = new Set(nullableRows.map((r) => String(r['attname'])));
    const returned = columns.map((c, i) => (nullable.has(c.column) ? `${c.column} IS NOT NULL AS c${i}` : undefined)).filter((r) => r !== undefined);
    const where = `schema_version = ${version} AND ${everything}`;
    const statement = (range: string) =>
      [
        `WITH gone AS (DELETE FROM ${this.table} WHERE ${range}${where} RETURNING ${returned.length === 0 ? '1 AS one' : returned.join(', ')})`,
        `SELECT count(*) AS reports, ${columns.map((c, i) => (nullable.has(c.column) ? `count(*) FILTER (WHERE c${i}) AS c${i}` : `count(*) AS c${i}`)).join(', ')} FROM gone`,
      ].join(' ');
    const total = { reports: 0, values: columns.map(() => 0) };
    const add = (row: Record<string, unknown> | undefined) => {
      total.reports += count(row?.['reports']);
      columns.forEach((_, i) => (total.values[i]! += count(row?.[`c${i}`])));
    };
    const few = await this.client.query(`SELECT count(*) AS n FROM (SELECT 1 FROM ${this.table} WHERE ${where} LIMIT ${PURGE_BATCH + 1}) AS expired`, params);
    if (count(few.rows[0]?.['n']) <= PURGE_BATCH) {
      add((await this.client.query(statement(''), params)).rows[0]);
      return total;
    }
    const size = await this.client.query(`SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint AS pages`, [this.table]);
    // Reports stored after this point are new, so none of them has expired: the pages counted now are all there is to scan.
    for (let page = 0, pages = count(size.rows[0]?.['pages']); page < pages; page += PURGE_PAGES) {
      add((await this.client.query(statement(`ctid >= '(${page},0)'::tid AND ctid < '(${page + PURGE_PAGES},0)'::tid AND `), params)).rows[0]);
    }
    return total;
  }

  /** The SQL condition under which a value kept `retention` has expired ($1 now; $2/$3 license ids and their ends). */
  private expired(retention: string): string {
    const [, contractEnd, duration] = DURATION.exec(retention)!;
    if (contractEnd === undefined) return `received_at <= $1::timestamptz - interval '${duration}'`;
    // The license id leads the dedupe key, which lives as long as the row, so this holds even after license_id is cleared.
    return `EXISTS (SELECT 1 FROM unnest($2::text[], $3::timestamptz[]) AS ended(license, at) WHERE ended.license = split_part(dedupe_key, '/', 1) AND ended.at + interval '${duration}' <= $1::timestamptz)`;
  }

  async ping(): Promise<void> {
    try {
      await this.client.query('SELECT 1');
    } catch (error) {
      throw refusal('ping', error);
    }
  }

  async forget({ licenseId }: { readonly licenseId: string }): Promise<number> {
    if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) {
      throw new StoreError('license-id', `forget: licenseId must match ${LICENSE_ID.source} (license-id)`);
    }
    // Keys of a license sort between "<id>/" and "<id>0" ("0" follows "/") under the key's C collation: a range scan of the primary key.
    try {
      const { rows } = await this.client.query(`WITH gone AS (DELETE FROM ${this.table} WHERE dedupe_key >= $1 AND dedupe_key < $2 RETURNING 1) SELECT count(*) AS n FROM gone`, [`${licenseId}/`, `${licenseId}0`]);
      return count(rows[0]?.['n']);
    } catch (error) {
      throw refusal('forget', error);
    }
  }
}
