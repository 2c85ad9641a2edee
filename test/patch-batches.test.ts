import { describe, expect, it } from 'vitest';
import type { Contract } from '../schema/contract.js';
import { v1 } from '../schema/v1.js';
import { type PatchOperation, applyPatch, withPatch } from '../scripts/emit/json-patch.js';
import { createAjv } from '../scripts/emit/ajv.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { batchable, validatePatches } from '../scripts/emit/patch-batches.js';
import { conformanceVectors } from '../scripts/emit/vectors.js';
import type { GeneratedValidator } from '../src/contract/generated-validator.js';
import { createValidators } from '../src/contract/validate-core.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { v2 } from './fixtures/contracts/v2.js';

function reference(contract: Contract) {
  const schema = toJsonSchema(contract);
  const validate = createAjv().compile(schema) as unknown as GeneratedValidator<unknown>;
  let calls = 0;
  // Every payload goes through the guard slot once: its calls count the payloads validated.
  const isValid = (value: unknown) => (calls++, validate(value));
  const validators = createValidators(new Map([[contract.version, { validate, isValid, rules: schema['x-rules'] as CrossFieldRule[] }]]), contract.version);
  return { schema, validate: validators.validate, calls: () => calls };
}

describe('validating many patches of one valid document', () => {
  it.each([
    ['v1', v1 as Contract],
    ['the nested v2 fixture', v2 as unknown as Contract],
  ])('gives exactly the one-by-one answers for every conformance vector of %s, in far fewer calls', (_name, contract) => {
    const { schema, validate, calls } = reference(contract);
    const { base, vectors } = conformanceVectors(schema, validate);
    const patches = vectors.map((v) => v.patch);
    const before = calls();
    const batched = validatePatches(base, patches, validate, schema);
    const batchCalls = calls() - before;
    const alone = patches.map((patch) => validate(applyPatch(base, patch)));
    const shape = (r: (typeof alone)[number]) => (r.ok ? 'valid' : r.errors.map((e) => `${e.path} ${e.rule} ${e.message}`));
    expect(batched.map(shape)).toEqual(alone.map(shape));
    expect(batchCalls).toBeLessThan(patches.length);
  });

  it('validates the vectors of a 200-field object in a handful of payloads', () => {
    const properties = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`count${i}`, { type: 'integer', minimum: 0, maximum: 1000 }]));
    const schema = { type: 'object', properties: { schemaVersion: { const: 1, type: 'integer' }, ...properties }, required: ['schemaVersion', ...Object.keys(properties)], additionalProperties: false };
    const validate = createAjv().compile(schema) as unknown as GeneratedValidator<unknown>;
    let payloads = 0;
    const validators = createValidators(new Map([[1, { validate, isValid: (value: unknown) => (payloads++, validate(value)), rules: [] }]]), 1);
    const { base, vectors } = conformanceVectors(schema, validators.validate);
    expect(vectors.length).toBeGreaterThan(2000);
    payloads = 0;
    validatePatches(base, vectors.map((v) => v.patch), validators.validate, schema);
    expect(payloads).toBeLessThan(40);
  });

  it('validates everything alone when a keyword relates the members of an object', () => {
    expect(batchable(toJsonSchema(v1))).toBe(true);
    for (const keyword of [{ minProperties: 1 }, { dependentRequired: { a: ['b'] } }, { if: { required: ['a'] }, then: { required: ['b'] } }, { additionalProperties: { type: 'string' } }]) {
      expect(batchable({ type: 'object', properties: { a: { type: 'integer' } }, ...keyword })).toBe(false);
    }
    let calls = 0;
    const validate = () => (calls++, { ok: true as const, value: undefined });
    validatePatches({ a: 1, b: 2 }, [[{ op: 'replace', path: '/a', value: 3 }], [{ op: 'replace', path: '/b', value: 3 }]], validate, { type: 'object', minProperties: 1 });
    expect(calls).toBe(2);
  });

  it('falls back to one patch at a time when an error of a round belongs to none of its patches', () => {
    const patches: PatchOperation[][] = [[{ op: 'replace', path: '/a', value: 'x' }], [{ op: 'replace', path: '/b', value: 'y' }]];
    const seen: unknown[] = [];
    const validate = (value: unknown) => {
      seen.push(value);
      const v = value as { a: unknown; b: unknown };
      // An error only the combination produces, at a path neither patch owns.
      return v.a === 'x' && v.b === 'y' ? { ok: false as const, errors: [{ path: '/c', rule: 'odd', message: '/c: odd (odd)' }] } : { ok: true as const, value };
    };
    const results = validatePatches({ a: 1, b: 2, c: 3 }, patches, validate, { type: 'object', properties: { a: {}, b: {}, c: {} } });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(seen).toHaveLength(3);
  });
});

describe('json patch', () => {
  it('withPatch answers as on a patched copy and leaves the document as it was', () => {
    const document = { a: 1, list: [1, 2], nested: { b: true } };
    const patch: PatchOperation[] = [{ op: 'remove', path: '/a' }, { op: 'replace', path: '/list/1', value: 9 }, { op: 'add', path: '/nested/__proto__', value: 'x' }];
    const seen = withPatch(document, patch, (patched) => JSON.stringify(patched));
    expect(JSON.parse(seen)).toEqual(JSON.parse(JSON.stringify(applyPatch(document, patch))));
    expect(document).toEqual({ a: 1, list: [1, 2], nested: { b: true } });
    expect(Object.getPrototypeOf(document.nested)).toBe(Object.prototype);
  });

  it('refuses a path that does not exist, naming it', () => {
    expect(() => applyPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 1 }])).toThrow('applyPatch: /b does not exist');
    expect(() => applyPatch({ a: 1 }, [{ op: 'remove', path: '/x/y' }])).toThrow('applyPatch: /x/y does not exist');
  });
});
