import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { versions } from '../generated/index.js';
import { createAjv } from '../scripts/emit/ajv.js';
import { GuardError, guardSource, toGuardCode, withoutCaptures } from '../scripts/emit/guard-code.js';
import type { GeneratedValidator } from '../src/contract/generated-validator.js';
import { createValidators } from '../src/contract/validate-core.js';
import { repoRoot } from './helpers.js';
import { isTelemetry, validateTelemetry } from '../src/index.js';
import { RUNS, mutationArbitrary, payloadArbitrary } from './support/arbitraries.js';

const refusal = (schema: Record<string, unknown>): string => {
  try {
    guardSource(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(GuardError);
    return (error as Error).message;
  }
  throw new Error('expected the schema to be refused');
};

describe('yes/no guard generator', () => {
  it('refuses a keyword it has no translation for, naming where it is and what to do', () => {
    expect(refusal({ type: 'object', properties: { a: { type: 'number', multipleOf: 2 } } })).toBe(
      '/properties/a/multipleOf: keyword "multipleOf" has no yes/no translation (guard-keyword); keep the contract to the keywords scripts/emit/guard-code.ts translates, or add a translation there with a differential test',
    );
    expect(refusal({ type: 'array', items: { type: 'object', patternProperties: {} } })).toMatch(/^\/items\/patternProperties: /);
  });

  it('refuses a format src/contract/formats.ts does not check, rather than skip it', () => {
    expect(refusal({ type: 'string', format: 'email' })).toMatch(/^\/format: format "email" is not one src\/contract\/formats\.ts checks \(guard-keyword\)/);
  });

  it('refuses a const or enum of objects and an additionalProperties schema', () => {
    expect(refusal({ const: { a: 1 } })).toMatch(/^\/const: only a string, number, boolean or null/);
    expect(refusal({ enum: [[1]] })).toMatch(/^\/enum: /);
    expect(refusal({ type: 'object', additionalProperties: { type: 'string' } })).toMatch(/^\/additionalProperties: only true or false/);
  });

  it('makes a pattern\'s groups non-capturing, leaving classes, escapes, lookarounds and back-references alone', () => {
    expect(withoutCaptures('^[0-9]{4}-(0[1-9]|1[0-2])(\\.[0-9]{1,9})?Z$')).toBe('^[0-9]{4}-(?:0[1-9]|1[0-2])(?:\\.[0-9]{1,9})?Z$');
    expect(withoutCaptures('[(\\]]\\((?=a)(?<!b)(?<n>c)(?:d)')).toBe('[(\\]]\\((?=a)(?<!b)(?<n>c)(?:d)');
    expect(withoutCaptures('^(a)\\1$')).toBe('^(a)\\1$');
    expect(withoutCaptures('^(?<x>a)(b)\\k<x>$')).toBe('^(?<x>a)(b)\\k<x>$');
  });

  it('splits the checks of a large object into functions V8 can optimize, with the verdict of ajv on every single change', async () => {
    const properties: Record<string, unknown> = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`count${i}`, { type: 'integer', minimum: 0, maximum: 9 }]));
    properties['nested'] = { type: 'object', properties: { a: { type: 'string', maxLength: 3 } }, required: ['a'], additionalProperties: false };
    properties['toString'] = { type: 'boolean' };
    const required = [...Object.keys(properties).filter((name, i) => i % 3 !== 0), 'constructor'];
    const schema = { type: 'object', properties, required, additionalProperties: true };
    const closed = { ...schema, required: required.filter((name) => name !== 'constructor'), additionalProperties: false };
    for (const candidate of [schema, closed]) {
      const source = guardSource(candidate);
      expect(source.match(/^function part\d+\(/gm)).toHaveLength(3);
      const validate = createAjv().compile(candidate);
      const code = await toGuardCode(candidate, 'test', repoRoot);
      const isValid = ((await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: (v: unknown) => boolean }).default;
      const base: Record<string, unknown> = Object.fromEntries(Object.keys(properties).map((name) => [name, name === 'nested' ? { a: 'x' } : name === 'toString' ? true : 1]));
      if (candidate === schema) base['constructor'] = 0;
      const payloads: unknown[] = [base, {}, []];
      for (const name of [...Object.keys(properties), 'constructor']) {
        for (const value of [undefined, -1, 10, 'x', null, { a: 'long!' }, {}]) {
          const payload = { ...base };
          if (value === undefined) delete payload[name];
          else Object.defineProperty(payload, name, { value, enumerable: true, writable: true, configurable: true });
          payloads.push(payload);
        }
      }
      payloads.push({ ...base, unknownField: 1 });
      for (const payload of payloads) expect(isValid(payload), JSON.stringify(payload).slice(0, 80)).toBe(validate(payload));
    }
  });

  it('ignores annotations and x- keywords, which decide nothing', () => {
    const annotated = guardSource({ type: 'string', title: 't', description: 'd', examples: ['x'], 'x-privacy': { purpose: 'p' } });
    expect(annotated).toBe(guardSource({ type: 'string' }));
  });
});

describe('validators built from a guard and an explaining validator', () => {
  it('refuse what the guard refuses even where ajv\'s code finds nothing, naming it a disagreement', async () => {
    const schema = { type: 'array', uniqueItems: true, items: { type: 'string' } };
    const validate = createAjv().compile(schema) as unknown as GeneratedValidator<unknown>;
    const code = await toGuardCode(schema, 'test', repoRoot);
    const isValid = ((await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: (v: unknown) => boolean }).default;
    const { validate: check, is } = createValidators(new Map([[1, { validate, isValid, rules: [] }]]), 1);
    const twins = ['__proto__', '__proto__'];
    // ajv's generated uniqueItems keeps a plain {} as index, where "__proto__" is the prototype, not a key.
    expect(validate(twins)).toBe(true);
    expect(is(twins)).toBe(false);
    expect(check(twins)).toEqual({ ok: false, errors: [{ path: '', rule: 'validator-disagreement', message: expect.stringMatching(/^\(root\): breaks the schema .* \(validator-disagreement\)$/) }] });
    expect(check(['a', 'b'])).toEqual({ ok: true, value: ['a', 'b'] });
  });
});

describe.each(contracts.map((c) => c.version))('the shipped fast path, v%i', (version) => {
  const schema = versions[version as keyof typeof versions].schema as unknown as Record<string, unknown>;
  const agree = (payload: unknown) => isTelemetry(payload) === validateTelemetry(payload).ok;

  it('isTelemetry (guard and compiled rules) says what validateTelemetry says, on valid payloads and on every kind of mutation', () => {
    fc.assert(fc.property(payloadArbitrary(schema), agree), { numRuns: RUNS });
    fc.assert(fc.property(mutationArbitrary(schema), ({ payload }) => agree(payload)), { numRuns: RUNS });
  });

  it('isTelemetry refuses what breaks only a cross-field rule (an instant order swapped)', () => {
    const orders = (schema['x-rules'] as CrossFieldRule[]).filter((rule) => rule.kind === 'instant-before');
    expect(orders.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(payloadArbitrary(schema), (payload) => {
        const swapped: Record<string, unknown> = { ...payload };
        for (const { earlier, later } of orders) [swapped[earlier.slice(1)], swapped[later.slice(1)]] = [payload[later.slice(1)], payload[earlier.slice(1)]];
        return !isTelemetry(swapped) && !validateTelemetry(swapped).ok;
      }),
      { numRuns: Math.min(RUNS, 200) },
    );
  });

  it('never throws, even on values that are not plain data', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); }, get: () => { throw new Error('boom'); } });
    expect(isTelemetry(hostile)).toBe(false);
    expect(validateTelemetry(hostile)).toMatchObject({ ok: false, errors: [{ rule: 'unreadable' }] });
  });
});
