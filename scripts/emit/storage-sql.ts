/**
 * Contract → PostgreSQL storage: one table of reports shared by every schema
 * version, and per version a migration (generated/v<N>/storage.sql) that takes
 * the table from what the versions before it need to what it needs. A pure
 * function of the versions' JSON Schemas: version N's migration depends on
 * versions 1…N only, so releasing N freezes it and a later version never
 * rewrites it; it ALTERs instead.
 *
 * Columns: the dedupe key (primary key) and the time of receipt, then one
 * column per stored body field (nested objects flattened to snake_case paths,
 * lists of scalars as arrays, other lists as jsonb) and per stored header.
 * A field or header kept `P0D` ("checked on arrival, never stored") gets no
 * column. NOT NULL and CHECK constraints restate the schema's bounds, so the
 * database refuses what the validator refuses; COMMENT ON COLUMN carries the
 * privacy record. generated/storage.ts embeds the same migrations for the store.
 *
 * A released version's migration is made from its content as released, so an
 * amendment of its privacy records never changes it. What an amendment does
 * change reaches the database through the plan instead: each column's
 * retention (purge enforces the current one), its comment, and the NOT NULL
 * or `IS NOT NULL` check a shortened retention lifts (migrate() applies them
 * after the migrations). An amendment that would add a column is refused.
 */
import { createHash } from 'node:crypto';
import type { Contract } from '../../schema/contract.js';
import { DATA_CATEGORIES, LEGAL_BASES, PRIVACY_KEYWORD, type PrivacyRecord, RETENTION_PATTERN, retentionWords } from '../../schema/privacy.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import type { StoragePlan, StoredColumn, StoredKind, StoredSource } from '../../src/store/storage-plan.js';
import { type Finding, FindingsError } from '../cli/findings.js';
import { type JsonSchema, enumerated, isSchemaObject, typesOf } from '../contract/fields.js';
import { HEADERS_KEYWORD, generatedHeader } from './json-schema.js';
import { PatternError, toSqlPattern } from './sql-pattern.js';

export const REPORTS_TABLE = 'telemetry_reports';
export const MIGRATIONS_TABLE = 'telemetry_migrations';
export const WINDOWS_TABLE = 'telemetry_windows';

/**
 * The windows stored, one row per report, in a table of their own: its
 * exclusion constraint refuses a window of a license that overlaps another
 * of the same license (the store answers `window-overlap`). A small table
 * that is never partitioned, so the constraint holds whatever becomes of the
 * reports table: PostgreSQL 15 puts no exclusion constraint on a partitioned
 * table, and later versions only one that compares the partition key with
 * `=`, which a constraint on overlapping windows cannot. `=` on text in a GiST index needs the
 * btree_gist extension: in PostgreSQL's contrib, and in PGlite through its
 * `extensions` option. The store writes and erases a window with its report.
 */
const WINDOWS_DDL = [
  '-- The windows stored, one per report, in a table of their own, so that the exclusion constraint below refuses a',
  '-- window that overlaps another window of the same license, whatever becomes of the reports table.',
  'CREATE EXTENSION IF NOT EXISTS btree_gist;',
  `CREATE TABLE ${WINDOWS_TABLE} (`,
  '  dedupe_key text COLLATE "C" PRIMARY KEY,',
  '  license_id text COLLATE "C" NOT NULL,',
  '  period tstzrange NOT NULL CONSTRAINT period_check CHECK (NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)),',
  `  CONSTRAINT ${WINDOWS_TABLE}_no_overlap EXCLUDE USING gist (license_id WITH =, period WITH &&)`,
  ');',
  `COMMENT ON TABLE ${WINDOWS_TABLE} IS 'A row per stored report: its dedupe key, license id and window, kept and erased with the report. Two windows of one license never overlap (window-overlap).';`,
].join('\n');
const VERSION_FIELD = 'schemaVersion';

/** The headers whose values `ingest` hands to the store, by the IngestSuccess member that carries each. */
const HEADER_SOURCES: Readonly<Record<string, 'licenseId' | 'customer' | 'messageId'>> = {
  'webhook-id': 'messageId',
  'x-telemetry-license-id': 'licenseId',
  'x-telemetry-customer': 'customer',
};

/** One column as one version defines it. */
interface VersionColumn extends StoredColumn {
  readonly record: PrivacyRecord;
  /** Stored encrypted under its license's data key (see isSealed). */
  readonly sealed?: true;
  /** A contract instant kept as text (see scalarShape). */
  readonly instant: boolean;
  /** Present in every report of the version (the field and its parents are required). */
  readonly required: boolean;
  /** Required, and never cleared before its row is deleted: NOT NULL material. */
  readonly alwaysSet: boolean;
  /** SQL conditions on the column, each true or NULL for a NULL value. */
  readonly bounds: readonly string[];
  /** A function checking every item of a list column, created before it is used. */
  readonly itemsFunction?: { readonly name: string; readonly sql: string };
  /** Keywords the database does not restate: the validator alone enforces them. */
  readonly leftToValidator: readonly string[];
}

interface VersionTable {
  readonly version: number;
  readonly columns: readonly VersionColumn[];
  /** Table constraints from the cross-field rules, by constraint name. */
  readonly rules: ReadonlyMap<string, string>;
  readonly ruleNotes: readonly string[];
  readonly functions: ReadonlyMap<string, string>;
}

export interface StorageVersionInput {
  readonly contract: Contract;
  readonly schema: JsonSchema;
  /** A released version's JSON Schema as released: its migration is made from it. */
  readonly released?: JsonSchema;
}

const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();

/** A SQL string literal (standard_conforming_strings: only the quote is special). */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

const sqlValue = (value: unknown): string => (typeof value === 'string' ? sqlString(value) : typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value));

const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** What sealing adds to a value: a 12-byte nonce in front of the ciphertext, a 16-byte tag behind it (src/store/aead.ts). */
const SEAL_OVERHEAD = 28;

/**
 * Whether a column holds its values encrypted under the license's data key rather than in clear: every
 * value that can identify a customer (its category may be personal data), and the message id, a hash of
 * the customer header that would confirm a guessed name. Not the license id: the store finds a license's
 * reports by it (the dedupe key begins with it), and it names a license, not a customer, once the
 * license record holding the customer's name is deleted.
 */
function isSealed(source: StoredSource, record: PrivacyRecord): boolean {
  if ('header' in source && source.from === 'licenseId') return false;
  if ('header' in source && source.from === 'messageId') return true;
  return DATA_CATEGORIES[record.category].personalData;
}

/** [min, max] days a duration retention can last; undefined for `contract-end+…`, which no duration can be compared with. */
function retentionDays(retention: string): readonly [number, number] | undefined {
  const match = RETENTION_PATTERN.exec(retention);
  if (match === null || match[1] !== undefined) return undefined;
  const n = Number(match[2]);
  return match[3] === 'D' ? [n, n] : match[3] === 'M' ? [28 * n, 31 * n] : [365 * n, 366 * n];
}

/** True when a value kept `a` is surely kept at least as long as one kept `b`. */
function outlasts(a: string, b: string): boolean {
  if (a === b) return true;
  const da = retentionDays(a);
  const db = retentionDays(b);
  return da !== undefined && db !== undefined && da[0] >= db[1];
}

function recordWords(record: PrivacyRecord): string {
  const basis = LEGAL_BASES[record.legalBasis];
  return [
    record.purpose,
    `Legal basis: Art. 6(1)(${basis.letter}) ${basis.title.toLowerCase()} (${record.basisNote}).`,
    `Category: ${DATA_CATEGORIES[record.category].title.toLowerCase()} (${record.category}).`,
    `Retention: ${record.retention} (${retentionWords(record.retention)}).`,
    `Owner: ${record.owner}.`,
  ].join(' ');
}

interface Shape {
  readonly kind: StoredKind;
  readonly bounds: (column: string) => string[];
  readonly items?: { readonly kind: StoredKind; readonly bounds: (item: string) => string[]; readonly unique: boolean };
  readonly leftToValidator: readonly string[];
  /** A contract instant (format date-time) kept as text: what an instant-before rule can compare. */
  readonly instant?: boolean;
}

const INT4 = 2 ** 31 - 1;

/** The SQL type and constraints of a scalar schema, or undefined when it is not a scalar. */
function scalarShape(schema: JsonSchema, where: string, problems: Finding[]): Shape | undefined {
  const left: string[] = [];
  const types = typesOf(schema).filter((t) => t !== 'null');
  const values = enumerated(schema);
  const type = types.length === 1 ? types[0] : values !== undefined && values.length > 0 ? typeof values[0] : undefined;
  const conditions: Array<(c: string) => string> = [];
  if (values !== undefined) conditions.push((c) => (values.length === 1 ? `${c} = ${sqlValue(values[0])}` : `${c} IN (${values.map(sqlValue).join(', ')})`));
  if (type === 'integer' || type === 'number') {
    const n = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
    const [min, max, xmin, xmax, multiple] = [n('minimum'), n('maximum'), n('exclusiveMinimum'), n('exclusiveMaximum'), n('multipleOf')];
    if (min !== undefined) conditions.push((c) => `${c} >= ${min}`);
    if (xmin !== undefined) conditions.push((c) => `${c} > ${xmin}`);
    if (max !== undefined) conditions.push((c) => `${c} <= ${max}`);
    if (xmax !== undefined) conditions.push((c) => `${c} < ${xmax}`);
    if (multiple !== undefined) {
      if (type === 'integer' && Number.isInteger(multiple)) conditions.push((c) => `${c} % ${multiple} = 0`);
      else left.push('multipleOf');
    }
    const listed = values?.filter((v): v is number => typeof v === 'number');
    const low = min ?? xmin ?? (listed?.length ? Math.min(...listed) : undefined);
    const high = max ?? xmax ?? (listed?.length ? Math.max(...listed) : undefined);
    const kind: StoredKind = type === 'number' ? 'double precision' : low !== undefined && high !== undefined && low >= -INT4 && high <= INT4 ? 'integer' : 'bigint';
    return { kind, bounds: (c) => conditions.map((f) => f(c)), leftToValidator: left };
  }
  if (type === 'boolean') return { kind: 'boolean', bounds: (c) => conditions.map((f) => f(c)), leftToValidator: left };
  if (type === 'string') {
    const format = schema['format'];
    // Instants and days are kept as the text that was sent, never as timestamptz or date: the contract allows
    // nine fractional digits and year 0000, PostgreSQL's types hold six and start at 4713 BC without a year 0
    // in ISO spelling, and a typed value is read back in another spelling (".120Z" as ".12Z"). Text round-trips
    // every value the validator accepts; the cross-field rules compare instants through telemetry_instant_order.
    if (typeof format === 'string') left.push(`format ${format}${format === 'date-time' || format === 'date' ? ' (a day that exists)' : ''}`);
    if (typeof schema['minLength'] === 'number') conditions.push((c) => `char_length(${c}) >= ${schema['minLength'] as number}`);
    if (typeof schema['maxLength'] === 'number') conditions.push((c) => `char_length(${c}) <= ${schema['maxLength'] as number}`);
    if (typeof schema['pattern'] === 'string') {
      try {
        const pattern = toSqlPattern(schema['pattern']);
        conditions.push((c) => `${c} ~ ${sqlString(pattern)}`);
      } catch (error) {
        if (!(error instanceof PatternError)) throw error;
        problems.push({ where, what: `${error.message}: the storage CHECK cannot restate it`, rule: 'storage-pattern', fix: 'keep the pattern to literals, escapes, classes, groups and quantifiers', severity: 'error' });
      }
    }
    return { kind: 'text', bounds: (c) => conditions.map((f) => f(c)), leftToValidator: left, ...(format === 'date-time' ? { instant: true } : {}) };
  }
  return undefined;
}

function arrayShape(schema: JsonSchema, where: string, problems: Finding[]): Shape {
  const items = isSchemaObject(schema['items']) ? schema['items'] : undefined;
  const item = items === undefined ? undefined : scalarShape(items, `${where}[]`, problems);
  const count = (c: string) => (item === undefined ? `jsonb_array_length(${c})` : `cardinality(${c})`);
  const bounds = (c: string) => [
    ...(item === undefined ? [`jsonb_typeof(${c}) = 'array'`] : []),
    ...(typeof schema['minItems'] === 'number' ? [`${count(c)} >= ${schema['minItems'] as number}`] : []),
    ...(typeof schema['maxItems'] === 'number' ? [`${count(c)} <= ${schema['maxItems'] as number}`] : []),
  ];
  if (item === undefined || item.kind === 'jsonb') {
    return { kind: 'jsonb', bounds, leftToValidator: ['the items\' own keywords', ...(schema['uniqueItems'] === true ? ['uniqueItems'] : [])] };
  }
  return {
    kind: `${item.kind}[]` as StoredKind,
    bounds,
    items: { kind: item.kind, bounds: item.bounds, unique: schema['uniqueItems'] === true },
    leftToValidator: item.leftToValidator.map((k) => `${k} of the items`),
  };
}

function itemsFunction(column: string, items: NonNullable<Shape['items']>): { name: string; sql: string } | undefined {
  const checks = items.bounds('item');
  if (checks.length === 0 && !items.unique) return undefined;
  const all = checks.length === 0 ? 'true' : `coalesce(bool_and(${checks.join(' AND ')}), true)`;
  const body = `SELECT ${all}${items.unique ? ' AND count(DISTINCT item) = count(*)' : ''} FROM unnest(items) AS item`;
  const name = `${column.slice(0, 40)}_items_${hash8(`${items.kind}\n${body}`)}`;
  return {
    name,
    sql: [
      `CREATE FUNCTION ${name}(items ${items.kind}[]) RETURNS boolean`,
      '  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE',
      `  AS $items$ ${body} $items$;`,
    ].join('\n'),
  };
}

const SORTED_FUNCTION = 'telemetry_sorted_by_code_point';
const SORTED_SQL = [
  '-- Ascending Unicode code point order: the C collation compares UTF-8 bytes, which sort as code points do.',
  `CREATE FUNCTION ${SORTED_FUNCTION}(items text[]) RETURNS boolean`,
  '  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE',
  '  AS $sorted$ SELECT coalesce(bool_and(items[i] COLLATE "C" <= items[i + 1] COLLATE "C"), true) FROM generate_subscripts(items, 1) AS i WHERE i < array_upper(items, 1) $sorted$;',
].join('\n');

const INSTANT_ORDER_FUNCTION = 'telemetry_instant_order';
const INSTANT_ORDER_SQL = [
  '-- A contract instant (its column checks the spelling) as fixed-width text whose C order is time order: the fraction padded to nine digits.',
  `CREATE FUNCTION ${INSTANT_ORDER_FUNCTION}(instant text) RETURNS text`,
  '  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE',
  "  AS $instant$ SELECT left(instant, 19) || rpad(substr(instant, 21, greatest(char_length(instant) - 21, 0)), 9, '0') $instant$;",
].join('\n');

/** The columns and table constraints one version needs; a field in `keep` has its column even when now kept P0D. */
function versionTable({ contract, schema }: StorageVersionInput, problems: Finding[], keep: ReadonlySet<string> = new Set()): VersionTable {
  const columns: VersionColumn[] = [];
  const where = (field: string) => `${contract.source}: ${field}`;
  const add = (field: string, source: StoredSource, fieldSchema: JsonSchema, required: boolean, record: PrivacyRecord | undefined) => {
    if (record === undefined) {
      problems.push({ where: where(field), what: 'has no privacy record, so its column would have no retention', rule: 'storage-record', severity: 'error' });
      return;
    }
    if (record.retention === 'P0D' && !keep.has(field)) return;
    const name = 'body' in source ? snake(source.body.join('_')) : snake(source.header.replace(/^x-telemetry-/, ''));
    if (name.length > 57) {
      problems.push({ where: where(field), what: `its column name ${name} is longer than PostgreSQL allows with its constraint's suffix (57 characters)`, rule: 'storage-column', fix: 'shorten the field name or its parents\'', severity: 'error' });
      return;
    }
    const clash = columns.find((c) => c.column === name);
    if (clash !== undefined || FIXED_COLUMNS.some((c) => c.name === name)) {
      problems.push({ where: where(field), what: `its column name ${name} is already taken${clash ? ` by ${clash.field}` : ' by the store'}`, rule: 'storage-column', fix: 'rename the field', severity: 'error' });
      return;
    }
    const types = typesOf(fieldSchema);
    const shape = types.includes('array') ? arrayShape(fieldSchema, where(field), problems) : (scalarShape(fieldSchema, where(field), problems) ?? { kind: 'jsonb' as const, bounds: () => [], leftToValidator: ['every keyword (no column type restates it)'] });
    const sealed = isSealed(source, record);
    if (sealed && shape.kind !== 'text' && shape.kind !== 'jsonb') {
      problems.push({ where: where(field), what: `can identify a customer (category ${record.category}), so it is stored encrypted, which a ${shape.kind} column cannot be`, rule: 'storage-sealed', fix: 'make it a string, or give it a category that is not personal data', severity: 'error' });
      return;
    }
    if (sealed) {
      // The database holds ciphertext: it can bound its length, nothing else.
      const min = typeof fieldSchema['minLength'] === 'number' ? (fieldSchema['minLength'] as number) : 0;
      const max = typeof fieldSchema['maxLength'] === 'number' ? (fieldSchema['maxLength'] as number) : undefined;
      columns.push({
        column: name,
        field,
        source,
        kind: shape.kind,
        instant: false,
        retention: record.retention,
        expiresAlone: false,
        record,
        required,
        alwaysSet: required,
        sealed: true,
        bounds: [`octet_length(${name}) >= ${SEAL_OVERHEAD + min}`, ...(max === undefined || shape.kind !== 'text' ? [] : [`octet_length(${name}) <= ${SEAL_OVERHEAD + 4 * max}`])],
        leftToValidator: ['every keyword (the column holds the value encrypted; its length bounds the ciphertext\'s)'],
      });
      return;
    }
    const functionOf = shape.items === undefined ? undefined : itemsFunction(name, shape.items);
    columns.push({
      column: name,
      field,
      source,
      kind: shape.kind,
      instant: shape.instant === true,
      retention: record.retention,
      expiresAlone: false,
      record,
      required,
      alwaysSet: required,
      bounds: [...shape.bounds(name), ...(functionOf === undefined ? [] : [`${functionOf.name}(${name})`])],
      ...(functionOf === undefined ? {} : { itemsFunction: functionOf }),
      leftToValidator: shape.leftToValidator,
    });
  };
  const walk = (object: JsonSchema, path: readonly string[], required: boolean, inherited: PrivacyRecord | undefined) => {
    const properties = isSchemaObject(object['properties']) ? object['properties'] : {};
    const requiredNames = Array.isArray(object['required']) ? (object['required'] as unknown[]) : [];
    for (const [name, child] of Object.entries(properties)) {
      if (!isSchemaObject(child)) continue;
      const record = (child[PRIVACY_KEYWORD] as PrivacyRecord | undefined) ?? inherited;
      const childRequired = required && requiredNames.includes(name);
      const childPath = [...path, name];
      if (typesOf(child).includes('object') && isSchemaObject(child['properties']) && Object.keys(child['properties']).length > 0) walk(child, childPath, childRequired, record);
      else add(childPath.join('.'), { body: childPath }, child, childRequired, record);
    }
  };
  walk(schema, [], true, undefined);
  const version = columns.find((c) => c.field === VERSION_FIELD);
  if (version === undefined || !version.required) {
    problems.push({ where: where(VERSION_FIELD), what: 'is not a stored, required field: the store tells versions apart by it', rule: 'storage-version', severity: 'error' });
  }
  const headers = isSchemaObject(schema[HEADERS_KEYWORD]) ? schema[HEADERS_KEYWORD] : {};
  const headerProperties = isSchemaObject(headers['properties']) ? headers['properties'] : {};
  const requiredHeaders = Array.isArray(headers['required']) ? (headers['required'] as unknown[]) : [];
  for (const [name, child] of Object.entries(headerProperties)) {
    if (!isSchemaObject(child)) continue;
    const record = child[PRIVACY_KEYWORD] as PrivacyRecord | undefined;
    if (record?.retention === 'P0D' && !keep.has(name)) continue;
    const from = HEADER_SOURCES[name];
    if (from === undefined) {
      problems.push({ where: where(`header ${name}`), what: `is kept (${record?.retention ?? 'no retention'}) but ingest hands the store no value for it`, rule: 'storage-header', fix: 'give it retention P0D, or carry it in IngestSuccess and in HEADER_SOURCES of scripts/emit/storage-sql.ts', severity: 'error' });
      continue;
    }
    add(name, { header: name, from }, child, requiredHeaders.includes(name), record);
  }

  // A column cleared by purge before its row goes cannot be NOT NULL.
  const settled = columns.map((c) => {
    // The store reads and purges a row by its version: that column goes with the row, never before it.
    const expiresAlone = c.field !== VERSION_FIELD && !columns.every((o) => outlasts(c.retention, o.retention));
    return { ...c, expiresAlone, alwaysSet: c.alwaysSet && !expiresAlone };
  });

  const rules = new Map<string, string>();
  const ruleNotes: string[] = [];
  const functions = new Map<string, string>();
  for (const c of settled) if (c.itemsFunction) functions.set(c.itemsFunction.name, c.itemsFunction.sql);
  const columnAt = (pointer: string) => settled.find((c) => 'body' in c.source && `/${c.source.body.join('/')}` === pointer);
  for (const rule of contract.rules as readonly CrossFieldRule[]) {
    const name = `rule_${snake(rule.id)}`;
    if (rule.kind === 'instant-before') {
      const [earlier, later] = [columnAt(rule.earlier), columnAt(rule.later)];
      // Strictly before, as the contract says: both are kept exactly, so the database compares all nine digits too.
      if (earlier?.instant === true && later?.instant === true) {
        rules.set(name, `${INSTANT_ORDER_FUNCTION}(${earlier.column}) COLLATE "C" < ${INSTANT_ORDER_FUNCTION}(${later.column}) COLLATE "C"`);
        functions.set(INSTANT_ORDER_FUNCTION, INSTANT_ORDER_SQL);
      } else ruleNotes.push(`${rule.id}: its fields are not both stored as instants; the validator alone checks it`);
    } else {
      const list = columnAt(rule.path);
      if (list?.kind === 'text[]') {
        rules.set(name, `${SORTED_FUNCTION}(${list.column})`);
        functions.set(SORTED_FUNCTION, SORTED_SQL);
      } else ruleNotes.push(`${rule.id}: its list is not stored as text[]; the validator alone checks it`);
    }
  }
  return { version: contract.version, columns: settled, rules, ruleNotes, functions };
}

interface ColumnState {
  readonly name: string;
  readonly kind: StoredKind;
  /** Held encrypted: the column is bytea whatever `kind` the value has. */
  readonly sealed?: true;
  readonly notNull: boolean;
  readonly check: string | undefined;
  readonly comment: string;
}

interface TableState {
  readonly columns: readonly ColumnState[];
  readonly rules: ReadonlyMap<string, string>;
  readonly functions: ReadonlyMap<string, string>;
}

const FIXED_COLUMNS: readonly ColumnState[] = [
  {
    name: 'dedupe_key',
    kind: 'text',
    notNull: true,
    check: undefined,
    comment: 'The window\'s dedupe key, <license id>/<period start>/<period end> as canonical UTC instants: the primary key, so a window is stored once however often it arrives. Kept as long as its row: the license id and the window it spells last as long as the row\'s longest-kept field.',
  },
  {
    name: 'received_at',
    kind: 'timestamptz',
    notNull: true,
    check: undefined,
    comment: 'When the store accepted the report. Every retention period counts from it. Kept as long as its row.',
  },
  {
    name: 'body_digest',
    kind: 'text',
    notNull: true,
    check: "body_digest ~ '^[0-9a-f]{64}$'",
    comment: 'SHA-256 (hex) of the verified payload as canonical JSON: a window that arrives again with the same body is answered as stored, with another body refused (window-conflict). Reveals nothing the row does not hold. Kept as long as its row.',
  },
];

/** The table once versions[0..k] are all stored, oldest first. */
function tableState(tables: readonly VersionTable[]): TableState {
  const versions = tables.map((t) => t.version);
  const names: string[] = [];
  for (const t of tables) for (const c of t.columns) if (!names.includes(c.column)) names.push(c.column);
  const columns = names.map((name): ColumnState => {
    const defs = tables.map((t) => t.columns.find((c) => c.column === name));
    const present = defs.filter((d): d is VersionColumn => d !== undefined);
    const latest = present[present.length - 1]!;
    const everywhere = present.length === tables.length;
    const notNull = everywhere && present.every((d) => d.alwaysSet);
    const condition = (d: VersionColumn) => d.bounds.join(' AND ');
    const uniform = everywhere && present.every((d) => condition(d) === condition(latest) && d.alwaysSet === latest.alwaysSet);
    let check: string | undefined;
    if (latest.field === VERSION_FIELD) check = `${name} IN (${versions.join(', ')})`;
    else if (uniform) check = condition(latest) === '' ? undefined : condition(latest);
    else {
      const arms = tables.map((t, i) => {
        const d = defs[i];
        if (d === undefined) return `WHEN ${t.version} THEN ${name} IS NULL`;
        const parts = [...(d.alwaysSet ? [`${name} IS NOT NULL`] : []), ...d.bounds];
        return `WHEN ${t.version} THEN ${parts.length === 0 ? 'true' : parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`}`;
      });
      check = `CASE schema_version ${arms.join(' ')} ELSE ${name} IS NULL END`;
    }
    const notes = [
      ...(latest.expiresAlone ? [`Cleared by purge when its own retention ends, while its row stays${latest.required ? ' (so no NOT NULL, though the contract requires it)' : ''}.`] : []),
      ...(latest.leftToValidator.length > 0 ? [`The validator alone checks: ${latest.leftToValidator.join('; ')}.`] : []),
    ];
    if (latest.sealed) notes.unshift('Stored encrypted, never in clear: AES-256-GCM under the data key of its license (telemetry_data_keys, by data_key), which forget destroys.');
    const fieldWords = latest.field === name ? '' : `${'header' in latest.source ? 'Header' : 'Field'} ${latest.field}. `;
    return { name, kind: latest.kind, ...(latest.sealed ? { sealed: true as const } : {}), notNull, check, comment: `${fieldWords}${recordWords(latest.record)}${notes.length > 0 ? ` ${notes.join(' ')}` : ''}` };
  });
  const rules = new Map<string, string>();
  const ruleNames: string[] = [];
  for (const t of tables) for (const name of t.rules.keys()) if (!ruleNames.includes(name)) ruleNames.push(name);
  for (const name of ruleNames) {
    const defs = tables.map((t) => t.rules.get(name));
    const first = defs.find((d) => d !== undefined)!;
    if (defs.every((d) => d === first)) rules.set(name, first);
    else rules.set(name, `CASE schema_version ${tables.map((t, i) => `WHEN ${t.version} THEN ${defs[i] ?? 'true'}`).join(' ')} ELSE true END`);
  }
  const functions = new Map<string, string>();
  for (const t of tables) for (const [name, sql] of t.functions) functions.set(name, sql);
  return { columns: [...FIXED_COLUMNS, ...columns], rules, functions };
}

const checkName = (column: string) => `${column}_check`;

function columnDefinition(c: ColumnState): string {
  if (c.name === 'dedupe_key') return 'dedupe_key text COLLATE "C" PRIMARY KEY';
  return `${c.name} ${c.sealed ? 'bytea' : c.kind}${c.notNull ? ' NOT NULL' : ''}${c.check === undefined ? '' : ` CONSTRAINT ${checkName(c.name)} CHECK (${c.check})`}`;
}

const comment = (c: ColumnState) => `COMMENT ON COLUMN ${REPORTS_TABLE}.${c.name} IS ${sqlString(c.comment)};`;

/** The statements that take the table from `before` (nothing, for the first version) to `after`. */
function migrationStatements(before: TableState | undefined, after: TableState, problems: Finding[], where: string): string[] {
  const out: string[] = [];
  for (const [name, sql] of after.functions) if (!before?.functions.has(name)) out.push(sql);
  if (before === undefined) {
    const lines = [
      ...after.columns.map(columnDefinition),
      ...[...after.rules].map(([name, expression]) => `CONSTRAINT ${name} CHECK (${expression})`),
    ];
    out.push(`CREATE TABLE ${REPORTS_TABLE} (\n${lines.map((l) => `  ${l}`).join(',\n')}\n);`);
    out.push(`-- purge deletes by the time of receipt.\nCREATE INDEX ${REPORTS_TABLE}_received_at ON ${REPORTS_TABLE} (received_at);`);
    out.push(after.columns.map(comment).join('\n'));
    out.push(WINDOWS_DDL);
    return out;
  }
  const comments: string[] = [];
  for (const c of after.columns) {
    const old = before.columns.find((o) => o.name === c.name);
    if (old === undefined) {
      out.push(`ALTER TABLE ${REPORTS_TABLE} ADD COLUMN ${columnDefinition(c)};`);
      comments.push(comment(c));
      continue;
    }
    if (old.kind !== c.kind || old.sealed !== c.sealed) {
      const type = (t: ColumnState) => (t.sealed ? `${t.kind} stored encrypted` : t.kind);
      problems.push({ where, what: `column ${c.name} would change from ${type(old)} to ${type(c)}; stored reports of earlier versions keep the old type`, rule: 'storage-type-change', fix: 'give the changed field a new name, so it gets a column of its own', severity: 'error' });
      continue;
    }
    if (old.notNull && !c.notNull) out.push(`ALTER TABLE ${REPORTS_TABLE} ALTER COLUMN ${c.name} DROP NOT NULL;`);
    if (old.check !== c.check) {
      if (old.check !== undefined) out.push(`ALTER TABLE ${REPORTS_TABLE} DROP CONSTRAINT ${checkName(c.name)};`);
      if (c.check !== undefined) out.push(`ALTER TABLE ${REPORTS_TABLE} ADD CONSTRAINT ${checkName(c.name)} CHECK (${c.check});`);
    }
    if (old.comment !== c.comment) comments.push(comment(c));
  }
  for (const [name, expression] of after.rules) {
    const old = before.rules.get(name);
    if (old === expression) continue;
    if (old !== undefined) out.push(`ALTER TABLE ${REPORTS_TABLE} DROP CONSTRAINT ${name};`);
    out.push(`ALTER TABLE ${REPORTS_TABLE} ADD CONSTRAINT ${name} CHECK (${expression});`);
  }
  for (const name of before.rules.keys()) {
    if (!after.rules.has(name)) out.push(`ALTER TABLE ${REPORTS_TABLE} DROP CONSTRAINT ${name};`);
  }
  if (comments.length > 0) out.push(comments.join('\n'));
  return out;
}

export interface Storage {
  /** generated/v<N>/storage.sql of each version. */
  readonly migrations: ReadonlyMap<number, string>;
  /** What generated/storage.ts holds: the migrations and the columns, for the store. */
  readonly plan: StoragePlan;
  /** generated/storage.ts. */
  readonly module: string;
}

export function checksum(sql: string): string {
  return `sha256:${createHash('sha256').update(sql).digest('hex')}`;
}

/**
 * The table as the privacy records stand now (`current`, each version's
 * columns as its migration made them) against the one the migrations make
 * (`frozen`): the comments, NOT NULLs and column CHECKs that differ, or
 * undefined when none does. A column that only the current records would
 * have is a problem: starting to store a field needs a new version.
 */
function amendedTable(versions: readonly StorageVersionInput[], frozen: readonly VersionTable[], current: readonly VersionTable[], problems: Finding[]): StoragePlan['current'] {
  for (const [i, v] of versions.entries()) {
    if (v.released === undefined) continue;
    for (const c of current[i]!.columns) {
      if (frozen[i]!.columns.some((f) => f.column === c.column)) continue;
      problems.push({ where: `${v.contract.source}: ${c.field}`, what: `its amended retention ${c.retention} would give it a column, but released v${v.contract.version} stores nothing of it`, rule: 'amendment-storage', fix: `keep it P0D in v${v.contract.version}; storing it needs a new version (\`npm run draft\`)`, severity: 'error' });
    }
  }
  const [was, now] = [tableState(frozen), tableState(current)];
  const comments: Record<string, string> = {};
  const dropNotNull: string[] = [];
  const checks: Record<string, string | null> = {};
  for (const c of now.columns) {
    const old = was.columns.find((o) => o.name === c.name);
    if (old === undefined) continue;
    if (old.comment !== c.comment) comments[c.name] = c.comment;
    if (old.notNull && !c.notNull) dropNotNull.push(c.name);
    // The wire is frozen, so only whether a version's value may be cleared before its row can differ: `… IS NOT NULL` arms.
    if (old.check !== c.check) checks[checkName(c.name)] = c.check === undefined ? null : c.check;
  }
  return Object.keys(comments).length + dropNotNull.length + Object.keys(checks).length === 0 ? undefined : { comments, dropNotNull, checks };
}

/** Every version's migration and the store's module; throws FindingsError when a version cannot be stored. */
export function toStorage(versions: readonly StorageVersionInput[]): Storage {
  const problems: Finding[] = [];
  const tables = versions.map((v) => versionTable({ contract: v.contract, schema: v.released ?? v.schema }, problems));
  const migrations = new Map<number, string>();
  let before: TableState | undefined;
  for (const [i, { contract }] of versions.entries()) {
    const table = tables[i]!;
    const after = tableState(tables.slice(0, i + 1));
    const where = `generated/v${contract.version}/storage.sql`;
    const statements = migrationStatements(before, after, problems, where);
    const previous = i === 0 ? undefined : versions[i - 1]!.contract.version;
    const head = [
      `-- ${generatedHeader(contract)}`,
      `-- PostgreSQL storage of schema version ${contract.version} reports (PostgreSQL 15 or later; PGlite).`,
      previous === undefined
        ? '-- The first migration: it creates the table every later version ALTERs.'
        : `-- Applied after generated/v${previous}/storage.sql; it changes what version ${contract.version} needs and leaves earlier migrations as they are.`,
      '-- telemetry-contract/store-postgres migrate() applies it once and records it in telemetry_migrations.',
      ...table.ruleNotes.map((note) => `-- Not restated here: ${note}.`),
    ];
    const body = statements.length === 0 ? [`-- Version ${contract.version} stores what version ${previous} stores: nothing to change.`] : statements;
    migrations.set(contract.version, `${[...head, '', body.join('\n\n')].join('\n')}\n`);
    before = after;
  }
  // The store purges by the retention each field has now: each version's columns, with the records as amended.
  const amended = versions.some((v) => v.released !== undefined);
  const found: Finding[] = [];
  const columns = amended ? versions.map((v, i) => versionTable({ contract: v.contract, schema: v.schema }, found, new Set(tables[i]!.columns.map((c) => c.field)))) : tables;
  // What the current records cannot store (a header ingest hands no value for) is a problem too, once.
  const seen = new Set(problems.map((p) => JSON.stringify(p)));
  problems.push(...found.filter((p) => !seen.has(JSON.stringify(p))));
  const current = amended ? amendedTable(versions, tables, columns, problems) : undefined;
  if (problems.length > 0) throw new FindingsError(problems);
  const plan = storagePlan(versions, columns, migrations, current);
  return { migrations, plan, module: storageModule(plan) };
}

function storagePlan(versions: readonly StorageVersionInput[], tables: readonly VersionTable[], migrations: ReadonlyMap<number, string>, current: StoragePlan['current']): StoragePlan {
  const column = (c: VersionColumn): StoredColumn => ({ column: c.column, field: c.field, source: c.source, kind: c.kind, retention: c.retention, expiresAlone: c.expiresAlone, ...(c.sealed ? { sealed: true as const } : {}) });
  return {
    table: REPORTS_TABLE,
    migrationsTable: MIGRATIONS_TABLE,
    windowsTable: WINDOWS_TABLE,
    migrations: versions.map(({ contract }) => ({ version: contract.version, checksum: checksum(migrations.get(contract.version)!), sql: migrations.get(contract.version)! })),
    versions: Object.fromEntries(tables.map((t) => [t.version, { columns: t.columns.map(column) }])),
    ...(current === undefined ? {} : { current }),
  };
}

function storageModule(plan: StoragePlan): string {
  return [
    '// generated from schema/index.ts by `npm run generate`; do not edit',
    "import type { StoragePlan } from '../src/store/storage-plan.js';",
    '',
    '/**',
    ' * The PostgreSQL storage of every schema version: the migrations (generated/v<N>/storage.sql,',
    ' * byte for byte) and the columns each version fills, for telemetry-contract/store-postgres.',
    ' */',
    `export const storage: StoragePlan = ${JSON.stringify(plan, null, 2)};`,
    '',
  ].join('\n');
}
