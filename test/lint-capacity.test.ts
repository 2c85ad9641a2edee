import { type TSchema, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { type Contract, defineContract } from '../schema/contract.js';
import { type PrivacyRecord, privacy } from '../schema/privacy.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { listCapacity, stringCapacity } from '../scripts/lint/capacity.js';
import { lintContract } from '../scripts/lint/index.js';

const record = (values?: PrivacyRecord['values']): PrivacyRecord => ({
  purpose: 'A note about the deployment, for the support team to read.',
  legalBasis: 'contract',
  basisNote: 'support',
  category: 'software-environment',
  retention: 'P400D',
  owner: 'Support',
  reviewBy: '2027-05-31',
  ...(values === undefined ? {} : { values }),
});

/** A one-version contract with one body field `note`, linted on a fixed day: the findings as "rule: what". */
function lint(note: TSchema, rules: Contract['rules'] = []): string[] {
  const contract = defineContract({
    version: 1,
    source: 'test.ts',
    payload: Type.Object({ note }, { additionalProperties: false }),
    headers: Type.Object({}),
    rules,
    notCollected: [],
  }) as unknown as Contract;
  return lintContract(contract, toJsonSchema(contract), '2026-11-25').map((f) => `${f.rule}: ${f.what}`);
}

describe('stringCapacity: what a string can carry, from its pattern and length', () => {
  it.each([
    ['a UTC midnight of 2000 to 2099', '^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$', 20, 15.18],
    ['a Node.js major version', '^[1-9][0-9]{0,2}$', 3, 9.96],
    ['a git SHA of 7 to 40 hex digits', '^[0-9a-f]{7,40}$', 40, 160.09],
    ['a message id', '^msg_[0-9a-f]{64}$', 68, 256],
    ['one of three media types, with or without a charset', '^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$', 64, 3.91],
  ])('measures %s', (_what, pattern, maxLength, bits) => {
    expect(stringCapacity({ type: 'string', pattern, maxLength })).toEqual({ bits: expect.closeTo(bits, 2), exact: true });
  });

  it('counts only strings within maxLength, and every character a class or an escape allows', () => {
    // Any of 2^20.09 code points at each of 4,000 positions.
    expect(stringCapacity({ type: 'string', pattern: '^[\\s\\S]*$', maxLength: 4000 }).bits).toBeCloseTo(4000 * Math.log2(0x110000), -1);
    expect(stringCapacity({ type: 'string', pattern: '^[^a]{2}$', maxLength: 2 }).bits).toBeCloseTo(2 * Math.log2(0x110000 - 1), 5);
    expect(stringCapacity({ type: 'string', pattern: '^\\d{3}$', maxLength: 2 }).bits).toBe(0);
    // '', c, ab, cc, abc, cab, ccc
    expect(stringCapacity({ type: 'string', pattern: '^(ab|c)*$', maxLength: 3 }).bits).toBeCloseTo(Math.log2(7), 5);
  });

  it('is unbounded without maxLength, and an upper bound when the pattern holds what it cannot read', () => {
    expect(stringCapacity({ type: 'string', pattern: '^a+$' }).bits).toBe(Number.POSITIVE_INFINITY);
    expect(stringCapacity({ type: 'string', pattern: '^(?=x)[a-z]{3}$', maxLength: 3 })).toEqual({ bits: expect.closeTo(3 * Math.log2(0x110000), 3), exact: false });
    expect(stringCapacity({ type: 'string', const: 'x' }).bits).toBe(0);
    expect(stringCapacity({ type: 'string', enum: ['a', 'b', 'c', 'd'] }).bits).toBe(2);
    expect(listCapacity(8, 4)).toBe(33);
  });
});

describe('lint: free text and what bounds it', () => {
  const anyText = (values?: PrivacyRecord['values']) => Type.String({ pattern: '^[\\s\\S]*$', maxLength: 4000, ...privacy(record(values)) });

  it('refuses a 4,000-character field of any text, even with a complete privacy record', () => {
    const findings = lint(anyText({ are: 'Whatever the administrator writes.', keptBy: ['schema:pattern', 'schema:maxLength'] }));
    expect(findings).toEqual([expect.stringMatching(/^free-text: can carry free text: by its pattern and length it allows about 80,350 bits \(10,043 bytes of chosen text\)/)]);
  });

  it('refuses a string that does not say what values it can hold, or names a keeper that is not there', () => {
    expect(lint(Type.String({ pattern: '^[a-z]{2}$', maxLength: 2, ...privacy(record()) }))).toEqual(['values-stated: does not say what values it can hold (privacy record: values.are)']);
    expect(lint(Type.String({ pattern: '^[a-z]{2}$', maxLength: 2, ...privacy(record({ are: 'Two letters.', keptBy: ['schema:format'] })) }))).toEqual([
      "values-stated: values.keptBy names the schema keyword format, which the field's schema does not have",
    ]);
    expect(lint(Type.String({ pattern: '^[a-z]{2}$', maxLength: 2, ...privacy(record({ are: 'Two letters.', keptBy: ['rule:no-such-rule'] })) }))).toEqual([
      'values-stated: values.keptBy names the rule no-such-rule, which the contract does not declare',
    ]);
  });

  it('passes a field that carries little on its schema alone, and a wide one whose record names what bounds it beyond the schema', () => {
    expect(lint(Type.String({ pattern: '^[a-z]{3}$', maxLength: 3, ...privacy(record({ are: 'Three letters.', keptBy: ['schema:pattern'] })) }))).toEqual([]);
    expect(lint(anyText({ are: 'The id of a ticket the support system issued.', keptBy: ['schema:pattern', 'runtime:unknown-ticket'] }))).toEqual([]);
    expect(lint(anyText({ are: 'A note the operator writes.', keptBy: ['duty:operator: keeps names out of the note'] }))).toEqual([]);
  });
});
