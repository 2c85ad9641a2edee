/**
 * What a string can be, said and kept. Every string field (and list of
 * strings) says in its privacy record what values it can hold and what keeps
 * it to them (`values`); the audit document shows both. A pattern alone keeps
 * a field to a shape, not to a meaning: a field whose schema allows more than
 * FREE_TEXT_BITS bits (two bytes of chosen text) must also name something
 * beyond the schema that bounds it, a rule of the contract, a rule the runtime
 * answers with, or someone's duty, or it is refused as free text.
 */
import { KEEPER_KINDS, PRIVACY_KEYWORD } from '../../schema/privacy.js';
import type { Finding } from '../cli/findings.js';
import { type Field, type JsonSchema, isSchemaObject, typesOf } from '../contract/fields.js';
import { listContractFields } from '../contract/fields.js';
import { parseKeeper } from '../contract/promises.js';
import { listCapacity, stringCapacity } from './capacity.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

type Yielded = Omit<Finding, 'rule' | 'severity'>;

/** A string whose schema allows more values than 2^16 can carry chosen text: a name, an address, a phone number. */
export const FREE_TEXT_BITS = 16;

/** Keeper kinds that bound a value beyond its schema's shape. */
const BEYOND_SCHEMA: readonly string[] = ['rule', 'runtime', 'duty', 'pending'];

/** The string schema a field's values are made of: its own, or its items' for a list of strings; undefined for other fields. */
export function stringSchemaOf(field: Field): { readonly schema: JsonSchema; readonly list: boolean } | undefined {
  if (field.isItems) return undefined;
  if (typesOf(field.schema).includes('string')) return { schema: field.schema, list: false };
  const items = field.schema['items'];
  if (typesOf(field.schema).includes('array') && isSchemaObject(items) && typesOf(items).includes('string')) return { schema: items, list: true };
  return undefined;
}

/** How many bits a string field (or a list of strings) can carry, by its schema. */
export function fieldCapacity(field: Field): { readonly bits: number; readonly exact: boolean } | undefined {
  const strings = stringSchemaOf(field);
  if (strings === undefined) return undefined;
  const item = stringCapacity(strings.schema);
  if (!strings.list) return item;
  return { bits: listCapacity(item.bits, typeof field.schema['maxItems'] === 'number' ? field.schema['maxItems'] : undefined), exact: item.exact };
}

/** "about 160 bits (20 characters of ASCII text)", "any amount" */
export function capacityWords(bits: number): string {
  if (!Number.isFinite(bits)) return 'any amount of text';
  const rounded = bits < 10 ? Math.round(bits * 10) / 10 : Math.round(bits);
  return `about ${rounded.toLocaleString('en-US')} bits (${Math.floor(bits / 8).toLocaleString('en-US')} bytes of chosen text)`;
}

function recordValues(field: Field): { readonly are?: unknown; readonly keptBy?: unknown } | undefined {
  const record = field.schema[PRIVACY_KEYWORD];
  if (!isSchemaObject(record)) return undefined;
  const values = record['values'];
  return isSchemaObject(values) ? values : undefined;
}

/** The keepers a field names, split into kind and what. */
export function keepersOf(field: Field): Array<{ readonly kind: string; readonly what: string; readonly text: string }> {
  const keptBy = recordValues(field)?.keptBy;
  if (!Array.isArray(keptBy)) return [];
  return keptBy.map((k) => ({ ...parseKeeper(String(k)), text: String(k) }));
}

/**
 * Every string field says what values it can hold (`values.are`) and what
 * keeps it to them (`values.keptBy`), each keeper well formed: a keyword the
 * field's schema has, a rule the contract declares.
 */
export function* checkValuesStated({ contract, schema }: LintContext): Iterable<Yielded> {
  const rules = new Set(contract.rules.map((r) => r.id));
  for (const field of listContractFields(schema)) {
    const strings = stringSchemaOf(field);
    if (strings === undefined || !isSchemaObject(field.schema[PRIVACY_KEYWORD])) continue;
    const values = recordValues(field);
    const add = 'add values: { are: "<what it can be, in words>", keptBy: ["schema:pattern", …] } to its privacy record';
    if (values === undefined || typeof values.are !== 'string' || values.are.trim().split(/\s+/).length < 2) {
      yield { where: fieldName(field), what: `does not say what values it can hold (privacy record: values.are)`, fix: add };
      continue;
    }
    const keepers = keepersOf(field);
    if (keepers.length === 0) {
      yield { where: fieldName(field), what: 'names nothing that keeps it to its values (privacy record: values.keptBy)', fix: add };
      continue;
    }
    for (const keeper of keepers) {
      if (!(KEEPER_KINDS as readonly string[]).includes(keeper.kind) || keeper.what === '') {
        yield { where: fieldName(field), what: `values.keptBy "${keeper.text}" is not <kind>:<what>`, fix: `start it with one of ${KEEPER_KINDS.map((k) => `${k}:`).join(', ')}` };
      } else if (keeper.kind === 'schema' && strings.schema[keeper.what] === undefined && field.schema[keeper.what] === undefined) {
        yield { where: fieldName(field), what: `values.keptBy names the schema keyword ${keeper.what}, which the field's schema does not have`, fix: 'name a keyword the field has (pattern, format, const, maxItems…), or remove it' };
      } else if (keeper.kind === 'rule' && !rules.has(keeper.what)) {
        yield { where: fieldName(field), what: `values.keptBy names the rule ${keeper.what}, which the contract does not declare`, fix: `name one of ${[...rules].join(', ') || 'its rules (it has none)'}` };
      }
    }
  }
}

/**
 * A string field whose schema allows more than FREE_TEXT_BITS bits is free
 * text unless its record names what bounds it beyond the schema: a contract
 * rule, a runtime rule id, a duty, or pending work that check reports.
 */
export function* checkFreeText({ schema }: LintContext): Iterable<Yielded> {
  for (const field of listContractFields(schema)) {
    const capacity = fieldCapacity(field);
    if (capacity === undefined || capacity.bits <= FREE_TEXT_BITS) continue;
    if (keepersOf(field).some((k) => BEYOND_SCHEMA.includes(k.kind) && k.what !== '')) continue;
    const measured = capacity.exact ? 'by its pattern and length' : 'by its length (its pattern holds a construct the measure cannot read)';
    yield {
      where: fieldName(field),
      what: `can carry free text: ${measured} it allows ${capacityWords(capacity.bits)}, more than the ${FREE_TEXT_BITS} bits a value may carry on its schema alone`,
      fix: 'narrow the pattern and maxLength until the value cannot spell a name, or say in values.keptBy what bounds it beyond the schema (rule:<contract rule>, runtime:<rule id the code answers with>, duty:<whose>: <what>)',
    };
  }
}
