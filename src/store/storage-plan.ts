/**
 * The shape of generated/storage.ts: what the PostgreSQL store needs to know
 * about the generated table, derived from the contract by `npm run generate`.
 * Kept as data so the store builds its statements from it at start-up and
 * reads no file at run time.
 */

/** How a column's value is written and read back. */
export type StoredKind =
  | 'text'
  | 'integer'
  | 'bigint'
  | 'double precision'
  | 'boolean'
  | 'timestamptz'
  | 'date'
  | 'text[]'
  | 'integer[]'
  | 'bigint[]'
  | 'double precision[]'
  | 'boolean[]'
  | 'jsonb';

/** Where a column's value comes from in a verified report (see `IngestSuccess`). */
export type StoredSource =
  /** A payload field, by its property names from the root. */
  | { readonly body: readonly string[] }
  /** A contract header, by the `IngestSuccess` member that carries its value. */
  | { readonly header: string; readonly from: 'licenseId' | 'customer' | 'messageId' };

export interface StoredColumn {
  readonly column: string;
  /** The field as reviewers read it: `activeSeats`, `environmentPairs.total`, or a header name. */
  readonly field: string;
  readonly source: StoredSource;
  readonly kind: StoredKind;
  /** The field's retention from its privacy record: `P400D`, `P13M`, `contract-end+P30D`. */
  readonly retention: string;
  /** True when the column may expire before its row does, so `purge` clears it on its own. */
  readonly expiresAlone: boolean;
  /**
   * True when the value can identify a customer (or is computed from one that can): the column is
   * `bytea` and holds the value AES-256-GCM encrypted under the license's data key, never in clear.
   * `kind` is then the kind of the value itself.
   */
  readonly sealed?: true;
}

export interface StoredMigration {
  readonly version: number;
  /** `sha256:<hex>` of `sql`, recorded with it, so a changed migration is noticed rather than skipped. */
  readonly checksum: string;
  /** generated/v<N>/storage.sql, byte for byte. */
  readonly sql: string;
}

export interface StoragePlan {
  readonly table: string;
  readonly migrationsTable: string;
  /** The windows stored, one row per report, whose exclusion constraint refuses overlapping windows of a license. */
  readonly windowsTable: string;
  readonly migrations: readonly StoredMigration[];
  /** Per schema version, the columns a report of that version fills. */
  readonly versions: { readonly [version: number]: { readonly columns: readonly StoredColumn[] } };
  /**
   * What amendments of released versions changed since their migrations were
   * frozen, applied by `migrate()` after the migrations: column comments
   * that now say another record, NOT NULL constraints a shortened retention
   * lifts (purge clears such a column before its row goes), and column
   * CHECK constraints by name, as they read now (null: none).
   */
  readonly current?: {
    readonly comments: Readonly<Record<string, string>>;
    readonly dropNotNull: readonly string[];
    readonly checks: Readonly<Record<string, string | null>>;
  };
}
