/**
 * Retention, enforced: every field is kept as long as its privacy record says
 * (`P<n>D|M|Y` from receipt, or `contract-end+P…` from the end of the
 * license's contract, which the license store's records hold), a report whose
 * every field has expired is deleted, and a field that expires before its
 * report is cleared. Run by the store's `purge()`. A deleted report's row in
 * the windows table goes with it.
 */
import { type StoreTables, countOf as count, refusal } from './database.js';
import { dropMonthIfEmpty, emptyMonthFunction, listMonths, listPartitions } from './partitions.js';
import type { StoredColumn } from './storage-plan.js';

export interface PurgeOptions {
  /**
   * When the contracts of licenses the license store holds no record of ended, by license id, for
   * fields kept `contract-end+…` (as servers said before license records existed). The store is the
   * source of truth and wins: for a license it holds a record of, its record's `contractEnd` counts
   * and an entry here is ignored (and named in `licenseEndsIgnored` when it says another end). A
   * license found in neither has not ended, and such fields of its reports are kept.
   */
  readonly licenseEnds?: ReadonlyMap<string, Date | string> | Readonly<Record<string, Date | string>>;
}

/**
 * What one `purge` removed, counted in the statements that removed it (so a report another process erased
 * meanwhile is not counted, and one stored meanwhile is not removed).
 *
 * @example
 * const { reportsDeleted, removed } = await store.purge(new Date());
 * log(`purged ${reportsDeleted} reports; ${removed['activeSeats']} activeSeats values`);
 */
export interface PurgeResult {
  /**
   * Reports removed whole because every field they held had expired: those of the months dropped whole
   * (counted under the lock that empties the month) plus those deleted one by one in the months that
   * straddle the cutoff. Their rows in the windows table go with them and are not counted apart.
   */
  readonly reportsDeleted: number;
  /**
   * Per field (or header) of the contract, by its name as the audit document spells it: how many stored
   * values were removed, each non-empty value counted once, whether its report was removed whole or the
   * field was cleared alone (its own retention ended before its report's). A field a report did not hold
   * (absent, or cleared by an earlier purge) is not counted; every field of the plan is present, 0 when none.
   */
  readonly removed: Readonly<Record<string, number>>;
  /** License ids whose `licenseEnds` entry the license store's record contradicted, and so did not count; absent when none did. */
  readonly licenseEndsIgnored?: readonly string[];
}

const DURATION = /^(contract-end\+)?(P[0-9]{1,4}[DMY])$/;
/** Expired reports `purge` deletes in one statement; more go in statements of PURGE_PAGES table pages each. */
const PURGE_BATCH = 10_000;
/** 2,000 pages of 8 KiB: about 50,000 v1 reports, a small part of a second of deleting. */
const PURGE_PAGES = 2_000;

/** Whether the store can enforce a retention: a duration from receipt, or from the end of the license's contract. */
export function isEnforceableRetention(retention: string): boolean {
  return DURATION.test(retention);
}

/** Enforces every field's retention as of `now` (see `PostgresStore.purge`). */
export async function purge(tables: StoreTables, now: Date, options: PurgeOptions = {}): Promise<PurgeResult> {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('purge: now must be a valid Date (now)');
  const entries = options.licenseEnds instanceof Map ? [...options.licenseEnds] : Object.entries(options.licenseEnds ?? {});
  const given = new Map<string, string>();
  for (const [license, end] of entries) {
    const instant = end instanceof Date ? end : new Date(String(end));
    if (Number.isNaN(instant.getTime())) throw new TypeError(`purge: licenseEnds[${JSON.stringify(license)}] is not a date (licenseEnds)`);
    given.set(license, instant.toISOString());
  }
  let recorded: Map<string, string | null>;
  let storeTable: string | undefined;
  try {
    ({ recorded, storeTable } = await recordedEnds(tables, [...given.keys()]));
  } catch (error) {
    throw refusal('purge', error);
  }
  // The store wins: a given end counts only for a license the store holds no record of.
  const licenses = [...given.keys()].filter((license) => !recorded.has(license));
  const ends = licenses.map((license) => given.get(license)!);
  const ignored = [...given].filter(([license, end]) => recorded.has(license) && recorded.get(license) !== end).map(([license]) => license);
  const removed: Record<string, number> = {};
  for (const { columns } of Object.values(tables.plan.versions)) for (const c of columns) removed[c.field] ??= 0;
  let reportsDeleted = 0;
  const params = (sql: string) => (sql.includes('$2') ? [now.toISOString(), licenses, ends] : [now.toISOString()]);
  // Whole months first: a month whose every report has expired is emptied and dropped, not deleted row by row.
  try {
    const whole = await dropExpiredMonths(tables, storeTable, now, licenses, ends);
    reportsDeleted += whole.reports;
    for (const [field, n] of Object.entries(whole.removed)) removed[field] = removed[field]! + n;
  } catch (error) {
    throw refusal('purge', error);
  }
  let partitions: string[];
  let nullable: ReadonlySet<string>;
  try {
    partitions = (await listPartitions(tables)).map((p) => p.name);
    // The same for every partition and version: a NOT NULL column held a value in every deleted report.
    const { rows } = await tables.client.query('SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND NOT attnotnull', [tables.table]);
    nullable = new Set(rows.map((r) => String(r['attname'])));
  } catch (error) {
    throw refusal('purge', error);
  }
  for (const [version, { columns }] of Object.entries(tables.plan.versions)) {
    const expired = columns.map((c) => expiredWhen(c.retention, storeTable));
    const everything = [...new Set(expired)].join(' AND ');
    const base = params(everything);
    try {
      // The months that straddle the cutoff (some of their reports expired, some not), row by row.
      for (const partition of partitions) {
        const row = await deleteExpired(tables, partition, Number(version), columns, nullable, everything, base);
        reportsDeleted += row.reports;
        columns.forEach((c, i) => (removed[c.field] = removed[c.field]! + row.values[i]!));
      }
      for (const [i, c] of columns.entries()) {
        if (!c.expiresAlone) continue;
        const clearSql = `WITH cleared AS (UPDATE ${tables.table} SET ${c.column} = NULL WHERE schema_version = ${Number(version)} AND ${c.column} IS NOT NULL AND ${expired[i]} RETURNING 1) SELECT count(*) AS n FROM cleared`;
        const cleared = (await tables.client.query(clearSql, params(clearSql))).rows[0] ?? {};
        removed[c.field] = removed[c.field]! + count(cleared['n']);
      }
    } catch (error) {
      throw refusal('purge', error);
    }
  }
  // A correction's record lives as long as the report it speaks of.
  try {
    await tables.client.query(`DELETE FROM ${tables.supersessions} AS s WHERE NOT EXISTS (SELECT 1 FROM ${tables.table} AS r WHERE r.dedupe_key = s.dedupe_key)`);
  } catch (error) {
    throw refusal('purge', error);
  }
  return { reportsDeleted, removed, ...(ignored.length > 0 ? { licenseEndsIgnored: ignored } : {}) };
}

/**
 * Empties and drops each month partition whose every report has expired (the months before the cutoff):
 * a month is tried only when none of its reports was received after the latest time at which any report
 * can have expired (an index lookup), and then emptied by the store's function, which counts under an
 * exclusive lock on the month what it holds (reports, and per field the values they held), checks every
 * report has expired, deletes the month's windows and truncates it, all in one transaction. Returns what
 * it removed.
 */
async function dropExpiredMonths(tables: StoreTables, storeTable: string | undefined, now: Date, licenses: readonly string[], ends: readonly string[]): Promise<{ reports: number; removed: Record<string, number> }> {
  const versions = Object.entries(tables.plan.versions);
  // Each distinct column once (a column shared by versions is one field), with the field it holds.
  const columns = new Map<string, string>();
  for (const [, { columns: list }] of versions) for (const c of list) if (!columns.has(c.column)) columns.set(c.column, c.field);
  const arms = versions.map(([version, { columns: list }]) => `WHEN ${Number(version)} THEN ${[...new Set(list.map((c) => expiredWhen(c.retention, storeTable)))].join(' AND ')}`);
  const expired = `CASE schema_version ${arms.join(' ')} ELSE false END`;
  const counts = `SELECT CASE WHEN bool_and(coalesce(${expired}, false)) IS NOT FALSE THEN ARRAY[count(*), ${[...columns.keys()].map((c) => `count(${c})`).join(', ')}]::bigint[] END AS counts FROM %s`;
  // A report received after this has not expired by its receipt-based fields (when every version has some).
  const receipt = versions.map(([, { columns: list }]) => list.map((c) => DURATION.exec(c.retention)!).filter((m) => m[1] === undefined).map((m) => `$1::timestamptz - interval '${m[2]}'`));
  const latest = receipt.every((bounds) => bounds.length > 0) ? `GREATEST(${receipt.map((bounds) => `LEAST(${bounds.join(', ')})`).join(', ')})` : undefined;
  const fn = emptyMonthFunction(tables).name;
  const total = { reports: 0, removed: Object.fromEntries([...new Set(columns.values())].map((field) => [field, 0])) };
  for (const month of await listMonths(tables)) {
    if (latest !== undefined) {
      const { rows } = await tables.client.query(`SELECT EXISTS (SELECT 1 FROM ${month.name} WHERE received_at > ${latest}) AS live`, [now.toISOString()]);
      if (rows[0]?.['live'] === true) continue;
    }
    const { rows } = await tables.client.query(`SELECT ${fn}($1::regclass, $2::regclass, $3::timestamptz, $4::timestamptz, $5::text, $6::timestamptz, $7::text[], $8::timestamptz[]) AS counts`, [
      month.name,
      tables.windows,
      month.from.toISOString(),
      month.to.toISOString(),
      counts.replace(/%(?!s)/g, '%%'),
      now.toISOString(),
      licenses,
      ends,
    ]);
    const found = rows[0]?.['counts'];
    if (found === null || found === undefined) continue;
    const [reports, ...values] = (found as unknown[]).map(count);
    total.reports += reports!;
    [...columns.values()].forEach((field, i) => (total.removed[field] = total.removed[field]! + values[i]!));
    await dropMonthIfEmpty(tables, month);
  }
  return total;
}

/**
 * The license store's records table, when this schema has one (a server without a license store has
 * none), and the contract ends it records for the given license ids (null: no end yet).
 */
async function recordedEnds(tables: StoreTables, licenses: readonly string[]): Promise<{ recorded: Map<string, string | null>; storeTable: string | undefined }> {
  const { rows: present } = await tables.client.query('SELECT to_regclass($1) IS NOT NULL AS present', [tables.licenses]);
  if (present[0]?.['present'] !== true) return { recorded: new Map(), storeTable: undefined };
  if (licenses.length === 0) return { recorded: new Map(), storeTable: tables.licenses };
  const { rows } = await tables.client.query(`SELECT license_id, contract_end FROM ${tables.licenses} WHERE license_id = ANY($1::text[])`, [licenses]);
  const iso = (value: unknown) => (value === null || value === undefined ? null : (value instanceof Date ? value : new Date(String(value))).toISOString());
  return { recorded: new Map(rows.map((r) => [String(r['license_id']), iso(r['contract_end'])])), storeTable: tables.licenses };
}

/**
 * Deletes the reports of `version` in one month partition that match `everything`, counting the
 * values they held per column. A few (at most PURGE_BATCH) go in one
 * statement on the received_at index; more go PURGE_PAGES table pages per
 * statement, in physical order, so each statement is short and holds its
 * locks briefly, and the whole costs about one sequential pass. Only
 * columns that may be NULL are returned and counted: a NOT NULL column held
 * a value in every deleted report.
 */
async function deleteExpired(
  tables: StoreTables,
  partition: string,
  version: number,
  columns: readonly StoredColumn[],
  nullable: ReadonlySet<string>,
  everything: string,
  params: unknown[],
): Promise<{ reports: number; values: number[] }> {
  const returned = columns.map((c, i) => (nullable.has(c.column) ? `${c.column} IS NOT NULL AS c${i}` : undefined)).filter((r) => r !== undefined);
  const where = `schema_version = ${version} AND ${everything}`;
  const statement = (range: string) =>
    [
      `WITH gone AS (DELETE FROM ${partition} WHERE ${range}${where} RETURNING dedupe_key${returned.length === 0 ? '' : `, ${returned.join(', ')}`}),`,
      // A report's window goes with it, in the same statement.
      `windows_gone AS (DELETE FROM ${tables.windows} AS w USING gone WHERE w.dedupe_key = gone.dedupe_key)`,
      `SELECT count(*) AS reports, ${columns.map((c, i) => (nullable.has(c.column) ? `count(*) FILTER (WHERE c${i}) AS c${i}` : `count(*) AS c${i}`)).join(', ')} FROM gone`,
    ].join(' ');
  const total = { reports: 0, values: columns.map(() => 0) };
  const add = (row: Record<string, unknown> | undefined) => {
    total.reports += count(row?.['reports']);
    columns.forEach((_, i) => (total.values[i]! += count(row?.[`c${i}`])));
  };
  const few = await tables.client.query(`SELECT count(*) AS n FROM (SELECT 1 FROM ${partition} WHERE ${where} LIMIT ${PURGE_BATCH + 1}) AS expired`, params);
  const found = count(few.rows[0]?.['n']);
  // A month with nothing expired is left alone.
  if (found === 0) return total;
  if (found <= PURGE_BATCH) {
    add((await tables.client.query(statement(''), params)).rows[0]);
    return total;
  }
  const size = await tables.client.query(`SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint AS pages`, [partition]);
  // Reports stored after this point are new, so none of them has expired: the pages counted now are all there is to scan.
  for (let page = 0, pages = count(size.rows[0]?.['pages']); page < pages; page += PURGE_PAGES) {
    add((await tables.client.query(statement(`ctid >= '(${page},0)'::tid AND ctid < '(${page + PURGE_PAGES},0)'::tid AND `), params)).rows[0]);
  }
  return total;
}

/**
 * The SQL condition under which a value kept `retention` has expired ($1 now; $2/$3 the given ends of
 * licenses the store holds no record of). A contract's end comes from the license store's records
 * table when there is one (`licenses`), else from the given ends alone.
 */
function expiredWhen(retention: string, licenses: string | undefined): string {
  const [, contractEnd, duration] = DURATION.exec(retention)!;
  if (contractEnd === undefined) return `received_at <= $1::timestamptz - interval '${duration}'`;
  // The license id leads the dedupe key, which lives as long as the row, so this holds even after license_id is cleared.
  const given = `EXISTS (SELECT 1 FROM unnest($2::text[], $3::timestamptz[]) AS ended(license, at) WHERE ended.license = split_part(dedupe_key, '/', 1) AND ended.at + interval '${duration}' <= $1::timestamptz)`;
  if (licenses === undefined) return given;
  return `(EXISTS (SELECT 1 FROM ${licenses} AS l WHERE l.license_id = split_part(dedupe_key, '/', 1) AND l.contract_end + interval '${duration}' <= $1::timestamptz) OR ${given})`;
}
