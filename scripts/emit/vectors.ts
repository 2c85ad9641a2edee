/**
 * Conformance vectors: valid and invalid payloads derived from a version's
 * JSON Schema, so a server or uploader in any language can prove it accepts
 * and refuses exactly what this package does. Nothing is written per field:
 * the boundaries come from the keywords (type, const, enum, minimum/maximum,
 * minLength/maxLength, pattern, format, maxItems, uniqueItems, required,
 * additionalProperties) and from the `x-rules` cross-field rules.
 *
 * Every vector is run through the validator while it is made; a vector whose
 * outcome differs from what it is meant to show stops generation, so a
 * mislabelled vector is never published.
 */
import fc from 'fast-check';
import type { CrossFieldRule } from '../../schema/rules.js';
import { type ValidationResult, escapePointerToken } from '../../src/errors.js';
import { type JsonSchema, enumerated, isSchemaObject, listFields, typesOf } from '../contract/fields.js';
import { longestMatch, shortestMatch } from './regex-sample.js';

export interface Vector {
  readonly id: string;
  readonly description: string;
  readonly valid: boolean;
  readonly payload: unknown;
  /** For an invalid vector: every error the reference validator reports, as JSON Pointer and rule id. */
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly rule: string }>;
}

type Validate = (value: unknown) => ValidationResult<unknown>;
type Expect = 'valid' | { readonly path: string; readonly rule: string };

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
  ],
};

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

function tokens(pointer: string): string[] {
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function setAt(root: unknown, pointer: string, value: unknown): void {
  const path = tokens(pointer);
  let node = root as Record<string, unknown>;
  for (const token of path.slice(0, -1)) node = node[token] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}

function deleteAt(root: unknown, pointer: string): void {
  const path = tokens(pointer);
  let node = root as Record<string, unknown>;
  for (const token of path.slice(0, -1)) node = node[token] as Record<string, unknown>;
  delete node[path[path.length - 1]!];
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
  readonly payload: unknown;
  readonly expect: Expect;
}

function variant(base: unknown, id: string, description: string, change: (payload: unknown) => void, expect: Expect): Draft {
  const payload = structuredClone(base);
  change(payload);
  return { id, description, payload, expect };
}

/** Every vector for one version. `validate` is the reference validator (schema, dispatch, cross-field rules). */
export function conformanceVectors(schema: JsonSchema, validate: Validate, supportedVersions: readonly number[]): Vector[] {
  const rules = (schema['x-rules'] ?? []) as CrossFieldRule[];
  const base = validValue(schema) as Record<string, unknown>;
  for (const rule of rules) {
    if (rule.kind === 'instant-before') {
      setAt(base, rule.earlier, EARLY);
      setAt(base, rule.later, LATE);
    }
  }
  const fields = listFields(schema);
  const required = (schema['required'] ?? []) as string[];
  const minimal = Object.fromEntries(Object.entries(base).filter(([key]) => required.includes(key)));
  const drafts: Draft[] = [
    { id: 'valid/all-fields', description: 'Every field, optional ones included, at its least valid value.', payload: base, expect: 'valid' },
    { id: 'valid/required-only', description: 'Only the required fields.', payload: minimal, expect: 'valid' },
  ];

  for (const [name, value] of [['null', null], ['array', []], ['string', 'x'], ['number', 1]] as const) {
    drafts.push({ id: `root/${name}`, description: `The payload is ${name === 'array' ? 'an array' : name === 'null' ? 'null' : `a ${name}`}, not an object.`, payload: value, expect: { path: '', rule: 'type' } });
  }
  drafts.push(variant(base, 'root/unknown-field', 'A field the contract does not declare.', (p) => setAt(p, '/unknownField', 1), { path: '/unknownField', rule: 'additionalProperties' }));

  const version = enumerated((schema['properties'] as JsonSchema | undefined)?.['schemaVersion'] as JsonSchema ?? {})?.[0];
  if (typeof version === 'number') {
    const unknown = Math.max(...supportedVersions) + 1;
    drafts.push(variant(base, 'root/unsupported-version', `schemaVersion ${unknown}, a version nobody supports.`, (p) => setAt(p, '/schemaVersion', unknown), { path: '/schemaVersion', rule: 'unsupported-version' }));
  }

  for (const field of fields) {
    const pointer = pointerOf(field.path);
    const s = field.schema;
    const id = (what: string) => `${field.path}/${what}`;
    const types = typesOf(s);

    if (field.required && !field.isItems) {
      drafts.push(variant(base, id('missing'), `${field.path} is left out.`, (p) => deleteAt(p, pointer), { path: pointer, rule: 'required' }));
    }
    for (const [name, value] of WRONG_TYPES) {
      if (accepts(types, name) || types.length === 0) continue;
      drafts.push(variant(base, id(`type-${name}`), `${field.path} is ${name === 'fraction' ? 'a fraction' : `a(n) ${name}`}.`, (p) => setAt(p, pointer, value), { path: pointer, rule: 'type' }));
    }
    const values = enumerated(s);
    // schemaVersion is the dispatch key: another value is an unsupported version, covered at the root.
    if (values !== undefined && (types.includes('integer') || types.includes('number')) && field.path !== 'schemaVersion') {
      const other = Math.max(...values.filter((v): v is number => typeof v === 'number')) + 1;
      drafts.push(variant(base, id('not-allowed'), `${field.path} is ${other}, not an allowed value.`, (p) => setAt(p, pointer, other), { path: pointer, rule: s['const'] !== undefined ? 'const' : 'enum' }));
    }
    if ((types.includes('integer') || types.includes('number')) && values === undefined) {
      if (typeof s['minimum'] === 'number') {
        drafts.push(variant(base, id('minimum'), `${field.path} at its minimum, ${s['minimum']}.`, (p) => setAt(p, pointer, s['minimum']), 'valid'));
        drafts.push(variant(base, id('below-minimum'), `${field.path} one below its minimum.`, (p) => setAt(p, pointer, (s['minimum'] as number) - 1), { path: pointer, rule: 'minimum' }));
      }
      if (typeof s['maximum'] === 'number') {
        drafts.push(variant(base, id('maximum'), `${field.path} at its maximum, ${s['maximum']}.`, (p) => setAt(p, pointer, s['maximum']), 'valid'));
        drafts.push(variant(base, id('above-maximum'), `${field.path} one above its maximum.`, (p) => setAt(p, pointer, (s['maximum'] as number) + 1), { path: pointer, rule: 'maximum' }));
      }
    }
    if (types.includes('string') && values === undefined) {
      const format = s['format'] as string | undefined;
      const pattern = s['pattern'] as string | undefined;
      const max = s['maxLength'] as number | undefined;
      if (format !== undefined && FORMAT_EDGES[format] !== undefined) {
        for (const [name, value, rule] of FORMAT_EDGES[format]!) {
          drafts.push(variant(base, id(`${format}-${name}`), `${field.path} is ${JSON.stringify(value)}.`, (p) => setAt(p, pointer, value), rule === 'valid' ? 'valid' : { path: pointer, rule }));
        }
      } else if (pattern !== undefined) {
        const shortest = validValue(s) as string;
        const longest = longestMatch(pattern, max ?? shortest.length + 64);
        drafts.push(variant(base, id('shortest'), `${field.path} at its shortest valid length (${[...shortest].length}).`, (p) => setAt(p, pointer, shortest), 'valid'));
        drafts.push(variant(base, id('longest'), `${field.path} at its longest valid length (${[...longest].length}).`, (p) => setAt(p, pointer, longest), 'valid'));
        if (max !== undefined) {
          drafts.push(variant(base, id('too-long'), `${field.path} one character longer than maxLength ${max}.`, (p) => setAt(p, pointer, longest + longest.slice(-1).repeat(max + 1 - [...longest].length)), { path: pointer, rule: 'maxLength' }));
        }
        if (typeof s['minLength'] === 'number' && s['minLength'] > 0) {
          drafts.push(variant(base, id('too-short'), `${field.path} one character shorter than minLength ${s['minLength']}.`, (p) => setAt(p, pointer, shortest.slice(0, s['minLength'] as number - 1)), { path: pointer, rule: 'minLength' }));
        }
        drafts.push(variant(base, id('pattern'), `${field.path} starts with a character the pattern does not allow.`, (p) => setAt(p, pointer, `\u0000${shortest.slice(1)}`), { path: pointer, rule: 'pattern' }));
      }
    }
    if (types.includes('array') && isSchemaObject(s['items'])) {
      const maxItems = s['maxItems'] as number | undefined;
      const item = validValue(s['items']);
      if (maxItems !== undefined) {
        const distinct = s['uniqueItems'] === true ? distinctItems(s['items'], maxItems + 1) : Array.from({ length: maxItems + 1 }, () => item);
        if (distinct.length === maxItems + 1) {
          drafts.push(variant(base, id('max-items'), `${field.path} with ${maxItems} items, the most allowed.`, (p) => setAt(p, pointer, distinct.slice(0, maxItems)), 'valid'));
          drafts.push(variant(base, id('too-many-items'), `${field.path} with ${maxItems + 1} items.`, (p) => setAt(p, pointer, distinct), { path: pointer, rule: 'maxItems' }));
        }
      }
      if (s['uniqueItems'] === true) {
        drafts.push(variant(base, id('duplicate'), `${field.path} with the same item twice.`, (p) => setAt(p, pointer, [item, item]), { path: `${pointer}/1`, rule: 'uniqueItems' }));
      }
    }
    if (types.includes('object') && s['additionalProperties'] === false) {
      drafts.push(variant(base, id('unknown-field'), `${field.path} has a field the contract does not declare.`, (p) => setAt(p, `${pointer}/unknownField`, 1), { path: `${pointer}/unknownField`, rule: 'additionalProperties' }));
    }
  }

  for (const rule of rules) {
    if (rule.kind === 'instant-before') {
      drafts.push(variant(base, `rule/${rule.id}/equal`, `${rule.id}: both instants are the same.`, (p) => setAt(p, rule.later, EARLY), { path: rule.later, rule: rule.id }));
      drafts.push(variant(base, `rule/${rule.id}/equal-spelled-differently`, `${rule.id}: the same instant, once with fractional zeros.`, (p) => setAt(p, rule.later, EARLY.replace('Z', '.000Z')), { path: rule.later, rule: rule.id }));
      drafts.push(variant(base, `rule/${rule.id}/reversed`, `${rule.id}: the later instant comes first.`, (p) => (setAt(p, rule.earlier, LATE), setAt(p, rule.later, EARLY)), { path: rule.later, rule: rule.id }));
      drafts.push(variant(base, `rule/${rule.id}/nanosecond-apart`, `${rule.id}: one nanosecond apart, in order.`, (p) => (setAt(p, rule.earlier, '2026-01-01T00:00:00.000000001Z'), setAt(p, rule.later, '2026-01-01T00:00:00.000000002Z')), 'valid'));
    } else {
      const field = fields.find((f) => pointerOf(f.path) === rule.path);
      const items = field && isSchemaObject(field.schema['items']) ? distinctItems(field.schema['items'], 2) : [];
      if (items.length === 2) {
        drafts.push(variant(base, `rule/${rule.id}/in-order`, `${rule.id}: two items in code point order.`, (p) => setAt(p, rule.path, items), 'valid'));
        drafts.push(variant(base, `rule/${rule.id}/reversed`, `${rule.id}: two items out of code point order.`, (p) => setAt(p, rule.path, [...items].reverse()), { path: `${rule.path}/1`, rule: rule.id }));
      }
    }
  }

  return drafts.map((draft) => {
    const result = validate(draft.payload);
    if (draft.expect === 'valid') {
      if (!result.ok) throw new Error(`vector ${draft.id}: meant to be valid, but the validator reports ${result.errors.map((e) => e.message).join('; ')} (vector-mislabelled)`);
      return { id: draft.id, description: draft.description, valid: true, payload: draft.payload };
    }
    const expected = draft.expect;
    const errors = result.ok ? [] : result.errors.map((e) => ({ path: e.path, rule: e.rule }));
    if (!errors.some((e) => e.path === expected.path && e.rule === expected.rule)) {
      throw new Error(`vector ${draft.id}: meant to break ${expected.rule} at ${expected.path || '(root)'}, but the validator reports ${result.ok ? 'no error' : JSON.stringify(errors)} (vector-mislabelled)`);
    }
    return { id: draft.id, description: draft.description, valid: false, payload: draft.payload, errors };
  });
}
