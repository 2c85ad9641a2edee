/**
 * fast-check arbitraries derived from a version's generated JSON Schema: no
 * field is written by hand, so a new field or version is fuzzed as soon as it
 * is generated. `payloadArbitrary` yields valid payloads (the cross-field rules
 * applied by construction); `mutationArbitrary` yields one breaking change each.
 * With `boundaries`, values lean to the edges the schema allows: the earliest
 * and latest instants the pattern spells, nine fractional digits and trailing
 * zeros, the largest integers, the longest strings and the longest lists.
 */
import fc from 'fast-check';
import type { CrossFieldRule } from '../../schema/rules.js';
import { UTC_MIDNIGHT_PATTERN } from '../../schema/patterns.js';
import { type Field, type JsonSchema, enumerated, isSchemaObject, listFields, typesOf } from '../../scripts/contract/fields.js';
import { compareInstants, parseInstant } from '../../src/contract/instant.js';
import { compareCodePoints } from '../../src/contract/rules.js';

/** Property runs: 1,000 in `npm test`, more with FUZZ_RUNS (see `npm run fuzz`). */
export const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1000);

const length = (s: string) => [...s].length;

const utcDateTime = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
  )
  .map(([date, fraction]) => `${date.toISOString().slice(0, 19)}${fraction === undefined ? '' : `.${fraction}`}Z`);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const daysIn = (year: number, month: number) => (month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** Any instant the contract's pattern spells, years 0000 to 9999, and the extremes themselves. */
const anyUtcDateTime = fc.oneof(
  fc
    .record({
      year: fc.integer({ min: 0, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      seconds: fc.integer({ min: 0, max: 86_399 }),
      fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    })
    .map(({ year, month, day, seconds, fraction }) => {
      const time = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
      return `${pad(year, 4)}-${pad(month, 2)}-${pad(Math.min(day, daysIn(year, month)), 2)}T${time}${fraction === undefined ? '' : `.${fraction}`}Z`;
    }),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0000-01-01T00:00:00.000000001Z',
    '9999-12-31T23:59:59.999999999Z',
    '9999-12-31T23:59:59Z',
    '2026-11-01T00:00:00.120Z',
    '2026-11-01T00:00:00.1234567Z',
    '2026-11-01T00:00:00.000000000Z',
  ),
);

/** A window bound: a UTC midnight of 2000 to 2099, as the contract's pattern spells it. */
const utcMidnight = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => `${date.toISOString().slice(0, 10)}T00:00:00Z`);
/** The earliest and latest midnights the pattern spells, and a leap day. */
const midnightEdges = fc.constantFrom('2000-01-01T00:00:00Z', '2099-12-31T00:00:00Z', '2024-02-29T00:00:00Z');

/** An arbitrary of valid values for one subschema; `boundaries` leans to the edges it allows. */
export function valueArbitrary(schema: JsonSchema, boundaries = false): fc.Arbitrary<unknown> {
  const values = enumerated(schema);
  if (values !== undefined) return fc.constantFrom(...values);
  const types = typesOf(schema);
  if (types.includes('boolean')) return fc.boolean();
  if (types.includes('integer')) {
    const min = BigInt((schema['minimum'] as number | undefined) ?? Number.MIN_SAFE_INTEGER);
    const max = BigInt((schema['maximum'] as number | undefined) ?? Number.MAX_SAFE_INTEGER);
    // Both ends on purpose: boundaries are where validators disagree.
    return fc.oneof(fc.bigInt({ min, max }).map(Number), fc.constantFrom(Number(min), Number(max)));
  }
  if (types.includes('number')) {
    return fc.double({ min: (schema['minimum'] as number | undefined) ?? -1e9, max: (schema['maximum'] as number | undefined) ?? 1e9, noNaN: true, noDefaultInfinity: true });
  }
  if (types.includes('string')) {
    if (schema['format'] === 'date-time' && schema['pattern'] === UTC_MIDNIGHT_PATTERN) return boundaries ? fc.oneof(utcMidnight, midnightEdges) : utcMidnight;
    if (schema['format'] === 'date-time') return boundaries ? fc.oneof(utcDateTime, anyUtcDateTime) : utcDateTime;
    const min = (schema['minLength'] as number | undefined) ?? 0;
    const max = (schema['maxLength'] as number | undefined) ?? 64;
    const pattern = schema['pattern'] as string | undefined;
    const base =
      pattern === undefined
        ? boundaries
          ? fc.oneof(fc.string({ minLength: min, maxLength: max, unit: 'binary' }), fc.string({ minLength: max, maxLength: max, unit: 'binary' }))
          : fc.string({ minLength: min, maxLength: max })
        : boundaries
          ? fc.oneof(fc.stringMatching(new RegExp(pattern, 'u')), fc.stringMatching(new RegExp(pattern, 'u'), { size: 'max' }))
          : fc.stringMatching(new RegExp(pattern, 'u'));
    return base.filter((s) => length(s) >= min && length(s) <= max);
  }
  if (types.includes('array')) {
    const items = valueArbitrary(isSchemaObject(schema['items']) ? schema['items'] : {}, boundaries);
    const maxItems = (schema['maxItems'] as number | undefined) ?? 16;
    const list = (minLength: number, maxLength: number) =>
      schema['uniqueItems'] === true ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(items, { minLength, maxLength });
    // The full list only with boundaries, and then now and then: a list of hundreds of items per run is slow.
    return boundaries ? fc.oneof({ arbitrary: list(0, Math.min(maxItems, 16)), weight: 4 }, { arbitrary: list(Math.min(maxItems, 256), Math.min(maxItems, 256)), weight: 1 }) : list(0, Math.min(maxItems, 16));
  }
  if (types.includes('object')) return objectArbitrary(schema, boundaries);
  return fc.constant(null);
}

function objectArbitrary(schema: JsonSchema, boundaries = false): fc.Arbitrary<Record<string, unknown>> {
  const properties = isSchemaObject(schema['properties']) ? (schema['properties'] as Record<string, JsonSchema>) : {};
  const required = (schema['required'] ?? []) as string[];
  return fc.record(Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, valueArbitrary(sub, boundaries)])), { requiredKeys: required.filter((k) => k in properties) });
}

function get(root: unknown, pointer: string): unknown {
  return pointer.slice(1).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}
function set(root: unknown, pointer: string, value: unknown): void {
  const keys = pointer.slice(1).split('/');
  const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Record<string, unknown>;
  parent[keys[keys.length - 1]!] = value;
}

/** Valid payloads: schema-valid values, then the cross-field rules made true (sort; order two distinct instants). */
export function payloadArbitrary(schema: JsonSchema, { boundaries = false }: { readonly boundaries?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const rules = (schema['x-rules'] ?? []) as CrossFieldRule[];
  return objectArbitrary(schema, boundaries)
    .map((payload) => {
      for (const rule of rules) {
        if (rule.kind === 'sorted-by-code-point') {
          const list = get(payload, rule.path);
          if (Array.isArray(list)) set(payload, rule.path, [...(list as string[])].sort(compareCodePoints));
        } else {
          const a = get(payload, rule.earlier) as string;
          const b = get(payload, rule.later) as string;
          if (typeof a === 'string' && typeof b === 'string' && order(a, b) > 0) {
            set(payload, rule.earlier, b);
            set(payload, rule.later, a);
          }
        }
      }
      return payload;
    })
    // Equal instants break the rule by definition; the vectors cover them, the valid set leaves them out.
    .filter((payload) => rules.every((rule) => rule.kind !== 'instant-before' || order(get(payload, rule.earlier) as string, get(payload, rule.later) as string) !== 0));
}

function order(a: string, b: string): number {
  return compareInstants(parseInstant(a)!, parseInstant(b)!);
}

export interface Mutation {
  readonly kind: 'wrong-type' | 'out-of-range' | 'extra-key' | 'missing-key';
  /** JSON Pointer of the value the mutation broke. */
  readonly pointer: string;
  readonly payload: unknown;
}

const WRONG: ReadonlyArray<readonly [string, unknown]> = [['null', null], ['boolean', true], ['integer', 3], ['number', 0.25], ['string', 'x'], ['array', []], ['object', {}]];

function accepts(types: readonly string[], sample: string): boolean {
  return types.includes(sample) || (sample === 'integer' && types.includes('number'));
}

/** One breaking change to a valid payload: a field's type, a bound, an unknown key, a missing required key. */
export function mutationArbitrary(schema: JsonSchema): fc.Arbitrary<Mutation> {
  const fields = listFields(schema).filter((f) => !f.path.includes('[]'));
  const present = (payload: Record<string, unknown>) => fields.filter((f: Field) => get(payload, `/${f.path.split('.').join('/')}`) !== undefined);
  return payloadArbitrary(schema).chain((payload) => {
    const candidates = present(payload);
    const required = candidates.filter((f) => f.required);
    const options: Array<fc.Arbitrary<Mutation>> = [
      fc.constant({ kind: 'extra-key' as const, pointer: '/zzUnknownField', payload: { ...payload, zzUnknownField: 1 } }),
    ];
    if (required.length > 0) {
      options.push(
        fc.constantFrom(...required).map((field) => {
          const copy = structuredClone(payload);
          const pointer = `/${field.path.split('.').join('/')}`;
          const keys = pointer.slice(1).split('/');
          delete (keys.slice(0, -1).reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], copy) as Record<string, unknown>)[keys[keys.length - 1]!];
          return { kind: 'missing-key' as const, pointer, payload: copy };
        }),
      );
    }
    if (candidates.length > 0) {
      options.push(
        fc.tuple(fc.constantFrom(...candidates), fc.constantFrom(...WRONG)).filter(([field, [name]]) => !accepts(typesOf(field.schema), name)).map(([field, [, value]]) => {
          const copy = structuredClone(payload);
          const pointer = `/${field.path.split('.').join('/')}`;
          set(copy, pointer, value);
          return { kind: 'wrong-type' as const, pointer, payload: copy };
        }),
      );
      const bounded = candidates.filter((f) => typeof f.schema['maximum'] === 'number' || typeof f.schema['maxLength'] === 'number' || typeof f.schema['maxItems'] === 'number');
      if (bounded.length > 0) {
        options.push(
          fc.constantFrom(...bounded).map((field) => {
            const copy = structuredClone(payload);
            const pointer = `/${field.path.split('.').join('/')}`;
            const s = field.schema;
            const value =
              typeof s['maximum'] === 'number' ? s['maximum'] + 1 : typeof s['maxLength'] === 'number' ? 'z'.repeat(s['maxLength'] + 1) : Array.from({ length: (s['maxItems'] as number) + 1 }, (_, i) => `item${String(i).padStart(4, '0')}`);
            set(copy, pointer, value);
            return { kind: 'out-of-range' as const, pointer, payload: copy };
          }),
        );
      }
    }
    return fc.oneof(...options);
  });
}
