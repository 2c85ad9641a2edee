/**
 * The audit document's generated "How each promise is kept", and each
 * version's "What each value can be": every promise beside what enforces it
 * (a JSON Schema keyword, a contract rule, a privacy lint rule, a rule the
 * code answers with) and the tests that prove it, and what is someone else's
 * duty said as such. Pure functions from the contract and schema/promises.ts
 * to mdast; `npm run check` holds the references to what exists
 * (scripts/governance/promises-check.ts).
 */
import type { RootContent } from 'mdast';
import { PRIVACY_KEYWORD, type PrivacyRecord } from '../../schema/privacy.js';
import type { PromiseKeeping } from '../../schema/promises.js';
import { type ContractPromise, type PromiseSource, keepingOf, listPromises, parseKeeper, parseTestRef } from '../contract/promises.js';
import { type JsonSchema, isSchemaObject, listContractFields, typesOf } from '../contract/fields.js';
import { stringSchemaOf } from '../lint/values.js';
import { describeType } from './describe-type.js';
import { type Cell, type Phrasing, code, paragraph, strong, table, text } from './mdast.js';

const KIND_WORDS: Readonly<Record<string, string>> = {
  schema: 'JSON Schema',
  rule: 'contract rule',
  lint: 'privacy lint',
  runtime: 'runtime',
};

const join = (cells: readonly Phrasing[][], separator = '; '): Phrasing[] => cells.flatMap((cell, i) => [...(i > 0 ? [text(separator)] : []), ...cell]);

/** "`pattern` (JSON Schema)", "The operator's duty: …", "Not kept yet (pending issue 29 part A): …" */
export function keeperWords(keeper: string): Phrasing[] {
  const parsed = parseKeeper(keeper);
  if (parsed.kind === 'duty') {
    const whose = parsed.whose === undefined ? 'Someone else\'s duty' : `The ${parsed.whose}'s duty`;
    return [strong(`${whose}:`), text(` ${parsed.duty ?? parsed.what}`)];
  }
  if (parsed.kind === 'pending') {
    const split = parsed.what.indexOf(':');
    const [work, what] = split > 0 ? [parsed.what.slice(0, split), parsed.what.slice(split + 1).trim()] : ['later work', parsed.what];
    return [strong(`Not kept yet (pending: ${work}):`), text(` ${what}`)];
  }
  return [code(parsed.what), text(` (${KIND_WORDS[parsed.kind] ?? parsed.kind})`)];
}

function keptByCell(entry: PromiseKeeping | undefined): Cell {
  if (entry === undefined || entry.keptBy.length === 0) return [strong('Nothing names what keeps it:'), text(' '), code('npm run check'), text(' fails until schema/promises.ts does.')];
  return join(entry.keptBy.map(keeperWords));
}

function provedByCell(entry: PromiseKeeping | undefined): Cell {
  if (entry === undefined) return '';
  if (entry.provedBy.length === 0) return entry.keptBy.every((k) => ['duty', 'pending'].includes(parseKeeper(k).kind)) ? 'No test of this package can: see the keepers.' : '';
  return join(
    entry.provedBy.map((ref) => {
      const test = parseTestRef(ref);
      return test === undefined ? [text(ref)] : [code(test.file), text(`: ${test.title}`)];
    }),
  );
}

const versionsWords = (promise: ContractPromise) => (promise.versions.length === 0 ? '' : ` (${[...new Set(promise.versions)].map((v) => `v${v}`).join(', ')})`);

function promiseRows(promises: readonly ContractPromise[], keepers: readonly PromiseKeeping[], words: (promise: ContractPromise) => Cell): Cell[][] {
  return promises.map((promise) => {
    const entry = keepingOf(promise, keepers);
    return [words(promise), keptByCell(entry), provedByCell(entry)];
  });
}

/** The generated part "promises": three tables, one per kind of promise. */
export function promisesPart(source: PromiseSource & { readonly promises?: readonly PromiseKeeping[] }): RootContent[] {
  const keepers = source.promises ?? [];
  const promises = listPromises(source);
  const of = (kind: ContractPromise['kind']) => promises.filter((p) => p.kind === kind);
  const header = ['Promise', 'Kept by', 'Proved by'];
  return [
    paragraph(strong('What we deliberately do not collect.')),
    table(header, promiseRows(of('not-collected'), keepers, (p) => [strong(p.name), text(`${versionsWords(p)}: ${p.text}`)])),
    paragraph(strong('Balancing tests'), text(' (why each interest outweighs the data subjects\'):')),
    table(header, promiseRows(of('proportionality'), keepers, (p) => [code(p.name), text(`${versionsWords(p)}: ${p.text}`)])),
    paragraph(strong('Technical and organisational measures'), text(' (Art. 30(1)(g)):')),
    table(header, promiseRows(of('measure'), keepers, (p) => p.text)),
  ];
}

/** What a field can hold in words: its record's `values.are` for a string, its type in words otherwise. */
function canHold(schema: JsonSchema, record: PrivacyRecord | undefined): Cell {
  if (record?.values !== undefined) return record.values.are;
  return describeType(schema);
}

/** Keepers of a field without `values`: the keywords that bound its type. */
function typeKeepers(schema: JsonSchema): string[] {
  return ['const', 'enum', 'minimum', 'maximum', 'maxItems'].filter((k) => schema[k] !== undefined).map((k) => `schema:${k}`);
}

/** A version's "What each value can be": every field and header, what it can hold and what keeps it so. */
export function valuesPart({ schema }: { readonly schema: JsonSchema }): RootContent[] {
  const rows = listContractFields(schema)
    .filter((field) => !field.isItems || typesOf(field.schema).includes('object'))
    .filter((field) => !typesOf(field.schema).includes('object'))
    .map((field): Cell[] => {
      const record = isSchemaObject(field.schema[PRIVACY_KEYWORD]) ? (field.schema[PRIVACY_KEYWORD] as unknown as PrivacyRecord) : undefined;
      const keepers = record?.values?.keptBy ?? (stringSchemaOf(field) === undefined ? typeKeepers(field.schema) : []);
      return [[code(field.header === true ? `header ${field.path}` : field.path)], canHold(field.schema, record), keepers.length === 0 ? '' : join(keepers.map(keeperWords))];
    });
  return [table(['Field', 'Can hold', 'Kept so by'], rows)];
}
