import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { DEFAULT_MAX_BYTES, parseTelemetry, validateTelemetry } from '../src/index.js';
import { RUNS, mutationArbitrary, payloadArbitrary } from './support/arbitraries.js';

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

describe.each(contracts.map((c) => [c.version, toJsonSchema(c)] as const))('properties of v%i', (_version, schema) => {
  it('every payload generated from the schema is valid', () => {
    fc.assert(
      fc.property(payloadArbitrary(schema), (payload) => {
        const result = validateTelemetry(payload);
        expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('every single mutation of a valid payload fails, naming the mutated path', () => {
    fc.assert(
      fc.property(mutationArbitrary(schema), (mutation) => {
        const result = validateTelemetry(mutation.payload);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors.some((e) => e.path === mutation.pointer || e.path.startsWith(`${mutation.pointer}/`))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseTelemetry on arbitrary input', () => {
  const before = prototypeKeys();
  const safe = (input: string | Uint8Array) => {
    const result = parseTelemetry(input);
    expect(typeof result.ok).toBe('boolean');
    expect(prototypeKeys()).toBe(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  };

  it('never throws on any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => safe(JSON.stringify(value) ?? 'null')), { numRuns: RUNS });
  });

  it('never throws on any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 512 }), safe), { numRuns: RUNS });
  });

  it('never throws on any bytes, valid UTF-8 or not', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), safe), { numRuns: RUNS });
  });

  it('never lets __proto__, constructor or prototype keys pollute or pass', () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype');
    fc.assert(
      fc.property(key, fc.jsonValue({ maxDepth: 2 }), (name, value) => {
        const text = `{"schemaVersion":1,${JSON.stringify(name)}:${JSON.stringify({ polluted: true, inner: value })}}`;
        const result = parseTelemetry(text);
        expect(result.ok).toBe(false);
        safe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses anything over the size limit before parsing, however deep', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('[', '{"a":', ' '), (extra, unit) => {
        const text = unit.repeat(Math.ceil((DEFAULT_MAX_BYTES + extra) / unit.length));
        const result = parseTelemetry(text);
        expect(result.ok ? [] : result.errors.map((e) => e.rule)).toEqual(['too-large']);
      }),
      { numRuns: Math.min(RUNS, 200) },
    );
  });
});
