/**
 * Conformance vectors: valid and invalid payloads derived from a version's
 * JSON Schema, so a server or uploader in any language can prove it accepts
 * and refuses exactly what this package does. Nothing is written per field:
 * the boundaries come from the keywords (type, const, enum, minimum/maximum,
 * minLength/maxLength, pattern, format, maxItems, uniqueItems, required,
 * additionalProperties) and from the `x-rules` cross-field rules.
 *
 * Every vector is one base payload (valid, every field present) changed by a
 * JSON Patch (RFC 6902: `add`, `replace`, `remove`), so the file grows with the
 * number of fields, not with its square. Each is run through the reference
 * validator while it is made; a vector whose outcome differs from what it is
 * meant to show stops generation, so a mislabelled vector is never published.
 * The vectors of a version depend on that version's schema alone.
 */
import fc from 'fast-check';
import type { CrossFieldRule } from '../../schema/rules.js';
import { type ValidationResult, escapePointerToken, pointerTokens } from '../../src/contract/errors.js';
import { type JsonSchema, enumerated, isSchemaObject, listFields, typesOf } from '../contract/fields.js';
import type { PatchOperation } from './json-patch.js';
import { validatePatches } from './patch-batches.js';
import { longestMatch, shortestMatch } from './regex-sample.js';

export type { PatchOperation } from './json-patch.js';

export interface Vector {
  readonly id: string;
  readonly description: string;
  readonly valid: boolean;
  /** Applied to the file's `base` payload, it gives this vector's payload. */
  readonly patch: readonly PatchOperation[];
  /** For an invalid vector: every error the reference validator reports, as JSON Pointer and rule id. */
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly rule: string }>;
}

export interface ConformanceVectors {
  /** A valid payload with every field, optional ones included, each at its least valid value. */
  readonly base: unknown;
  readonly vectors: readonly Vector[];
}

type Validate = (value: unknown) => ValidationResult<unknown>;
type Expect = 'valid' | { readonly path: string; readonly rule: string };

/** The version no contract ever has: versions count from 1. */
export const UNSUPPORTED_VERSION = 0;

/** Instants far apart, so a boundary value of one date-time field never trips an ordering rule. */
const EARLY = '2020-01-01T00:00:00Z';
const LATE = '2030-01-01T00:00:00Z';

/** Format edge cases, by format name: a value and the rule it breaks (or 'valid'). */
const FORMAT_EDGES: Readonly<Record<string, ReadonlyArray<readonly [name: string, value: string, rule: 'valid' | 'format' | 'pattern' | 'maxLength']>>> = {
  'date-time': [
    ['leap-day', '2024-02-29T00:00:00Z', 'valid'],
    ['longest', '2024-12-31T23:59:59.999999999Z', 'valid'],
    ['february-30', '2026-02-30T00:00:00Z', 'format'],
    ['february-29-common-year', '2026-02-29T00:00:00Z', 'format'],
    ['april-31', '2026-04-31T00:00:00Z', 'format'],
    ['hour-24', '2026-01-01T24:00:00Z', 'pattern'],
    ['leap-second', '2016-12-31T23:59:60Z', 'pattern'],
    ['offset-instead-of-z', '2026-01-01T00:00:00+00:00', 'pattern'],
    ['lowercase-z', '2026-01-01T00:00:00z', 'pattern'],
    ['too-precise', '2026-01-01T00:00:00.1234567891Z', 'maxLength'],
    ['noon', '2026-01-01T12:00:00Z', 'valid'],
    ['year-1999', '1999-12-31T00:00:00Z', 'valid'],
  ],
};

/** A field's own pattern, as a test: a format edge it refuses breaks `pattern` instead of being valid. */
function patternAccepts(schema: JsonSchema, value: string): boolean {
  return typeof schema['pattern'] !== 'string' || new RegExp(schema['pattern'], 'u').test(value);
}

/** The closest two instants in order that both fields' patterns spell: a nanosecond apart, or else a day. */
function closestInOrder(earlier: JsonSchema, later: JsonSchema): readonly [name: string, earlier: string, later: string] {
  const candidates = [
    ['nanosecond-apart', '2026-01-01T00:00:00.000000001Z', '2026-01-01T00:00:00.000000002Z'],
    ['day-apart', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
  ] as const;
  return candidates.find(([, a, b]) => patternAccepts(earlier, a) && patternAccepts(later, b)) ?? candidates[1];
}

const WRONG_TYPES: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['boolean', true],
  ['integer', 7],
  ['fraction', 0.5],
  ['string', 'x'],
  ['array', []],
  ['object', {}],
];

function accepts(types: readonly string[], sample: string): boolean {
  if (types.length === 0) return true;
  if (sample === 'integer') return types.includes('integer') || types.includes('number');
  if (sample === 'fraction') return types.includes('number');
  return types.includes(sample);
}

/** A valid value for a subschema: the least one by every keyword. */
function validValue(schema: JsonSchema): unknown {
  const values = enumerated(schema);
  if (values !== undefined) return values[0];
  const types = typesOf(schema);
  if (types.includes('boolean')) return false;
  if (types.includes('integer') || types.includes('number')) {
    if (typeof schema['minimum'] === 'number') return schema['minimum'];
    if (typeof schema['exclusiveMinimum'] === 'number') return schema['exclusiveMinimum'] + 1;
    return 0;
  }
  if (types.includes('string')) {
    if (schema['format'] === 'date-time') return EARLY;
    if (schema['format'] === 'date') return EARLY.slice(0, 10);
    const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
    if (typeof schema['pattern'] === 'string') {
      const shortest = shortestMatch(schema['pattern']);
      return shortest.length >= min ? shortest : longestMatch(schema['pattern'], min);
    }
    return 'x'.repeat(Math.max(1, min));
  }
  if (types.includes('array')) return isSchemaObject(schema['items']) ? [validValue(schema['items'])] : [];
  if (types.includes('object')) {
    const properties = isSchemaObject(schema['properties']) ? schema['properties'] : {};
    return Object.fromEntries(Object.entries(properties).filter(([, s]) => isSchemaObject(s)).map(([k, s]) => [k, validValue(s as JsonSchema)]));
  }
  return null;
}

/** `a.b` → `/a/b`; `a[]` → `/a/0`; `a[].b` → `/a/0/b`. */
function pointerOf(path: string): string {
  return `/${path.replace(/\[\]/g, '.0').split('.').map(escapePointerToken).join('/')}`;
}

/** `count` distinct valid items for a list, sorted by code point (which satisfies a sortedness rule). */
function distinctItems(items: JsonSchema, count: number): unknown[] {
  const types = typesOf(items);
  if ((types.includes('integer') || types.includes('number')) && enumerated(items) === undefined) {
    const start = typeof items['minimum'] === 'number' ? items['minimum'] : 0;
    return Array.from({ length: count }, (_, i) => start + i);
  }
  if (types.includes('string') && typeof items['pattern'] === 'string' && enumerated(items) === undefined) {
    const max = typeof items['maxLength'] === 'number' ? items['maxLength'] : 64;
    const pattern = new RegExp(items['pattern'], 'u');
    const arbitrary = fc.uniqueArray(fc.stringMatching(pattern).filter((s) => [...s].length <= max && s.length >= 1), { minLength: count, maxLength: count });
    // A fixed seed keeps the vectors byte-for-byte the same on every run.
    const [sample] = fc.sample(arbitrary, { seed: 20261125, numRuns: 1 });
    return [...sample!].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return [];
}

interface Draft {
  readonly id: string;
  readonly description: string;
  readonly patch: readonly PatchOperation[];
  readonly expect: Expect;
}

const replace = (path: string, value: unknown): PatchOperation => ({ op: 'replace', path, value });
const add = (path: string, value: unknown): PatchOperation => ({ op: 'add', path, value });
const remove = (path: string): PatchOperation => ({ op: 'remove', path });

/** Every vector for one version. `validate` is the reference validator of this version alone (schema, cross-field rules). */
export function conformanceVectors(schema: JsonSchema, validate: Validate): ConformanceVectors {
  const rules = (schema['x-rules'] ?? []) as CrossFieldRule[];
  const base = validValue(schema) as Record<string, unknown>;
  // Instants far apart, so a boundary value of one date-time field never trips an ordering rule.
  for (const rule of rules) {
    if (rule.kind === 'instant-before') {
      const set = (pointer: string, value: string) => {
        const tokens = pointerTokens(pointer);
        let node = base as Record<string, unknown>;
        for (const token of tokens.slice(0, -1)) node = node[token] as Record<string, unknown>;
        node[tokens[tokens.length - 1]!] = value;
      };
      set(rule.earlier, EARLY);
      set(rule.later, LATE);
    }
  }
  const fields = listFields(schema);
  // Optional fields whose every enclosing object is required: leaving each out gives the smallest valid payload.
  const optional = fields.filter((f) => !f.required && !f.isItems);
  const outermostOptional = optional.filter((f) => !optional.some((o) => f.path.startsWith(`${o.path}.`) || f.path.startsWith(`${o.path}[]`)));
  const drafts: Draft[] = [
    { id: 'valid/all-fields', description: 'Every field, optional ones included, at its least valid value: the base payload itself.', patch: [], expect: 'valid' },
    { id: 'valid/required-only', description: 'Only the required fields.', patch: outermostOptional.map((f) => remove(pointerOf(f.path))), expect: 'valid' },
  ];

  for (const [name, value] of [['null', null], ['array', []], ['string', 'x'], ['number', 1]] as const) {
    drafts.push({ id: `root/${name}`, description: `The payload is ${name === 'array' ? 'an array' : name === 'null' ? 'null' : `a ${name}`}, not an object.`, patch: [replace('', value)], expect: { path: '', rule: 'type' } });
  }
  drafts.push({ id: 'root/unknown-field', description: 'A field the contract does not declare.', patch: [add('/unknownField', 1)], expect: { path: '/unknownField', rule: 'additionalProperties' } });

  const version = enumerated(((schema['properties'] as JsonSchema | undefined)?.['schemaVersion'] as JsonSchema | undefined) ?? {})?.[0];
  if (typeof version === 'number') {
    drafts.push({ id: 'root/unsupported-version', description: `schemaVersion ${UNSUPPORTED_VERSION}, a version that never exists (versions count from 1).`, patch: [replace('/schemaVersion', UNSUPPORTED_VERSION)], expect: { path: '/schemaVersion', rule: 'unsupported-version' } });
  }

  for (const field of fields) {
    const pointer = pointerOf(field.path);
    const s = field.schema;
    const id = (what: string) => `${field.path}/${what}`;
    const set = (value: unknown) => [replace(pointer, value)];
    const types = typesOf(s);

    if (field.required && !field.isItems) {
      drafts.push({ id: id('missing'), description: `${field.path} is left out.`, patch: [remove(pointer)], expect: { path: pointer, rule: 'required' } });
    }
    for (const [name, value] of WRONG_TYPES) {
      if (accepts(types, name) || types.length === 0) continue;
      drafts.push({ id: id(`type-${name}`), description: `${field.path} is ${name === 'fraction' ? 'a fraction' : `a(n) ${name}`}.`, patch: set(value), expect: { path: pointer, rule: 'type' } });
    }
    const values = enumerated(s);
    // schemaVersion is the dispatch key: another value is an unsupported version, covered at the root.
    if (values !== undefined && (types.includes('integer') || types.includes('number')) && field.path !== 'schemaVersion') {
      const other = Math.max(...values.filter((v): v is number => typeof v === 'number')) + 1;
      drafts.push({ id: id('not-allowed'), description: `${field.path} is ${other}, not an allowed value.`, patch: set(other), expect: { path: pointer, rule: s['const'] !== undefined ? 'const' : 'enum' } });
    }
    if ((types.includes('integer') || types.includes('number')) && values === undefined) {
      if (typeof s['minimum'] === 'number') {
        drafts.push({ id: id('minimum'), description: `${field.path} at its minimum, ${s['minimum']}.`, patch: set(s['minimum']), expect: 'valid' });
        drafts.push({ id: id('below-minimum'), description: `${field.path} one below its minimum.`, patch: set((s['minimum'] as number) - 1), expect: { path: pointer, rule: 'minimum' } });
      }
      if (typeof s['maximum'] === 'number') {
        drafts.push({ id: id('maximum'), description: `${field.path} at its maximum, ${s['maximum']}.`, patch: set(s['maximum']), expect: 'valid' });
        drafts.push({ id: id('above-maximum'), description: `${field.path} one above its maximum.`, patch: set((s['maximum'] as number) + 1), expect: { path: pointer, rule: 'maximum' } });
      }
    }
    if (types.includes('string') && values === undefined) {
      const format = s['format'] as string | undefined;
      const pattern = s['pattern'] as string | undefined;
      const max = s['maxLength'] as number | undefined;
      if (format !== undefined && FORMAT_EDGES[format] !== undefined) {
        for (const [name, value, edge] of FORMAT_EDGES[format]!) {
          // An edge the format allows may still be one the field's pattern does not (a time of day where only midnights are).
          const rule = edge !== 'maxLength' && !patternAccepts(s, value) ? 'pattern' : edge;
          drafts.push({ id: id(`${format}-${name}`), description: `${field.path} is ${JSON.stringify(value)}.`, patch: set(value), expect: rule === 'valid' ? 'valid' : { path: pointer, rule } });
        }
      } else if (pattern !== undefined) {
        const shortest = validValue(s) as string;
        const longest = longestMatch(pattern, max ?? shortest.length + 64);
        drafts.push({ id: id('shortest'), description: `${field.path} at its shortest valid length (${[...shortest].length}).`, patch: set(shortest), expect: 'valid' });
        drafts.push({ id: id('longest'), description: `${field.path} at its longest valid length (${[...longest].length}).`, patch: set(longest), expect: 'valid' });
        if (max !== undefined) {
          drafts.push({ id: id('too-long'), description: `${field.path} one character longer than maxLength ${max}.`, patch: set(longest + longest.slice(-1).repeat(max + 1 - [...longest].length)), expect: { path: pointer, rule: 'maxLength' } });
        }
        if (typeof s['minLength'] === 'number' && s['minLength'] > 0) {
          drafts.push({ id: id('too-short'), description: `${field.path} one character shorter than minLength ${s['minLength']}.`, patch: set(shortest.slice(0, (s['minLength'] as number) - 1)), expect: { path: pointer, rule: 'minLength' } });
        }
        drafts.push({ id: id('pattern'), description: `${field.path} starts with a character the pattern does not allow.`, patch: set(`\u0000${shortest.slice(1)}`), expect: { path: pointer, rule: 'pattern' } });
      }
    }
    if (types.includes('array') && isSchemaObject(s['items'])) {
      const maxItems = s['maxItems'] as number | undefined;
      const item = validValue(s['items']);
      if (maxItems !== undefined) {
        const distinct = s['uniqueItems'] === true ? distinctItems(s['items'], maxItems + 1) : Array.from({ length: maxItems + 1 }, () => item);
        if (distinct.length === maxItems + 1) {
          drafts.push({ id: id('max-items'), description: `${field.path} with ${maxItems} items, the most allowed.`, patch: set(distinct.slice(0, maxItems)), expect: 'valid' });
          drafts.push({ id: id('too-many-items'), description: `${field.path} with ${maxItems + 1} items.`, patch: set(distinct), expect: { path: pointer, rule: 'maxItems' } });
        }
      }
      if (s['uniqueItems'] === true) {
        drafts.push({ id: id('duplicate'), description: `${field.path} with the same item twice.`, patch: set([item, item]), expect: { path: `${pointer}/1`, rule: 'uniqueItems' } });
      }
    }
    if (types.includes('object') && s['additionalProperties'] === false) {
      drafts.push({ id: id('unknown-field'), description: `${field.path} has a field the contract does not declare.`, patch: [add(`${pointer}/unknownField`, 1)], expect: { path: `${pointer}/unknownField`, rule: 'additionalProperties' } });
    }
  }

  for (const rule of rules) {
    if (rule.kind === 'instant-before') {
      drafts.push({ id: `rule/${rule.id}/equal`, description: `${rule.id}: both instants are the same.`, patch: [replace(rule.later, EARLY)], expect: { path: rule.later, rule: rule.id } });
      const [earlier, later] = [rule.earlier, rule.later].map((pointer) => fields.find((f) => pointerOf(f.path) === pointer)?.schema ?? {}) as [JsonSchema, JsonSchema];
      if (patternAccepts(later, EARLY.replace('Z', '.000Z'))) {
        drafts.push({ id: `rule/${rule.id}/equal-spelled-differently`, description: `${rule.id}: the same instant, once with fractional zeros.`, patch: [replace(rule.later, EARLY.replace('Z', '.000Z'))], expect: { path: rule.later, rule: rule.id } });
      }
      drafts.push({ id: `rule/${rule.id}/reversed`, description: `${rule.id}: the later instant comes first.`, patch: [replace(rule.earlier, LATE), replace(rule.later, EARLY)], expect: { path: rule.later, rule: rule.id } });
      const [name, first, second] = closestInOrder(earlier, later);
      drafts.push({ id: `rule/${rule.id}/${name}`, description: `${rule.id}: ${name === 'day-apart' ? 'one day apart, the shortest window the bounds can spell' : 'one nanosecond apart'}, in order.`, patch: [replace(rule.earlier, first), replace(rule.later, second)], expect: 'valid' });
    } else {
      const field = fields.find((f) => pointerOf(f.path) === rule.path);
      const items = field && isSchemaObject(field.schema['items']) ? distinctItems(field.schema['items'], 2) : [];
      if (items.length === 2) {
        drafts.push({ id: `rule/${rule.id}/in-order`, description: `${rule.id}: two items in code point order.`, patch: [replace(rule.path, items)], expect: 'valid' });
        drafts.push({ id: `rule/${rule.id}/reversed`, description: `${rule.id}: two items out of code point order.`, patch: [replace(rule.path, [...items].reverse())], expect: { path: `${rule.path}/1`, rule: rule.id } });
      }
    }
  }

  const results = validatePatches(base, drafts.map((draft) => draft.patch), validate, schema);
  const vectors = drafts.map((draft, i): Vector => {
    const result = results[i]!;
    if (draft.expect === 'valid') {
      if (!result.ok) throw new Error(`vector ${draft.id}: meant to be valid, but the validator reports ${result.errors.map((e) => e.message).join('; ')} (vector-mislabelled)`);
      return { id: draft.id, description: draft.description, valid: true, patch: draft.patch };
    }
    const expected = draft.expect;
    const errors = result.ok ? [] : result.errors.map((e) => ({ path: e.path, rule: e.rule }));
    if (!errors.some((e) => e.path === expected.path && e.rule === expected.rule)) {
      throw new Error(`vector ${draft.id}: meant to break ${expected.rule} at ${expected.path || '(root)'}, but the validator reports ${result.ok ? 'no error' : JSON.stringify(errors)} (vector-mislabelled)`);
    }
    return { id: draft.id, description: draft.description, valid: false, patch: draft.patch, errors };
  });
  return { base, vectors };
}
