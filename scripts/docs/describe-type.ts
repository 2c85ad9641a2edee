/**
 * A field's JSON Schema type and constraints in words, for reviewers who do
 * not read JSON Schema: "integer from 0 to 2^53 − 1", "RFC 3339 UTC
 * date-time", "sorted unique list of …, at most 256".
 */
import { UTC_DATE_TIME_PATTERN, UTC_MIDNIGHT_PATTERN } from '../../schema/types.js';
import type { JsonSchema } from '../contract/fields.js';
import { isSchemaObject } from '../contract/fields.js';
import { type Phrasing, code, text } from './mdast.js';

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  'date-time': 'RFC 3339 date-time',
  date: 'RFC 3339 full-date',
  uuid: 'UUID',
  uri: 'URI',
};

const groupDigits = (n: number) => n.toLocaleString('en-US');

function range(schema: JsonSchema): string | undefined {
  const min = schema['minimum'] as number | undefined;
  const max = schema['maximum'] as number | undefined;
  const xmin = schema['exclusiveMinimum'] as number | undefined;
  const xmax = schema['exclusiveMaximum'] as number | undefined;
  const upper = max === Number.MAX_SAFE_INTEGER ? '2^53 − 1' : max === undefined ? undefined : groupDigits(max);
  if (min !== undefined && upper !== undefined) return `from ${groupDigits(min)} to ${upper}`;
  const parts = [
    min !== undefined ? `≥ ${groupDigits(min)}` : undefined,
    xmin !== undefined ? `> ${groupDigits(xmin)}` : undefined,
    upper !== undefined ? `≤ ${upper}` : undefined,
    xmax !== undefined ? `< ${groupDigits(xmax)}` : undefined,
  ].filter(Boolean);
  return parts.length === 0 ? undefined : parts.join(', ');
}

function length(schema: JsonSchema, unit: string): string | undefined {
  const min = schema['minLength'] as number | undefined;
  const max = schema['maxLength'] as number | undefined;
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${max} ${unit}` : `${min} to ${max} ${unit}`;
  if (max !== undefined) return `at most ${max} ${unit}`;
  if (min !== undefined) return `at least ${min} ${unit}`;
  return undefined;
}

function joinClauses(head: Phrasing[], clauses: readonly (string | undefined)[]): Phrasing[] {
  const rest = clauses.filter((c): c is string => c !== undefined);
  return rest.length === 0 ? head : [...head, text(`, ${rest.join(', ')}`)];
}

export interface DescribeOptions {
  /** True when a cross-field rule keeps this array in code point order. */
  readonly sorted?: boolean;
  /** Inside a list: describe in the plural ("strings matching …"). */
  readonly plural?: boolean;
}

/** Describes one (sub)schema as Markdown phrasing: words, with patterns and constants as inline code. */
export function describeType(schema: JsonSchema, options: DescribeOptions = {}): Phrasing[] {
  const plural = options.plural === true;
  if (schema['const'] !== undefined) {
    return [text(plural ? 'each exactly ' : 'exactly '), code(JSON.stringify(schema['const']))];
  }
  // TypeBox writes a union of literals as anyOf of consts; both read as an enumeration.
  const branches = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  const enumerated = Array.isArray(schema['enum'])
    ? (schema['enum'] as unknown[])
    : Array.isArray(branches) && branches.every((b) => isSchemaObject(b) && b['const'] !== undefined)
      ? branches.map((b) => b['const'])
      : undefined;
  if (enumerated !== undefined) {
    const values = enumerated.flatMap((v, i) => [...(i > 0 ? [text(', ')] : []), code(JSON.stringify(v))]);
    return [text('one of '), ...values];
  }
  if (Array.isArray(branches)) {
    return branches.filter(isSchemaObject).flatMap((b, i) => [...(i > 0 ? [text(' or ')] : []), ...describeType(b, options)]);
  }
  switch (schema['type']) {
    case 'integer':
    case 'number': {
      const noun = schema['type'] === 'integer' ? 'integer' : 'number';
      return joinClauses([text(plural ? `${noun}s` : noun)], [range(schema)]);
    }
    case 'boolean':
      return [text(plural ? 'booleans' : 'boolean')];
    case 'string': {
      const format = schema['format'] as string | undefined;
      if (format === 'date-time' && schema['pattern'] === UTC_MIDNIGHT_PATTERN) {
        return [text(`UTC midnight${plural ? 's' : ''} (`), code('YYYY-MM-DDT00:00:00Z'), text(') of a year from 2000 to 2099')];
      }
      if (format === 'date-time' && schema['pattern'] === UTC_DATE_TIME_PATTERN) {
        return [text(`RFC 3339 UTC date-time${plural ? 's' : ''} (ending in `), code('Z'), text(', up to 9 fractional digits)')];
      }
      const head: Phrasing[] = format !== undefined ? [text(`${FORMAT_WORDS[format] ?? format}${plural ? 's' : ''}`)] : [text(plural ? 'strings' : 'string')];
      if (typeof schema['pattern'] === 'string') head.push(text(' matching '), code(schema['pattern']));
      return joinClauses(head, [length(schema, plural ? 'characters each' : 'characters')]);
    }
    case 'array': {
      const items = isSchemaObject(schema['items']) ? schema['items'] : {};
      const adjectives = [options.sorted ? 'sorted' : undefined, schema['uniqueItems'] === true ? 'unique' : undefined].filter(Boolean);
      const head: Phrasing[] = [text(`${adjectives.length > 0 ? `${adjectives.join(' ')} ` : ''}list of `), ...describeType(items, { plural: true })];
      const count = schema['maxItems'] as number | undefined;
      const min = schema['minItems'] as number | undefined;
      return joinClauses(head, [min !== undefined ? `at least ${min} items` : undefined, count !== undefined ? `at most ${count} items` : undefined]);
    }
    case 'object':
      return [text(plural ? 'objects (fields below)' : 'object (fields below)')];
    default:
      return [text('any JSON value')];
  }
}
