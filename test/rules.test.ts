import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { versions } from '../generated/index.js';
import { checkRules, compareCodePoints, compileRules } from '../src/contract/rules.js';
import { uniquePrimitives } from '../src/contract/unique-items.js';
import { RUNS, payloadArbitrary } from './support/arbitraries.js';

/** Strings of units where the orders differ: ASCII, U+E000–U+FFFF, pairs and lone surrogates of either kind. */
const tricky = fc.array(fc.constantFrom('a', 'b', '\ue000', '\uffff', '😀', '\u{10ffff}', '\ud800', '\udc00', '\udbff'), { maxLength: 5 }).map((parts) => parts.join(''));

describe('compareCodePoints', () => {
  // The reference: code points as Array.from reads them (a lone surrogate is its own code point).
  const reference = (a: string, b: string) => {
    const [x, y] = [Array.from(a, (c) => c.codePointAt(0)!), Array.from(b, (c) => c.codePointAt(0)!)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Math.sign(x[i]! - y[i]!);
    return Math.sign(x.length - y.length);
  };

  it('orders by code point, where UTF-16 order differs too, lone surrogates included', () => {
    fc.assert(fc.property(tricky, tricky, (a, b) => Math.sign(compareCodePoints(a, b)) === reference(a, b)), { numRuns: RUNS });
    expect(compareCodePoints('😀', '\uffff')).toBeGreaterThan(0);
    expect('😀' < '\uffff').toBe(true);
  });
});

describe('uniquePrimitives', () => {
  it('says what a Set says, on sorted, unsorted and repeating lists of one JSON type', () => {
    const lists = fc.oneof(
      fc.array(fc.constantFrom('a', 'b', 'c', '', 'é'), { maxLength: 20 }),
      fc.array(fc.constantFrom('a', 'b', 'c', '', 'é'), { maxLength: 20 }).map((list) => list.sort()),
      fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0)), { maxLength: 20 }).map((list) => (list.length % 2 === 0 ? list.sort((x, y) => x - y) : list)),
      fc.array(fc.boolean(), { maxLength: 3 }),
    );
    fc.assert(fc.property(lists, (list: readonly unknown[]) => uniquePrimitives(list) === (new Set(list).size === list.length)), { numRuns: RUNS });
  });
});

describe.each(contracts.map((c) => c.version))('compiled rules of v%i', (version) => {
  const schema = versions[version as keyof typeof versions].schema as unknown as Record<string, unknown>;
  const rules = schema['x-rules'] as CrossFieldRule[];

  it('given the schema a payload passed, say what checkRules says, with the rules kept and broken', () => {
    const withSchema = compileRules(rules, schema);
    const without = compileRules(rules);
    // Schema-valid payloads whose ordered fields are reversed: each rule broken in turn, or kept.
    const payloads = fc.tuple(payloadArbitrary(schema), fc.boolean()).map(([payload, reverse]) => {
      if (!reverse) return payload;
      const copy: Record<string, unknown> = { ...payload };
      for (const rule of rules) {
        if (rule.kind === 'instant-before') [copy[rule.earlier.slice(1)], copy[rule.later.slice(1)]] = [payload[rule.later.slice(1)], payload[rule.earlier.slice(1)]];
        else if (Array.isArray(copy[rule.path.slice(1)])) copy[rule.path.slice(1)] = [...(copy[rule.path.slice(1)] as unknown[])].reverse();
      }
      return copy;
    });
    fc.assert(
      fc.property(payloads, (payload) => {
        const expected = checkRules(rules, payload, []).length === 0;
        return withSchema(payload) === expected && without(payload) === expected;
      }),
      { numRuns: RUNS },
    );
  });
});
