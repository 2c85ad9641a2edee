/**
 * Our validators against an independent JSON Schema 2020-12 implementation,
 * @hyperjump/json-schema, chosen because it is written by a JSON Schema spec
 * author, runs the official JSON-Schema-Test-Suite, and validates every format
 * when asked to. The schema decides the same for both, on every vector and
 * every fuzzed payload; the cross-field rules, which no JSON Schema validator
 * knows, are compared with a reference written from their meaning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSchema, setShouldValidateFormat, validate } from '@hyperjump/json-schema/draft-2020-12';
import '@hyperjump/json-schema/formats';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import { type PatchOperation, applyPatch } from '../scripts/emit/json-patch.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { versions } from '../generated/index.js';
import { checkRules } from '../src/rules.js';
import { repoRoot } from './helpers.js';
import { RUNS, mutationArbitrary, payloadArbitrary } from './support/arbitraries.js';

type Verdict = (value: unknown) => boolean;
const independent = new Map<number, Verdict>();

beforeAll(async () => {
  setShouldValidateFormat(true);
  for (const { version } of contracts) {
    const schema = versions[version as keyof typeof versions].schema as unknown as { $id: string };
    registerSchema(schema as never);
    const validator = await validate(schema.$id);
    independent.set(version, (value) => validator(value as never).valid);
  }
});

/** The cross-field rules as their meaning says, written without src/: BigInt nanoseconds, code points by Array.from. */
function referenceRules(rules: readonly CrossFieldRule[], payload: Record<string, unknown>): string[] {
  const at = (pointer: string) => pointer.slice(1).split('/').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], payload);
  const nanos = (s: string) => {
    const [whole, fraction = ''] = s.replace('Z', '').split('.');
    return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
  };
  const broken: string[] = [];
  for (const rule of rules) {
    if (rule.kind === 'instant-before') {
      if (nanos(at(rule.earlier) as string) >= nanos(at(rule.later) as string)) broken.push(rule.id);
    } else {
      const list = at(rule.path) as string[];
      const points = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
      const before = (a: string, b: string) => {
        const [x, y] = [points(a), points(b)];
        for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
        return x.length <= y.length;
      };
      if (list.some((item, i) => i > 0 && !before(list[i - 1]!, item))) broken.push(rule.id);
    }
  }
  return broken;
}

describe.each(contracts.map((c) => c.version))('v%i against @hyperjump/json-schema', (version) => {
  const generated = versions[version as keyof typeof versions];
  // Both shipped schema checks: the validator that explains, and the yes/no guard that runs first.
  const full: Verdict = (value) => (generated.validate as (v: unknown) => boolean)(value);
  const guard: Verdict = (value) => generated.isValid(value);
  const theirs: Verdict = (value) => independent.get(version)!(value);
  const disagreement = (value: unknown): string | undefined => {
    const [a, b, c] = [full(value), guard(value), theirs(value)];
    return a === c && b === c ? undefined : `validate.js ${a}, is-valid.js ${b}, hyperjump ${c}`;
  };
  const schema = generated.schema as unknown as Record<string, unknown>;
  const rules = schema['x-rules'] as CrossFieldRule[];

  it('the generated schema is valid against the official 2020-12 meta-schema', async () => {
    const meta = await validate('https://json-schema.org/draft/2020-12/schema');
    expect(meta(schema as never).valid).toBe(true);
  });

  it('agrees on every conformance vector the schema alone decides', () => {
    const file = JSON.parse(readFileSync(join(repoRoot, `generated/v${version}/conformance.json`), 'utf8')) as { base: unknown; vectors: Array<{ id: string; patch: PatchOperation[] }> };
    const disagreements = file.vectors.flatMap((v) => {
      const what = disagreement(applyPatch(file.base, v.patch));
      return what === undefined ? [] : [`${v.id}: ${what}`];
    });
    expect(disagreements).toEqual([]);
  });

  it('agrees on fuzzed valid payloads', () => {
    fc.assert(fc.property(payloadArbitrary(schema), (payload) => disagreement(payload) === undefined), { numRuns: RUNS });
  });

  it('agrees on fuzzed mutations', () => {
    fc.assert(fc.property(mutationArbitrary(schema), ({ payload }) => disagreement(payload) === undefined), { numRuns: RUNS });
  });

  it('agrees with the reference on the cross-field rules', () => {
    const breakable = payloadArbitrary(schema).chain((payload) =>
      fc.constantFrom<'as-is' | 'swap' | 'reverse'>('as-is', 'swap', 'reverse').map((how) => {
        const copy = structuredClone(payload);
        for (const rule of rules) {
          if (how === 'swap' && rule.kind === 'instant-before') {
            const [a, b] = [copy[rule.earlier.slice(1)], copy[rule.later.slice(1)]];
            copy[rule.earlier.slice(1)] = b;
            copy[rule.later.slice(1)] = a;
          }
          if (how === 'reverse' && rule.kind === 'sorted-by-code-point') copy[rule.path.slice(1)] = [...(copy[rule.path.slice(1)] as unknown[])].reverse();
        }
        return copy;
      }),
    );
    fc.assert(
      fc.property(breakable, (payload) => {
        expect([...new Set(checkRules(rules, payload, []).map((e) => e.rule))]).toEqual(referenceRules(rules, payload));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('keyword semantics against @hyperjump/json-schema, beyond what v1 lets through', () => {
  const both = async (schema: Record<string, unknown>) => {
    const id = `urn:telemetry-contract:test:${Math.random().toString(36).slice(2)}`;
    registerSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, ...schema } as never);
    const theirs0 = await validate(id);
    // What ships: standalone code from the same generators as generated/v*/validate.js and is-valid.js.
    const { toValidatorCode } = await import('../scripts/emit/validator-code.js');
    const { toGuardCode } = await import('../scripts/emit/guard-code.js');
    const load = async (code: string) => ((await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: (v: unknown) => boolean }).default;
    const [full, guard] = [await load(await toValidatorCode(schema, 'test', repoRoot)), await load(await toGuardCode(schema, 'test', repoRoot))];
    const theirs = (v: unknown) => theirs0(v as never).valid;
    // Both of ours must say what hyperjump says; a split verdict counts as ours being wrong.
    const ours = (v: unknown) => (full(v) === guard(v) ? full(v) : !theirs(v));
    return { ours, theirs, guard };
  };
  const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
  /** Strings shaped like RFC 3339 date-times, every part allowed to be out of range or oddly spelled. */
  const dateTimeLike = fc
    .tuple(digits(4), digits(2), digits(2), fc.constantFrom('T', 't', ' '), digits(2), digits(2), digits(2), fc.option(digits(3), { nil: '' }), fc.constantFrom('Z', 'z', '+00:00', '-08:00', '+23:59', '+24:00', '-00:60', ''))
    .map(([y, mo, d, t, h, mi, s, f, z]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f ? `.${f}` : ''}${z}`);
  const leapSeconds = fc.constantFrom('1998-12-31T23:59:60Z', '1998-12-31T15:59:60.123-08:00', '1998-12-31T22:59:60Z', '1998-12-31T23:58:60Z', '1998-12-31T23:59:60+01:00', '1998-12-31T00:59:60+01:00');

  it('date-time: our format check decides like hyperjump on date-time-shaped strings', async () => {
    const { ours, theirs } = await both({ type: 'string', format: 'date-time' });
    fc.assert(fc.property(fc.oneof(dateTimeLike, leapSeconds), (value) => ours(value) === theirs(value)), { numRuns: RUNS });
  });

  it('maxLength counts code points, not UTF-16 units, like hyperjump', async () => {
    const { ours, theirs } = await both({ type: 'string', maxLength: 3 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 5 }), (value) => ours(value) === theirs(value)), { numRuns: RUNS });
  });

  it('uniqueItems compares JSON values, like hyperjump, even for keys named like methods', async () => {
    const { ours, theirs } = await both({ type: 'array', uniqueItems: true });
    fc.assert(fc.property(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), (value) => ours(value) === theirs(value)), { numRuns: RUNS });
    // Found by this test: ajv's own helper threw a TypeError on these.
    for (const value of [[{}, { toString: null }], [{ valueOf: 1 }, { valueOf: 1 }], [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }]]) expect(ours(value)).toBe(theirs(value));
  });

  describe('the yes/no guard translates each keyword as ajv and hyperjump read it', () => {
    const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
    // Bounds themselves (-1.5, 0, 7, 10) are where an off-by-one translation shows.
    const scalar = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.double({ min: -3, max: 12, noNaN: true }), fc.constantFrom(-1.5, 0, 7, 10, null, true, false, 'x', 'k', ''), fc.string({ maxLength: 4 }));

    it('objects: required names that are not identifiers, optional, closed and open, nested, const and enum', async () => {
      const { ours, theirs } = await both({
        type: 'object',
        required: ['a', 'b-c'],
        additionalProperties: false,
        properties: { a: { type: ['integer', 'null'] }, 'b-c': { type: 'object', additionalProperties: true, properties: { d: { enum: ['x', 1, true, null] } } }, e: { const: 'k' } },
      });
      const inner = fc.dictionary(fc.constantFrom('d', 'z'), scalar, { maxKeys: 2 });
      const payload = fc
        .tuple(fc.record({ a: maybe(scalar), 'b-c': maybe(fc.oneof(inner, scalar)), e: maybe(scalar) }, { requiredKeys: [] }), fc.dictionary(fc.constantFrom('f', '__proto__', 'toString'), scalar, { maxKeys: 1 }))
        .map(([known, extra]) => Object.fromEntries(Object.entries({ ...known, ...extra }).filter(([, v]) => v !== undefined)));
      fc.assert(fc.property(fc.oneof(payload, fc.jsonValue({ maxDepth: 2 })), (value) => ours(value) === theirs(value)), { numRuns: RUNS });
    });

    it('numbers and strings: exclusive bounds, integer against number, a nullable type, lengths with a pattern', async () => {
      const { ours, theirs } = await both({ type: ['number', 'null'], exclusiveMinimum: -1.5, exclusiveMaximum: 10 });
      const { ours: oursText, theirs: theirsText } = await both({ type: 'string', minLength: 1, maxLength: 2, pattern: '^[a-z]*$' });
      const { ours: oursInt, theirs: theirsInt } = await both({ type: 'integer', minimum: 0, maximum: 7 });
      fc.assert(fc.property(fc.oneof(scalar, fc.jsonValue({ maxDepth: 1 })), (value) => ours(value) === theirs(value) && oursInt(value) === theirsInt(value) && oursText(value) === theirsText(value)), { numRuns: RUNS });
    });

    it('uniqueItems over strings: the guard finds two equal "__proto__" items, as hyperjump does (ajv\'s own code keeps a plain-object index and misses them)', async () => {
      const { guard, theirs } = await both({ type: 'array', uniqueItems: true, items: { type: 'string' } });
      const names = fc.array(fc.constantFrom('__proto__', 'constructor', 'toString', 'a', ''), { maxLength: 5 });
      fc.assert(fc.property(names, (value) => guard(value) === theirs(value)), { numRuns: RUNS });
      expect(guard(['__proto__', '__proto__'])).toBe(false);
    });

    it('arrays: bounds, items of objects, uniqueness by JSON value, `items: false`', async () => {
      const { ours, theirs } = await both({ type: 'array', minItems: 1, maxItems: 3, uniqueItems: true, items: { type: 'object', properties: { n: { type: 'integer' } } } });
      const { ours: oursNone, theirs: theirsNone } = await both({ type: 'array', items: false });
      const { ours: oursScalars, theirs: theirsScalars } = await both({ type: 'array', uniqueItems: true, items: { type: 'integer' } });
      // Long lists of few distinct integers too: past 16 items the uniqueness check hashes instead of comparing pairs.
      const items = fc.oneof(fc.array(fc.oneof(fc.record({ n: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant(1.5)) }, { requiredKeys: [] }), scalar), { maxLength: 20 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 15, maxLength: 24 }));
      fc.assert(
        fc.property(items, (value) => ours(value) === theirs(value) && oursNone(value) === theirsNone(value) && oursScalars(value) === theirsScalars(value)),
        { numRuns: RUNS },
      );
    });
  });
});
