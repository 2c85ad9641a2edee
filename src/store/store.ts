/**
 * store/: what a server team with PostgreSQL (a server, or PGlite) uses: the
 * report store (this file, its main one, with ./migrations.ts and
 * ./retention.ts), the license store (./license-store.ts: the keys of
 * ./key-store.ts and the records of ./license-records.ts, sealed under
 * ./keyring.ts, the legal entity by ./license-personal.ts alone), the data
 * keys both seal what identifies a customer under (./data-keys.ts, with the
 * KEK in force of ./kek-in-force.ts and the AES-GCM of ./aead.ts) and the
 * `telemetry-keys` command (./keys-bin.ts, ./keys-cli.ts), which reaches a
 * running server on PGlite through ./license-admin.ts and ./folder-holder.ts
 * (Node.js only; not in the store's entry). Imports contract/, wire/ and
 * server/ (for its types); imported by the `telemetry-contract/store-postgres`
 * entry; never imports uploader/ or outbox/.
 *
 * The PostgreSQL store behind telemetry-contract/store-postgres, over any
 * storage plan: the entry point passes the package's generated one, tests a
 * fixture contract's. Reports are stored once per window, read back and
 * erased here; bringing the tables to the plan is ./migrations.ts, enforcing
 * retention ./retention.ts.
 */
import type { IngestSuccess } from '../server/ingest.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { type QueryClient, type StoreTables, StoreError, countOf as count, refusal, supersessionsTable } from './database.js';
import { type DataKey, type DataKeys, dataKeyColumns, dataKeys, keyTablesBlock, openUnder, sealUnder } from './data-keys.js';
import { GroupCommit } from './group-commit.js';
import { kekInForce } from './kek-in-force.js';
import { PARTITION_KEY, createMonth, isMissingPartition, monthOf, monthsOnDemand, windowStartOf } from './partitions.js';
import type { KeyringSource } from './keyring.js';
import { DATA_KEYS_TABLE, KeyStoreError, LICENSES_TABLE, type LicenseTables, licenseTables } from './license-tables.js';
import { type MigrateResult, migrate } from './migrations.js';
import { reportDigest } from './report-digest.js';
import { type PurgeOptions, type PurgeResult, isEnforceableRetention, purge } from './retention.js';
import type { StoragePlan, StoredColumn } from './storage-plan.js';

export interface PostgresStoreOptions {
  /**
   * The key-encryption keys (as for the license store of the same database): what can identify a
   * customer (the customer header, and the message id computed from it) is stored encrypted under a
   * data key of its license, and the data keys under these. A keyring, or a function that reads it
   * (again) from where the server keeps it.
   */
  readonly keyring: KeyringSource;
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
  /**
   * Group commit: the reports of concurrent `put` calls are written by one statement, at most `maxRows`
   * of them (default 100; 1 writes each report by a statement of its own). Reports gather only while a
   * statement runs, so a lone report waits for nothing; each call is answered once its own row is
   * committed, as it would be alone.
   */
  readonly groupCommit?: { readonly maxRows?: number };
}

/**
 * The status to answer: 201 when the window is new, 200 when the same report
 * was already stored, 409 (`window-conflict`, with the error to send, which
 * names the stored report's digest) when the window is stored with another
 * body, and 409 `window-overlap` when it overlaps another stored window of the
 * license: never stored over, never dropped silently. The one exception is a
 * correction a server allowed (`result.supersedes`, from an offline bundle):
 * when it names the digest of the stored report, it replaces that report,
 * the replacement is recorded, and the answer is 200 with `superseded`.
 */
export type PutResult =
  | { readonly status: 201 | 200; readonly created: boolean; readonly dedupeKey: string; readonly superseded?: string }
  | { readonly status: 409; readonly created: false; readonly dedupeKey: string; readonly error: WireError };

/** One stored report, read back. */
export interface StoredReport {
  readonly dedupeKey: string;
  /** When the store accepted it (UTC, microseconds). */
  readonly receivedAt: string;
  /** SHA-256 (hex) of the payload as canonical JSON, as stored with it; see `reportDigest`. */
  readonly bodyDigest: string;
  /** The data region of the license record the report was checked against; absent when the server had no record. */
  readonly dataRegion?: string;
  readonly schemaVersion: number;
  /** The stored headers, by name (the customer as received: percent-encoded name or mask). */
  readonly headers: Readonly<Record<string, string>>;
  /** The stored payload as it was sent, instants in their sent spelling; a field cleared by `purge` is absent. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** The corrections that replaced an earlier report of this window, oldest first; absent when none did. */
  readonly supersessions?: ReadonlyArray<{ readonly at: string; readonly previousDigest: string; readonly bodyDigest: string; readonly keyId: string }>;
}

export interface PostgresStore {
  /** Applies the generated migrations not yet applied, in version order, each once, recorded in `telemetry_migrations`. */
  migrate(): Promise<MigrateResult>;
  /**
   * Stores a verified report unless its window is stored already: an insert-if-absent on the dedupe
   * key, in one statement with the reports of concurrent calls (group commit; see `groupCommit`), answered
   * once that statement has committed. A window stored before is compared by the digest of its payload: 200 for the same, 409 for another.
   * A window that overlaps another stored window of the same license is refused, 409 `window-overlap`, and
   * nothing of it is stored. The report is stamped with the data region of the license record ingest
   * checked it against (`result.license.dataRegion`), never with anything the request said.
   */
  put(result: IngestSuccess): Promise<PutResult>;
  /** The stored report of a dedupe key, or undefined. */
  get(dedupeKey: string): Promise<StoredReport | undefined>;
  /**
   * Enforces every field's retention as of `now`: deletes the reports whose
   * every field has expired, and clears the fields that expire before their
   * report does. Run it regularly (the example server runs it hourly). A field
   * kept until the contract ends counts from the license record's
   * `contractEnd` in the license store of the same schema; see `PurgeOptions`.
   */
  purge(now: Date, options?: PurgeOptions): Promise<PurgeResult>;
  /**
   * Erases a license's reports (a data subject's or a customer's erasure request), in one statement
   * that also destroys the license's `reports` data key, so whatever of them remains anywhere (free
   * space of the table files, WAL segments, replicas, backups) holds their customer headers only
   * sealed under a key that is gone from the database; then vacuums the tables it deleted from.
   * With `deleteLicense`, the same statement deletes the license itself: its signing keys, its
   * license record and its `record` data key, so the license is unknown from then on. Returns how
   * many reports were erased.
   */
  forget(request: { readonly licenseId: string; readonly deleteLicense?: boolean }): Promise<number>;
  /**
   * Resolves when the database answers a trivial query; rejects with
   * StoreError `unavailable` when it cannot be reached. For a health check.
   */
  ping(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const LICENSE_ID = /^[A-Za-z0-9._-]{1,128}$/;

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

/** What a sealed report value is bound to: its report (the dedupe key holds the license id) and its column; the data key's id is added. */
const SEALED_LABEL = 'telemetry-contract report value v1\0';
const sealedContext = (dedupeKey: string, column: string) => `${SEALED_LABEL}${dedupeKey}\0${column}`;

/** PostgreSQL's foreign_key_violation on the reports' data key: the key was destroyed (forget) after this process looked it up. */
const isDataKeyGone = (error: unknown, table: string) => {
  const e = error as { code?: unknown; constraint?: unknown } | undefined;
  return e?.code === '23503' && (e.constraint === undefined || e.constraint === `${table}_data_key_fkey`);
};

/** The store's answer when a data key cannot be had (a KEK the keyring lacks, the key store's database away): the report is kept by its sender. */
function keyFailure(where: string, error: unknown): StoreError {
  if (error instanceof KeyStoreError) return new StoreError('key-unavailable', error.message);
  return refusal(where, error);
}

/**
 * One statement that stores reports unless their windows are stored (a row returned for each report written),
 * and with each new report its window row, read from the report's dedupe key `<licenseId>/<start>/<end>` (the
 * first of each row's parameters): a window row is written only for a report just written, after the report's
 * own checks. `rows` reports, each with its parameters in `casts` order, one after the other.
 */
export function windowedInsert(tables: Pick<StoreTables, 'table' | 'windows'>, names: readonly string[], casts: readonly string[], rows = 1): string {
  // The partition key, read from the dedupe key as the window row reads it.
  const values = Array.from({ length: rows }, (_, r) => `(${casts.map((k, i) => `$${r * casts.length + i + 1}::${k}`).join(', ')}, split_part($${r * casts.length + 1}::text, '/', 2)::timestamptz)`);
  return [
    `WITH report AS (INSERT INTO ${tables.table} (${names.join(', ')}, ${PARTITION_KEY}) VALUES ${values.join(', ')} ON CONFLICT (dedupe_key, ${PARTITION_KEY}) DO NOTHING RETURNING dedupe_key),`,
    `window_row AS (INSERT INTO ${tables.windows} (dedupe_key, license_id, period) SELECT dedupe_key, split_part(dedupe_key, '/', 1), tstzrange(split_part(dedupe_key, '/', 2)::timestamptz, split_part(dedupe_key, '/', 3)::timestamptz) FROM report ON CONFLICT (dedupe_key) DO NOTHING)`,
    'SELECT dedupe_key FROM report',
  ].join(' ');
}

/** PostgreSQL's exclusion_violation: the windows table's constraint refused an overlapping window. */
function isExclusionViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '23P01';
}

/** The refusal of a window that overlaps another stored window of the same license; names neither window's counts. */
function windowOverlap(dedupeKey: string): WireError {
  return wireError(
    dedupeKey,
    'overlaps a window of this license that is already stored; windows of one license never overlap, so no count is reported twice or sliced into parts, and this report is not stored. Report the days that follow the stored window',
    'window-overlap',
  );
}

function headerValue(result: IngestSuccess, from: 'licenseId' | 'customer' | 'messageId'): string {
  if (from === 'customer') return result.customer.masked ? result.customer.value : encodeURIComponent(result.customer.value);
  return result[from];
}

/** A store over `client` for the tables `plan` describes; the entry point passes this package's plan. */
export function openStore(client: QueryClient, plan: StoragePlan, options: PostgresStoreOptions): PostgresStore {
  return new Store(client, plan, options);
}

class Store implements PostgresStore {
  private readonly tables: StoreTables;
  private readonly clock: () => Date;
  /** Per version, the statement that inserts n reports, each made when first needed. */
  private readonly inserts = new Map<number, (rows: number) => string>();
  private readonly writer: GroupCommit;
  /** The month partitions this process created or found, or is creating: created once, then taken as there. */
  private readonly months = monthsOnDemand((month) => createMonth(this.tables, month));
  private readonly replacements = new Map<number, string>();
  /** The license store's view of the same schema: its data keys and KEK in force. */
  private readonly keyTables: LicenseTables;
  private readonly keys: DataKeys;

  constructor(
    private readonly client: QueryClient,
    private readonly plan: StoragePlan,
    options: PostgresStoreOptions,
  ) {
    if (typeof client?.query !== 'function') throw new TypeError('createPostgresStore: client must have a query(text, params) method, such as pg.Pool or PGlite (client)');
    if (options?.keyring === undefined) {
      throw new TypeError('createPostgresStore: keyring is required: customer headers are stored encrypted under a data key of their license, wrapped by the key-encryption keys; pass the keyring the license store uses (keyring)');
    }
    const schema = options.schema;
    if (schema !== undefined && !IDENTIFIER.test(schema)) {
      throw new TypeError(`createPostgresStore: schema must be lowercase letters, digits and _ (at most 63), got ${JSON.stringify(schema)} (schema)`);
    }
    const qualify = (name: string) => (schema === undefined ? name : `"${schema}".${name}`);
    this.tables = {
      client,
      plan,
      schema,
      table: qualify(plan.table),
      migrations: qualify(plan.migrationsTable),
      windows: qualify(plan.windowsTable),
      supersessions: qualify(supersessionsTable(plan.table)),
      licenses: qualify(LICENSES_TABLE),
      dataKeys: qualify(DATA_KEYS_TABLE),
    };
    const everyColumn = new Set(Object.values(plan.versions).flatMap(({ columns }) => columns.map((c) => c.column)));
    this.clock = options.now ?? (() => new Date());
    this.keyTables = licenseTables(client, { ...(schema === undefined ? {} : { schema }), keyring: options.keyring, now: this.clock }, 'createPostgresStore');
    this.keys = dataKeys(this.keyTables, kekInForce(this.keyTables));
    this.writer = new GroupCommit(client, (version, rows) => this.inserts.get(version)!(rows), options.groupCommit?.maxRows);
    if (typeof client.on === 'function') {
      const report = options.onConnectionError;
      client.on('error', (error) => report?.(error));
    }
    for (const [version, { columns }] of Object.entries(plan.versions)) {
      for (const c of columns) if (!isEnforceableRetention(c.retention)) throw new TypeError(`createPostgresStore: ${c.field} has retention ${JSON.stringify(c.retention)}, which the store cannot enforce (retention)`);
      const names = ['dedupe_key', 'received_at', 'body_digest', 'data_region', 'data_key', ...columns.map((c) => c.column)];
      // A sealed value is passed as bytes (a Uint8Array), which pg and PGlite both send as bytea.
      const casts = ['text', 'timestamptz', 'text', 'text', 'text', ...columns.map((c) => (c.sealed ? 'bytea' : c.kind))];
      // The report, then its window, in one statement: a report's own checks speak first, and a window that
      // overlaps another of the license fails the whole statement (23P01), report and all.
      const byRows = new Map<number, string>();
      this.inserts.set(Number(version), (rows) => byRows.get(rows) ?? byRows.set(rows, windowedInsert(this.tables, names, casts, rows)).get(rows)!);
      // A correction: the row of exactly the report it names, every column rewritten (another version's cleared), and the replacement recorded, in one statement.
      const own = new Set(columns.map((c) => c.column));
      const sets = [...names.slice(1).map((name, i) => `${name} = $${i + 2}::${casts[i + 1]}`), ...[...everyColumn].filter((c) => !own.has(c)).map((c) => `${c} = NULL`)];
      const previous = names.length + 1;
      this.replacements.set(
        Number(version),
        [
          `WITH replaced AS (UPDATE ${this.tables.table} SET ${sets.join(', ')} WHERE dedupe_key = $1 AND ${PARTITION_KEY} = split_part($1::text, '/', 2)::timestamptz AND body_digest = $${previous}::text RETURNING dedupe_key)`,
          `INSERT INTO ${this.tables.supersessions} (dedupe_key, superseded_at, previous_digest, body_digest, key_id) SELECT dedupe_key, $2::timestamptz, $${previous}::text, $3::text, $${previous + 1}::text FROM replaced RETURNING dedupe_key`,
        ].join(' '),
      );
    }
  }

  async migrate(): Promise<MigrateResult> {
    try {
      // The data keys first: the reports reference them.
      await this.client.query(keyTablesBlock(this.keyTables));
    } catch (error) {
      throw refusal('migrate (data keys)', error);
    }
    return migrate(this.tables);
  }

  /** The report's parameters after the first five, each sealed value under `key`. */
  private async columnValues(result: IngestSuccess, version: NonNullable<StoragePlan['versions'][number]>, key: () => Promise<DataKey>): Promise<unknown[]> {
    const params: unknown[] = [];
    for (const c of version.columns) {
      const value = 'body' in c.source ? valueAt(result.payload, c.source.body) : headerValue(result, c.source.from);
      // A field whose retention was amended to P0D is no longer stored.
      if (value === undefined || value === null || c.retention === 'P0D') params.push(null);
      else if (c.sealed) params.push(await sealUnder(await key(), sealedContext(result.dedupeKey, c.column), c.kind === 'jsonb' ? JSON.stringify(value) : String(value)));
      else params.push(c.kind === 'jsonb' ? JSON.stringify(value) : value);
    }
    return params;
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
    const sealing = version.columns.some((c) => c.sealed);
    const supersedes = (result as { supersedes?: unknown }).supersedes;
    // Races are settled here: a data key destroyed (forget) after it was looked up fails the insert's foreign
    // key, and the report is sealed again under a new one; a window erased (or corrected) between the insert
    // and the read is tried again.
    const start = windowStartOf(result.dedupeKey);
    if (start === undefined) throw new StoreError('not-a-report', `put: ${result.dedupeKey} is not a dedupe key <licenseId>/<start>/<end> (not-a-report); pass the result of ingest`);
    const month = monthOf(this.tables, start);
    for (let round = 0; round < 3; round++) {
      let key: DataKey | undefined;
      const keyOf = async () => (key ??= await this.keys.keyFor('put', result.licenseId, 'reports'));
      let params: unknown[];
      try {
        const columns = await this.columnValues(result, version, keyOf);
        // The region comes from the license record the lookup found, which the request cannot choose.
        params = [result.dedupeKey, this.clock().toISOString(), digest, result.license?.dataRegion ?? null, sealing ? (await keyOf()).id : null, ...columns];
      } catch (error) {
        throw keyFailure('put', error);
      }
      let stored: string | undefined;
      try {
        await this.months.ensure(month);
        // With the reports of concurrent calls, in one statement; resolved once it has committed.
        if (await this.writer.write({ version: result.schemaVersion, params })) return { status: 201, created: true, dedupeKey: result.dedupeKey };
        const { rows } = await this.client.query(`SELECT body_digest FROM ${this.tables.table} WHERE dedupe_key = $1 AND ${PARTITION_KEY} = $2::timestamptz`, [result.dedupeKey, start.toISOString()]);
        stored = rows[0] === undefined ? undefined : String(rows[0]['body_digest']);
        if (stored !== undefined && stored !== digest && typeof supersedes === 'string' && supersedes === stored) {
          const replaced = await this.client.query(this.replacements.get(result.schemaVersion)!, [...params, stored, result.keyId]);
          if (replaced.rows.length === 1) return { status: 200, created: false, dedupeKey: result.dedupeKey, superseded: stored };
          continue;
        }
      } catch (error) {
        if (isExclusionViolation(error)) return { status: 409, created: false, dedupeKey: result.dedupeKey, error: windowOverlap(result.dedupeKey) };
        if (isMissingPartition(error)) {
          // purge dropped the month (in this process or another) since it was created here: create it again.
          this.months.forget(month);
          continue;
        }
        if (!isDataKeyGone(error, this.tables.plan.table)) throw refusal('put', error);
        this.keys.evict(result.licenseId);
        continue;
      }
      if (stored === undefined) continue;
      if (stored === digest) return { status: 200, created: false, dedupeKey: result.dedupeKey };
      return {
        status: 409,
        created: false,
        dedupeKey: result.dedupeKey,
        error: wireError(
          result.dedupeKey,
          typeof supersedes === 'string'
            ? 'this correction names a stored report the window no longer has (it was corrected since, or never had it); the stored report stands. Review the window again against storedDigest'
            : 'this window is already stored with another body; a window is reported once, so the stored report stands and this one is not stored. Report the difference in a later window, or, where the vendor allows it, supersede the stored report with a reviewed correction (storedDigest names it)',
          'window-conflict',
          { storedDigest: stored },
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
      if (c.kind === 'timestamptz') return `${instantText(`r.${c.column}`)} AS ${c.column}`;
      if (c.kind === 'date') return `to_char(r.${c.column}, 'YYYY-MM-DD') AS ${c.column}`;
      return `r.${c.column}`;
    });
    // The window's start names the month partition that can hold the report, so one partition is read, not every month kept.
    const start = windowStartOf(String(dedupeKey));
    if (start === undefined) return undefined;
    const { rows } = await this.client.query(
      `SELECT r.dedupe_key, ${instantText('r.received_at')} AS received_at, r.body_digest, r.data_region, ${select.join(', ')}, ${dataKeyColumns('d.', 'dk_')} FROM ${this.tables.table} AS r LEFT JOIN ${this.tables.dataKeys} AS d ON d.id = r.data_key WHERE r.dedupe_key = $1 AND r.${PARTITION_KEY} = $2::timestamptz`,
      [dedupeKey, start.toISOString()],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const schemaVersion = Number(row['schema_version']);
    const payload: Record<string, unknown> = {};
    const headers: Record<string, string> = {};
    for (const c of this.plan.versions[schemaVersion]?.columns ?? []) {
      let raw = row[c.column];
      if (raw === null || raw === undefined) continue;
      if (c.sealed) {
        const opened = row['dk_id'] === null || row['dk_id'] === undefined ? undefined : await this.openSealed(dedupeKey, c.column, row, raw as Uint8Array);
        raw = c.kind === 'jsonb' && opened !== undefined ? JSON.parse(opened) : opened;
        if (raw === undefined) throw new StoreError('kek-mismatch', `get: the ${c.field} of ${dedupeKey} does not decrypt under its license's data key (kek-mismatch); it was changed in the database or moved from another report`);
      }
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
    const corrections = await this.client.query(
      `SELECT ${instantText('superseded_at')} AS at, previous_digest, body_digest, key_id FROM ${this.tables.supersessions} WHERE dedupe_key = $1 ORDER BY superseded_at, previous_digest`,
      [dedupeKey],
    );
    const supersessions = corrections.rows.map((r) => ({ at: canonicalInstant(String(r['at'])), previousDigest: String(r['previous_digest']), bodyDigest: String(r['body_digest']), keyId: String(r['key_id']) }));
    const region = row['data_region'];
    return {
      dedupeKey: String(row['dedupe_key']),
      receivedAt: canonicalInstant(String(row['received_at'])),
      bodyDigest: String(row['body_digest']),
      ...(region === null || region === undefined ? {} : { dataRegion: String(region) }),
      schemaVersion,
      headers,
      payload,
      ...(supersessions.length > 0 ? { supersessions } : {}),
    };
  }

  /** A sealed value of a row read with its data key's columns (`dk_`), opened. */
  private async openSealed(dedupeKey: string, column: string, row: Record<string, unknown>, sealed: Uint8Array): Promise<string | undefined> {
    let key: DataKey;
    try {
      key = await this.keys.fromRow('get', row, 'dk_');
    } catch (error) {
      throw keyFailure('get', error);
    }
    return openUnder(key, sealedContext(dedupeKey, column), sealed);
  }

  async purge(now: Date, options: PurgeOptions = {}): Promise<PurgeResult> {
    const result = await purge(this.tables, now, options);
    // It may have dropped months this process created: the next report of such a month creates it again.
    this.months.forget();
    // What purge deleted or cleared leaves the table files at the next vacuum, which PGlite never runs by itself.
    if (Object.values(result.removed).some((n) => n > 0)) await this.vacuum('purge', [this.tables.table, this.tables.windows]);
    return result;
  }

  /**
   * VACUUM of `tables` (never inside a transaction: one statement each); `full` rewrites them into new
   * files, for the small key tables, so no copy of a deleted key stays in their free space.
   */
  private async vacuum(where: string, tables: readonly string[], full = false): Promise<void> {
    for (const table of tables) {
      try {
        await this.client.query(`VACUUM ${full ? 'FULL ' : ''}${table}`);
      } catch (error) {
        throw refusal(`${where} (vacuum)`, error);
      }
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.query('SELECT 1');
    } catch (error) {
      throw refusal('ping', error);
    }
  }

  async forget({ licenseId, deleteLicense = false }: { readonly licenseId: string; readonly deleteLicense?: boolean }): Promise<number> {
    if (typeof licenseId !== 'string' || !LICENSE_ID.test(licenseId)) {
      throw new StoreError('license-id', `forget: licenseId must match ${LICENSE_ID.source} (license-id)`);
    }
    const keys = this.keyTables;
    const purposes = deleteLicense ? ['reports', 'record'] : ['reports'];
    let statement: string;
    try {
      const present = deleteLicense ? (await this.client.query('SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS present', [keys.keys, keys.licenses])).rows[0]?.['present'] === true : false;
      // Keys of a license sort between "<id>/" and "<id>0" ("0" follows "/") under the key's C collation: a range scan of the primary key.
      statement = [
        `WITH gone AS (DELETE FROM ${this.tables.table} WHERE dedupe_key >= $1 AND dedupe_key < $2 RETURNING 1)`,
        `, windows_gone AS (DELETE FROM ${this.tables.windows} WHERE dedupe_key >= $1 AND dedupe_key < $2)`,
        `, corrections AS (DELETE FROM ${this.tables.supersessions} WHERE dedupe_key >= $1 AND dedupe_key < $2)`,
        ...(present ? [`, record_gone AS (DELETE FROM ${keys.licenses} WHERE license_id = $3)`, `, secrets_gone AS (DELETE FROM ${keys.keys} WHERE license_id = $3)`] : []),
        // The foreign keys are checked when the statement ends, after every CTE: reports and record go before their keys.
        `, keys_gone AS (DELETE FROM ${keys.dataKeys} WHERE license_id = $3 AND purpose = ANY($4::text[]))`,
        'SELECT count(*) AS n FROM gone',
      ].join(' ');
    } catch (error) {
      throw refusal('forget', error);
    }
    let erased: number | undefined;
    // A report stored under the key meanwhile (its insert began before this statement's snapshot) fails the key's
    // foreign key at the end of the statement; the next run sees it and erases it too.
    for (let round = 0; erased === undefined; round++) {
      try {
        erased = count((await this.client.query(statement, [`${licenseId}/`, `${licenseId}0`, licenseId, purposes])).rows[0]?.['n']);
      } catch (error) {
        if (!(round < 4 && (error as { code?: unknown }).code === '23503')) throw refusal('forget', error);
      }
    }
    this.keys.evict(licenseId);
    await this.vacuum('forget', [this.tables.table, this.tables.windows]);
    await this.vacuum('forget', deleteLicense ? [keys.dataKeys, keys.keys, keys.licenses] : [keys.dataKeys], true);
    return erased;
  }
}
