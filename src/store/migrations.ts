/**
 * Bringing a database to the plan: the generated migrations applied once each,
 * in version order, under an advisory lock and recorded in the migrations
 * table (a changed one refused), then what amendments of released versions
 * changed (column comments, a shortened retention's constraints). Run by the
 * store's `migrate()`.
 */
import license from '../../generated/license.schema.json' with { type: 'json' };
import { type StoreTables, refusal, StoreError, supersessionsTable } from './database.js';
import type { StoragePlan } from './storage-plan.js';

export interface MigrateResult {
  /** The schema versions whose migrations this call applied, in order; empty when all were applied before. */
  readonly applied: readonly number[];
}

const MIGRATION_LOCK = 'telemetry-contract:migrate';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Applies the plan's migrations not yet applied, in version order, then the amendments of released versions. */
export async function migrate(tables: StoreTables): Promise<MigrateResult> {
  const recorded = await appliedMigrations(tables);
  for (const migration of tables.plan.migrations) {
    const checksum = recorded.get(migration.version);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new StoreError(
        'migration-changed',
        `${tables.plan.migrationsTable}: the v${migration.version} migration applied to this database differs from this package's (migration-changed); a released version's migration never changes, so this database was migrated from a draft: recreate it, or drop its ${tables.plan.table} and ${tables.plan.migrationsTable} tables`,
      );
    }
  }
  const applied: number[] = [];
  for (const migration of tables.plan.migrations) {
    if (recorded.has(migration.version)) continue;
    try {
      await tables.client.query(migrationBlock(tables, migration.version, migration.checksum, migration.sql));
    } catch (error) {
      throw refusal(`generated/v${migration.version}/storage.sql`, error);
    }
    applied.push(migration.version);
  }
  if (tables.plan.current !== undefined) {
    try {
      await tables.client.query(amendmentBlock(tables, tables.plan.current));
    } catch (error) {
      throw refusal('migrate (amended privacy records)', error);
    }
  }
  try {
    await tables.client.query(storeColumnsBlock(tables));
  } catch (error) {
    throw refusal('migrate (store columns)', error);
  }
  try {
    await tables.client.query(supersessionsBlock(tables));
  } catch (error) {
    throw refusal(`migrate (${supersessionsTable(tables.plan.table)})`, error);
  }
  // Another process may have applied some of them meanwhile (the lock serialises the work, not this count).
  const after = await appliedMigrations(tables);
  return { applied: applied.filter((v) => after.has(v)) };
}

/** Applied migrations: version → checksum. */
async function appliedMigrations(tables: StoreTables): Promise<Map<number, string>> {
  const name = tables.schema === undefined ? tables.plan.migrationsTable : `${tables.schema}.${tables.plan.migrationsTable}`;
  const exists = await tables.client.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  if (exists.rows[0]?.['present'] !== true) return new Map();
  const { rows } = await tables.client.query(`SELECT version, checksum FROM ${tables.migrations}`);
  return new Map(rows.map((r) => [Number(r['version']), String(r['checksum'])]));
}

/**
 * One statement per migration, so it runs atomically over any client, a
 * pool included (a BEGIN sent through a pool may land on another
 * connection than the statements after it). The advisory lock serialises
 * concurrent migrators; the applied check repeats under it.
 */
function migrationBlock(tables: StoreTables, version: number, checksum: string, sql: string): string {
  const schema = tables.schema;
  return [
    'DO $telemetry_migration$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${schema ?? ''}`)}));`,
    ...(schema === undefined ? [] : [`  CREATE SCHEMA IF NOT EXISTS "${schema}";`, `  PERFORM set_config('search_path', ${literal(`"${schema}"`)}, true);`]),
    `  CREATE TABLE IF NOT EXISTS ${tables.plan.migrationsTable} (version integer PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
    `  IF EXISTS (SELECT 1 FROM ${tables.plan.migrationsTable} WHERE version = ${version}) THEN RETURN; END IF;`,
    sql,
    `  INSERT INTO ${tables.plan.migrationsTable} (version, checksum) VALUES (${version}, ${literal(checksum)});`,
    'END',
    '$telemetry_migration$',
  ].join('\n');
}

/**
 * The columns the store fills itself, beside the contract's (which the
 * generated migrations create): added to a table made before them, so a
 * database of any age gets them on its next `migrate()`.
 *
 * `data_region`: the data region of the license's record, which `put` stamps
 * on each report from the record ingest checked it against, never from the
 * request; empty where the server verified without license records.
 *
 * `data_key`: the data key the report's sealed columns are encrypted under,
 * by its id, with a foreign key, so no report is stored under a data key that
 * was destroyed and no data key is destroyed while a report under it is
 * stored; indexed, as destroying a key looks its reports up.
 */
function storeColumnsBlock(tables: StoreTables): string {
  const region = license.properties.dataRegion;
  return [
    'DO $telemetry_store_columns$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${tables.schema ?? ''}`)}));`,
    `  ALTER TABLE ${tables.table} ADD COLUMN IF NOT EXISTS data_region text CONSTRAINT data_region_check CHECK (char_length(data_region) <= ${region.maxLength} AND data_region ~ ${literal(region.pattern)});`,
    `  COMMENT ON COLUMN ${tables.table}.data_region IS ${literal('The data region of the license record the report was checked against (dataRegion), stamped by the store, never read from the request: where the vendor agreed with the customer to keep the report. Empty where the server verified without license records. Kept as long as its row.')};`,
    `  ALTER TABLE ${tables.table} ADD COLUMN IF NOT EXISTS data_key text COLLATE "C" CONSTRAINT ${tables.plan.table}_data_key_fkey REFERENCES ${tables.dataKeys} (id);`,
    `  CREATE INDEX IF NOT EXISTS ${tables.plan.table}_data_key ON ${tables.table} (data_key);`,
    `  COMMENT ON COLUMN ${tables.table}.data_key IS ${literal('The id of the license data key (telemetry_data_keys) the sealed columns of the report are encrypted under, AES-256-GCM: forget destroys it with the reports. An id, never key material. Kept as long as its row.')};`,
    'END',
    '$telemetry_store_columns$',
  ].join('\n');
}

/**
 * The record of corrections: one row per stored report a correction replaced
 * (its dedupe key, when, the digests before and after, the license key that
 * signed the correction). It holds nothing the report's row does not, and
 * lives as long as that row: `forget` erases it with the license's reports,
 * `purge` with the report it speaks of. Created on every migrate when missing.
 */
function supersessionsBlock(tables: StoreTables): string {
  const schema = tables.schema;
  const name = supersessionsTable(tables.plan.table);
  return [
    'DO $telemetry_supersessions$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${schema ?? ''}`)}));`,
    ...(schema === undefined ? [] : [`  PERFORM set_config('search_path', ${literal(`"${schema}"`)}, true);`]),
    `  CREATE TABLE IF NOT EXISTS ${name} (`,
    '    dedupe_key text COLLATE "C" NOT NULL,',
    '    superseded_at timestamptz NOT NULL,',
    "    previous_digest text NOT NULL CHECK (previous_digest ~ '^[0-9a-f]{64}$'),",
    "    body_digest text NOT NULL CHECK (body_digest ~ '^[0-9a-f]{64}$'),",
    '    key_id text NOT NULL CHECK (char_length(key_id) BETWEEN 1 AND 64)',
    '  );',
    `  CREATE INDEX IF NOT EXISTS ${name}_dedupe_key ON ${name} (dedupe_key);`,
    `  COMMENT ON TABLE ${name} IS ${literal(`Corrections: each row says that the stored report of a window (dedupe_key) was replaced by a reviewed correction from the licensee, when, which report it replaced (previous_digest) and by which (body_digest), under which license key. Kept as long as the report of its dedupe key: forget and purge remove it with the report.`)};`,
    'END',
    '$telemetry_supersessions$',
  ].join('\n');
}

/**
 * What amendments of released versions changed, brought to the table on
 * every migrate (each statement leaves the table as it is when applied
 * twice): the column comments say the records as they are now, and a
 * column a shortened retention clears before its row loses its NOT NULL
 * and the `IS NOT NULL` of its CHECK.
 */
function amendmentBlock(tables: StoreTables, current: NonNullable<StoragePlan['current']>): string {
  const schema = tables.schema;
  return [
    'DO $telemetry_amendments$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${MIGRATION_LOCK}:${schema ?? ''}`)}));`,
    ...current.dropNotNull.map((column) => `  ALTER TABLE ${tables.table} ALTER COLUMN ${column} DROP NOT NULL;`),
    // Existing rows met the check they were stored under; NOT VALID spares re-reading them on every start.
    ...Object.entries(current.checks).flatMap(([name, check]) => [
      `  ALTER TABLE ${tables.table} DROP CONSTRAINT IF EXISTS ${name};`,
      ...(check === null ? [] : [`  ALTER TABLE ${tables.table} ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID;`]),
    ]),
    ...Object.entries(current.comments).map(([column, text]) => `  COMMENT ON COLUMN ${tables.table}.${column} IS ${literal(text)};`),
    'END',
    '$telemetry_amendments$',
  ].join('\n');
}
