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
import { checkRules } from '../src/contract/rules.js';
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
    return { ours, theirs, guard, full };
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

    describe('member names objects inherit (`__proto__`, `toString`, `constructor`): own members only', () => {
      // JSON text, not object literals: a literal `{ __proto__: … }` sets the prototype instead of a member.
      const parsed = (text: string) => JSON.parse(text) as unknown;
      const inherited = ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf'] as const;
      /** The guard alone: ajv's strict mode refuses the suite's schemas, which have no `type`. */
      const guardOf = async (schema: Record<string, unknown>) => {
        const { toGuardCode } = await import('../scripts/emit/guard-code.js');
        const code = await toGuardCode(schema, 'test', repoRoot);
        return ((await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: (v: unknown) => boolean }).default;
      };
      const theirsOf = async (schema: Record<string, unknown>) => {
        const id = `urn:telemetry-contract:test:${Math.random().toString(36).slice(2)}`;
        registerSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, ...schema } as never);
        const validator = await validate(id);
        return (v: unknown) => validator(v as never).valid;
      };
      const verdicts = async (schema: Record<string, unknown>, cases: ReadonlyArray<readonly [string, boolean]>) => {
        const [guard, theirs] = [await guardOf(schema), await theirsOf(schema)];
        return cases.map(([text, expected]) => [text, guard(parsed(text)), theirs(parsed(text)), expected]);
      };
      const all = (verdict: boolean) => (text: string) => [text, verdict, verdict, verdict];

      it('properties: the JSON-Schema-Test-Suite cases (draft 2020-12, properties.json)', async () => {
        const schema = parsed('{"properties": {"__proto__": {"type": "number"}, "toString": {"properties": {"length": {"type": "string"}}}, "constructor": {"type": "number"}}}') as Record<string, unknown>;
        const cases = [['[]', true], ['12', true], ['{}', true], ['{"__proto__": "foo"}', false], ['{"toString": {"length": 37}}', false], ['{"constructor": {"length": 37}}', false], ['{"__proto__": 12, "toString": {"length": "foo"}, "constructor": 37}', true]] as const;
        expect(await verdicts(schema, cases)).toEqual(cases.map(([text, expected]) => all(expected)(text)));
      });

      it('required: the JSON-Schema-Test-Suite cases (draft 2020-12, required.json)', async () => {
        const schema = { required: ['__proto__', 'toString', 'constructor'] };
        const cases = [['[]', true], ['12', true], ['{}', false], ['{"__proto__": "foo"}', false], ['{"toString": {"length": 37}}', false], ['{"constructor": {"length": 37}}', false], ['{"__proto__": 12, "toString": {"length": "foo"}, "constructor": 37}', true]] as const;
        expect(await verdicts(schema, cases)).toEqual(cases.map(([text, expected]) => all(expected)(text)));
      });

      it('closed and open objects, required and optional: any subset of those names, with any values', async () => {
        const declare = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, { type: 'integer' }]));
        const schemas = [
          { type: 'object', required: ['toString', 'valueOf'], additionalProperties: false, properties: declare(inherited.slice(1)) },
          { type: 'object', required: ['constructor', '__proto__'], properties: declare(inherited.slice(1)) },
          { type: 'object', required: ['valueOf'], additionalProperties: false, properties: { a: { type: 'integer' } } },
          { type: 'object', required: ['__proto__'], properties: declare(inherited) },
        ];
        const built = await Promise.all(schemas.map((schema) => both(schema)));
        const member = fc.tuple(fc.constantFrom(...inherited, 'a', 'b'), fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constant('x'), fc.constant(null)));
        const text = fc.uniqueArray(member, { selector: ([name]) => name, maxLength: 5 }).map((members) => `{${members.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(',')}}`);
        fc.assert(
          fc.property(text, (json) =>
            built.every(({ full, guard, theirs }, i) => guard(parsed(json)) === theirs(parsed(json)) && (i === 3 || full(parsed(json)) === theirs(parsed(json)))),
          ),
          { numRuns: RUNS },
        );
        // ajv's code skips a declared property named "__proto__" (its allSchemaProperties drops the name),
        // so only the guard checks it; validateTelemetry then refuses with `validator-disagreement`.
        const { full, guard } = built[3]!;
        expect([full(parsed('{"__proto__": "x"}')), guard(parsed('{"__proto__": "x"}'))]).toEqual([true, false]);
      });

      it("the guard gives ajv's verdict on values JSON cannot make: inherited, non-enumerable and undefined members", async () => {
        const { full, guard } = await both({ type: 'object', required: ['a'], additionalProperties: false, properties: { a: { type: 'integer' }, b: { type: 'string' } } });
        const hidden = (name: string, value: unknown, base: object = {}) => Object.defineProperty({ ...base }, name, { value, enumerable: false });
        const values: unknown[] = [
          Object.create({ a: 1 }),
          Object.assign(Object.create({ b: 'x' }), { a: 1 }),
          Object.assign(Object.create({ b: 2 }), { a: 1 }),
          Object.assign(Object.create({ z: 1 }), { a: 1 }),
          hidden('a', 1),
          hidden('a', 'x'),
          hidden('b', 2, { a: 1 }),
          hidden('z', 2, { a: 1 }),
          { a: undefined },
          { a: 1, b: undefined },
          Object.assign(Object.create(null) as object, { a: 1, b: 'x' }),
        ];
        expect(values.map((value) => guard(value))).toEqual(values.map((value) => full(value)));
        expect(values.map((value) => guard(value))).toEqual([false, true, true, true, true, false, false, true, false, true, true]);
      });

      it('past 30 declared properties, where no bitmask of own keys is kept: the same verdicts', async () => {
        const names = [...inherited.slice(1), ...Array.from({ length: 30 }, (_, i) => `p${i}`)];
        const { full, guard, theirs } = await both({ type: 'object', required: ['toString', 'p29'], additionalProperties: false, properties: Object.fromEntries(names.map((name) => [name, { type: 'integer' }])) });
        const text = fc
          .uniqueArray(fc.tuple(fc.constantFrom(...names, '__proto__', 'q'), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('x'))), { selector: ([name]) => name, maxLength: 6 })
          .map((members) => `{${members.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(',')}}`);
        fc.assert(fc.property(text, (json) => full(parsed(json)) === theirs(parsed(json)) && guard(parsed(json)) === theirs(parsed(json))), { numRuns: RUNS });
        expect([guard(parsed('{"toString": 1, "p29": 2}')), guard(parsed('{"p29": 2}'))]).toEqual([true, false]);
      });
    });

    it('patterns with groups, alternatives and a back-reference, as hyperjump reads them', async () => {
      const built = await Promise.all(['^(a|bc)+(\\.(d|e))?$', '^(a|b)\\1$', '[(](x|y)[)]', '^(?<n>a|b)-\\k<n>$'].map((pattern) => both({ type: 'string', pattern })));
      const text = fc.array(fc.constantFrom('a', 'b', 'c', '.', 'd', 'e', '(', ')', 'x', '-'), { maxLength: 6 }).map((parts) => parts.join(''));
      fc.assert(fc.property(text, (value) => built.every(({ ours, theirs }) => ours(value) === theirs(value))), { numRuns: RUNS });
    });

    it('strings: code point lengths decided from the UTF-16 length where it can, counted where it cannot', async () => {
      const { ours, theirs } = await both({ type: 'string', minLength: 3, maxLength: 5 });
      const unit = fc.constantFrom('a', 'é', '😀', '\ud800', '\udc00');
      fc.assert(fc.property(fc.array(unit, { maxLength: 8 }).map((parts) => parts.join('')), (value) => ours(value) === theirs(value)), { numRuns: RUNS });
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
