import { describe, expect, it } from 'vitest';
import type { Contract } from '../schema/contract.js';
import { v1 } from '../schema/v1.js';
import type { JsonSchema } from '../scripts/contract/fields.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { projection, projections } from '../scripts/emit/projection.js';
import { dropFields } from '../src/contract/projection.js';
import { v2 } from './fixtures/contracts/v2.js';

const schemaV1 = toJsonSchema(v1);
const schemaV2 = toJsonSchema(v2 as unknown as Contract);
/** A copy of a schema document changed by `edit`, as a later version might be. */
const variant = (schema: JsonSchema, edit: (copy: Record<string, any>) => void): JsonSchema => {
  const copy = structuredClone(schema) as Record<string, any>;
  edit(copy);
  return copy;
};

describe('projection between versions (generated from the two schemas)', () => {
  it('carries v2 onto v1 by dropping the fields v1 lacks, nested ones with their object', () => {
    expect(projection(2, schemaV2, 1, schemaV1)).toEqual({ from: 2, to: 1, drop: [['environmentPairs'], ['executionSplit'], ['redeemedCodes']] });
  });

  it('drops a field only a nested object or the items of a list have', () => {
    const richer = variant(schemaV2, (s) => {
      s.properties.environmentPairs.properties.retired = s.properties.environmentPairs.properties.total;
      s.properties.redeemedCodes.items.properties.note = s.properties.redeemedCodes.items.properties.codeId;
    });
    expect(projection(3, richer, 2, schemaV2)).toEqual({ from: 3, to: 2, drop: [['environmentPairs', 'retired'], ['redeemedCodes', null, 'note']] });
  });

  it('refuses when the target requires a field the source does not have', () => {
    expect(projection(1, schemaV1, 2, schemaV2)).toEqual({
      from: 1,
      to: 2,
      refused: [
        { path: 'environmentPairs', what: 'v2 requires it and v1 does not have it' },
        { path: 'redeemedCodes', what: 'v2 requires it and v1 does not have it' },
      ],
    });
  });

  it('refuses when the target requires a field the source leaves optional', () => {
    const strict = variant(schemaV1, (s) => s.required.push('appVersion'));
    expect(projection(1, schemaV1, 2, strict)).toEqual({ from: 1, to: 2, refused: [{ path: 'appVersion', what: 'v2 requires it and v1 leaves it optional' }] });
  });

  it('refuses when a field both have is constrained differently, at any depth', () => {
    const wider = variant(schemaV1, (s) => (s.properties.featuresUsed.maxItems = 512));
    const refusal = projection(2, wider, 1, schemaV1);
    expect(refusal).toMatchObject({ refused: [{ path: 'featuresUsed' }] });
    expect('refused' in refusal && refusal.refused[0]!.what).toMatch(/^v1 constrains it differently \(.*"maxItems":256.* in v1, .*"maxItems":512.* in v2\)$/);
    const nested = variant(schemaV2, (s) => (s.properties.environmentPairs.properties.total.maximum = 1000));
    expect(projection(3, nested, 2, schemaV2)).toMatchObject({ refused: [{ path: 'environmentPairs.total' }] });
    const items = variant(schemaV2, (s) => (s.properties.redeemedCodes.items.properties.codeId.pattern = '^[A-Z]{8}$'));
    expect(projection(3, items, 2, schemaV2)).toMatchObject({ refused: [{ path: 'redeemedCodes[].codeId' }] });
  });

  it('refuses when the target checks a rule across fields the source does not', () => {
    const unruled = variant(schemaV1, (s) => (s['x-rules'] = []));
    expect(projection(2, unruled, 1, schemaV1)).toEqual({
      from: 2,
      to: 1,
      refused: [
        { path: 'rule period-order', what: 'v1 checks it and v2 does not, or not the same way' },
        { path: 'rule features-sorted', what: 'v1 checks it and v2 does not, or not the same way' },
      ],
    });
  });

  it('never projects a version onto itself, and covers every ordered pair', () => {
    const all = projections(new Map([[1, schemaV1], [2, schemaV2]]));
    expect(all.map((p) => `${p.from}>${p.to}`)).toEqual(['1>2', '2>1']);
  });
});

describe('dropping fields at run time', () => {
  it('removes a field everywhere its path leads, items of lists included, and says which were there', () => {
    const payload = { a: 1, nested: { keep: 1, gone: 2 }, list: [{ id: 'x', note: 'n' }, { id: 'y' }] };
    const { value, dropped } = dropFields(payload, [['nested', 'gone'], ['list', null, 'note'], ['absent']]);
    expect(value).toEqual({ a: 1, nested: { keep: 1 }, list: [{ id: 'x' }, { id: 'y' }] });
    expect(dropped).toEqual(['nested.gone', 'list[].note']);
    expect(payload.nested.gone).toBe(2);
  });
});
