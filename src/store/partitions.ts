/**
 * The reports table's monthly partitions: one per UTC calendar month of the
 * window start (`window_start`, which the generated table is partitioned by),
 * created when a report first needs it and dropped by `purge` once every
 * report in it has expired. Creating and dropping take an advisory lock, so
 * servers sharing a database never race each other into an error; a report
 * routed to a month another process dropped meanwhile fails with
 * {@link isMissingPartition}, and `put` creates the month again.
 */
import { type StoreTables, StoreError, refusal } from './database.js';

/** The reports table's partition key (see scripts/emit/storage-sql.ts). */
export const PARTITION_KEY = 'window_start';

const PARTITION_LOCK = 'telemetry-contract:partitions';
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A month partition: its name as SQL (schema-qualified when the store has a schema), and the window starts it holds, [from, to). */
export interface MonthPartition {
  readonly name: string;
  readonly from: Date;
  readonly to: Date;
}

/** The month partition that holds reports whose window starts at `start`, for the reports table `table` (unqualified). */
export function monthOf(tables: Pick<StoreTables, 'plan' | 'schema'>, start: Date): MonthPartition {
  const [year, month] = [start.getUTCFullYear(), start.getUTCMonth()];
  const bare = `${tables.plan.table}_${String(year).padStart(4, '0')}_${String(month + 1).padStart(2, '0')}`;
  return { name: tables.schema === undefined ? bare : `"${tables.schema}".${bare}`, from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) };
}

/** The window start a dedupe key `<licenseId>/<start>/<end>` spells, or undefined when it spells none. */
export function windowStartOf(dedupeKey: string): Date | undefined {
  const start = new Date(dedupeKey.split('/')[1] ?? '');
  return Number.isNaN(start.getTime()) ? undefined : start;
}

/** PostgreSQL's refusal of a row no partition takes (a month dropped since the store last created it). */
export function isMissingPartition(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '23514' && typeof e.message === 'string' && e.message.startsWith('no partition of relation');
}

/**
 * The statement that creates the month's partition of `table` (as SQL) when missing, under the advisory lock
 * every process creating or dropping months of the schema takes, so concurrent ones wait rather than collide.
 */
export function createMonthStatement(tables: Pick<StoreTables, 'schema' | 'table'>, month: MonthPartition): string {
  return [
    'DO $telemetry_partition$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${PARTITION_LOCK}:${tables.schema ?? ''}`)}));`,
    `  CREATE TABLE IF NOT EXISTS ${month.name} PARTITION OF ${tables.table} FOR VALUES FROM (${literal(month.from.toISOString())}) TO (${literal(month.to.toISOString())});`,
    'END',
    '$telemetry_partition$',
  ].join('\n');
}

/** Creates the month's partition when missing; safe when other processes do the same at once. */
export async function createMonth(tables: StoreTables, month: MonthPartition): Promise<void> {
  try {
    await tables.client.query(createMonthStatement(tables, month));
  } catch (error) {
    throw refusal(`put (partition ${month.from.toISOString().slice(0, 7)})`, error);
  }
}

/** The months a process has created or found, each created once when first needed; see {@link monthsOnDemand}. */
export interface MonthsOnDemand {
  /** Resolves once the month exists: created by the first call, shared by concurrent ones, tried again after a failure. */
  ensure(month: MonthPartition): Promise<void>;
  /** Forgets what this process knows (a month dropped since): the next report of it creates it again. */
  forget(month?: MonthPartition): void;
}

/** Months created by `create` once per process, when a report first needs them. */
export function monthsOnDemand(create: (month: MonthPartition) => Promise<unknown>): MonthsOnDemand {
  const made = new Map<string, Promise<void>>();
  return {
    ensure(month) {
      let creating = made.get(month.name);
      if (creating === undefined) {
        creating = create(month).then(() => undefined);
        made.set(month.name, creating);
        creating.catch(() => made.delete(month.name));
      }
      return creating;
    },
    forget(month) {
      if (month === undefined) made.clear();
      else made.delete(month.name);
    },
  };
}

/** Every partition of the reports table, an operator's own too: its name as SQL (qualified where the search path needs it) and its bare name, by bare name. */
export async function listPartitions(tables: StoreTables): Promise<{ readonly name: string; readonly bare: string }[]> {
  const { rows } = await tables.client.query('SELECT i.inhrelid::regclass::text AS name, c.relname AS bare FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY c.relname', [tables.table]);
  return rows.map((r) => ({ name: String(r['name']), bare: String(r['bare']) }));
}

/** The month partitions of the reports table, oldest first; a partition the store did not name (an operator's own) is left out. */
export async function listMonths(tables: StoreTables): Promise<MonthPartition[]> {
  const pattern = new RegExp(`^${tables.plan.table}_([0-9]{4})_([0-9]{2})$`);
  const months: MonthPartition[] = [];
  for (const { bare } of await listPartitions(tables)) {
    const match = pattern.exec(bare);
    if (match === null) continue;
    months.push(monthOf(tables, new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1))));
  }
  return months;
}

/**
 * The function `purge` empties a month by: under an exclusive lock on the partition (so no report enters it
 * meanwhile), it runs `counts` (a SELECT over the partition, `%s` its name, $1-$3 purge's parameters) and, when
 * that returns counts rather than NULL (NULL: a report in it has not expired), deletes the month's windows and
 * truncates the partition, returning the counts. In one transaction, so the counts are of what it removed.
 */
export function emptyMonthFunction(tables: Pick<StoreTables, 'schema'>): { readonly name: string; readonly ddl: string } {
  const name = tables.schema === undefined ? 'telemetry_empty_month' : `"${tables.schema}".telemetry_empty_month`;
  return {
    name,
    ddl: [
      `CREATE OR REPLACE FUNCTION ${name}(part regclass, windows regclass, since timestamptz, until timestamptz, counts text, now timestamptz, licenses text[], ends timestamptz[]) RETURNS bigint[]`,
      '  LANGUAGE plpgsql AS $empty$',
      'DECLARE result bigint[];',
      'BEGIN',
      "  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', part);",
      '  EXECUTE format(counts, part) INTO result USING now, licenses, ends;',
      '  IF result IS NULL THEN RETURN NULL; END IF;',
      "  EXECUTE format('DELETE FROM %s WHERE period && tstzrange($1, $2) AND lower(period) >= $1 AND lower(period) < $2', windows) USING since, until;",
      "  EXECUTE format('TRUNCATE %s', part);",
      '  RETURN result;',
      'END',
      '$empty$;',
    ].join('\n'),
  };
}

/**
 * Detaches and drops the month's partition if it is (still) empty, under an exclusive lock on the reports
 * table taken first (as every insert locks the table before its partition, so no two wait on each other);
 * when the lock is not had within a second, the empty partition stays for the next purge. True when dropped.
 */
export async function dropMonthIfEmpty(tables: StoreTables, month: MonthPartition): Promise<boolean> {
  const statement = [
    'DO $telemetry_drop_month$',
    'BEGIN',
    `  PERFORM pg_advisory_xact_lock(hashtext(${literal(`${PARTITION_LOCK}:${tables.schema ?? ''}`)}));`,
    "  PERFORM set_config('lock_timeout', '1s', true);",
    `  LOCK TABLE ${tables.table} IN ACCESS EXCLUSIVE MODE;`,
    `  IF EXISTS (SELECT 1 FROM ${month.name}) THEN RAISE EXCEPTION 'telemetry: month not empty' USING ERRCODE = 'P0001'; END IF;`,
    `  ALTER TABLE ${tables.table} DETACH PARTITION ${month.name};`,
    `  DROP TABLE ${month.name};`,
    'END',
    '$telemetry_drop_month$',
  ].join('\n');
  try {
    await tables.client.query(statement);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Not empty, the lock not had in time, or dropped by another process meanwhile.
    if (code === 'P0001' || code === '55P03' || code === '42P01') return false;
    throw refusal('purge (drop a month)', error);
  }
}

/** The refusal `migrate` answers for a reports table made before partitioning (see docs/key-store.md, "Partitioned reports"). */
export function unpartitioned(tables: Pick<StoreTables, 'plan' | 'table'>): StoreError {
  return new StoreError(
    'unpartitioned',
    `${tables.table}: this reports table is not partitioned by window month, as an earlier draft of the v1 migration made it (unpartitioned); this package does not move its rows: recreate the database (v1 is a draft), or move the reports into the partitioned table yourself as docs/key-store.md "Partitioned reports" outlines, then migrate again`,
  );
}
