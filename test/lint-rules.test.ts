import { type TSchema, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { type Contract, defineContract } from '../schema/contract.js';
import { type PrivacyRecord, privacy } from '../schema/privacy.js';
import { exceptionsPart } from '../scripts/docs/audit-doc.js';
import { stringify } from '../scripts/docs/mdast.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { lintContract } from '../scripts/lint/index.js';

const base = {
  purpose: 'Counts something about the whole deployment for billing.',
  legalBasis: 'contract',
  basisNote: 'billing',
  category: 'usage-aggregate',
  retention: 'P400D',
  owner: 'Billing',
  reviewBy: '2027-05-31',
  // What a string can hold, stated: the rules below are about other things (values-stated and free-text: lint-capacity.test.ts).
  values: { are: 'What the field of this test holds.', keptBy: ['duty:vendor: the test says so'] },
} as const satisfies PrivacyRecord;
const rec = (extra: Partial<PrivacyRecord> = {}) => privacy({ ...base, ...extra } as PrivacyRecord);
const count = (extra: Partial<PrivacyRecord> = {}) => Type.Integer({ minimum: 0, maximum: 100, ...rec(extra) });

/** A one-version contract with these body fields, linted on a fixed day; returns "rule field" pairs. */
function lint(properties: Record<string, TSchema>, headers: Record<string, TSchema> = {}): string[] {
  const contract = defineContract({
    version: 1,
    source: 'test.ts',
    payload: Type.Object(properties, { additionalProperties: false }),
    headers: Type.Object(headers),
    rules: [],
    notCollected: [{ what: 'Policy content', examples: ['policy name', 'policy body'], reason: 'Only counts matter.' }],
  }) as unknown as Contract;
  return lintContract(contract, toJsonSchema(contract), '2026-11-25').map((f) => `${f.rule} ${f.where.replace(/^test\.ts /, '')}`);
}

describe('lint rules', () => {
  it('a well-formed contract passes every rule', () => {
    expect(lint({ seats: count(), kind: Type.Union([Type.Literal('a'), Type.Literal('b')], rec()), code: Type.String({ pattern: '^[a-z]+$', maxLength: 8, ...rec() }) })).toEqual([]);
  });

  describe('proportionality', () => {
    it('refuses a legitimate-interests field without a balancing note', () => {
      expect(lint({ seats: count({ legalBasis: 'legitimate-interests' } as Partial<PrivacyRecord>) })).toEqual(['proportionality seats']);
    });
    it('refuses a note too short to weigh anything', () => {
      expect(lint({ seats: count({ legalBasis: 'legitimate-interests', proportionality: 'It is fine.' }) })).toEqual(['proportionality seats']);
    });
    it('passes a note of a sentence or two', () => {
      expect(lint({ seats: count({ legalBasis: 'legitimate-interests', proportionality: 'One count per deployment cannot single out a person, and the vendor needs it to size plans.' }) })).toEqual([]);
    });
  });

  describe('personal-data-name', () => {
    it.each(['userId', 'user_id', 'e-mail', 'ipAddress', 'sessionToken', 'password', 'phone', 'cookieCount', 'lastName'])('refuses a field named %s', (name) => {
      expect(lint({ [name]: count() })).toEqual([`personal-data-name ${name}`]);
    });
    it('refuses a field named after something the contract says it does not collect', () => {
      expect(lint({ policyName: count() })).toEqual(['personal-data-name policyName']);
    });
    it('refuses a field whose description mentions personal data', () => {
      expect(lint({ contacts: count({ purpose: 'The email address of the admin, for billing reminders.' }) })).toEqual(['personal-data-name contacts']);
    });
    it('refuses a header named like a secret', () => {
      expect(lint({}, { 'x-api-key': Type.String({ pattern: '^[a-z]+$', maxLength: 8, ...rec() }) })).toEqual(['personal-data-name header x-api-key']);
    });
    it('passes names that only contain a word like "name" inside another ("renamedCount")', () => {
      expect(lint({ renamedCount: count(), namespaces: count() })).toEqual([]);
    });
  });

  describe('personal-default', () => {
    it.each([
      ['an email', 'jane.doe@example.org'],
      ['an IP address', '192.168.10.4'],
      ['a phone number', '+49 30 1234 5678'],
      ['a secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ])('refuses %s as a default or example', (_kind, value) => {
      expect(lint({ code: Type.String({ pattern: '^.+$', maxLength: 64, default: value, ...rec() }) })).toEqual(['personal-default code']);
      expect(lint({ code: Type.String({ pattern: '^.+$', maxLength: 64, examples: [value], ...rec() }) })).toEqual(['personal-default code']);
    });
    it('passes an obviously fictitious example', () => {
      expect(lint({ code: Type.String({ pattern: '^.+$', maxLength: 64, examples: ['feature-a'], ...rec() }) })).toEqual([]);
    });
  });

  describe('closed-object', () => {
    it('refuses an open nested object', () => {
      expect(lint({ pairs: Type.Object({ total: count() }, rec()) })).toEqual(['closed-object pairs']);
    });
    it('refuses a free-form record', () => {
      expect(lint({ tags: Type.Record(Type.String(), Type.Integer(), rec()) })).toContain('closed-object tags');
    });
    it('passes a closed nested object', () => {
      expect(lint({ pairs: Type.Object({ total: count() }, { additionalProperties: false, ...rec() }) })).toEqual([]);
    });
  });

  describe('bounded-string', () => {
    it('refuses a free-text string', () => expect(lint({ note: Type.String({ maxLength: 200, ...rec() }) })).toEqual(['bounded-string note']));
    it('refuses a pattern without maxLength', () => expect(lint({ note: Type.String({ pattern: '^[a-z]+$', ...rec() }) })).toEqual(['bounded-string note']));
    it('passes an enum, a const, and a format with maxLength', () => {
      expect(lint({ a: Type.Literal('x', rec()), b: Type.String({ format: 'date', maxLength: 10, ...rec() }) })).toEqual([]);
    });
  });

  describe('bounded-array', () => {
    it('refuses a list without maxItems', () => expect(lint({ list: Type.Array(Type.Literal('x'), rec()) })).toEqual(['bounded-array list']));
    it('passes a list with maxItems', () => expect(lint({ list: Type.Array(Type.Literal('x'), { maxItems: 3, ...rec() }) })).toEqual([]));
  });

  describe('bounded-number', () => {
    it('refuses an integer without minimum', () => expect(lint({ n: Type.Integer(rec()) })).toEqual(['bounded-number n']));
    it('refuses a fractional number without maximum', () => expect(lint({ n: Type.Number({ minimum: 0, ...rec() }) })).toEqual(['bounded-number n']));
    it('passes an integer with a minimum, and a number with both bounds', () => {
      expect(lint({ a: Type.Integer({ minimum: 0, ...rec() }), b: Type.Number({ minimum: 0, maximum: 1, ...rec() }) })).toEqual([]);
    });
  });

  describe('no-any', () => {
    it('refuses any and unknown', () => {
      expect(lint({ a: Type.Any(rec()), b: Type.Unknown(rec()) })).toEqual(['no-any a', 'no-any b']);
    });
  });

  describe('exceptions', () => {
    const justification = 'Support needs the free-text build channel name; it is chosen by the vendor and never by a person.';
    it('exempts a field from one rule when the record justifies it, and the audit document shows it', () => {
      const note = Type.String({ maxLength: 32, ...rec({ exceptions: [{ rule: 'bounded-string', justification }] }) });
      expect(lint({ note })).toEqual([]);
      const contract = defineContract({ version: 1, source: 't', payload: Type.Object({ note }, { additionalProperties: false }), headers: Type.Object({}), rules: [], notCollected: [] }) as unknown as Contract;
      const part = stringify(exceptionsPart({ contract, schema: toJsonSchema(contract) }));
      expect(part).toContain(`| \`note\` | \`bounded-string\` | ${justification} |`);
    });
    it('refuses an exception without a real justification', () => {
      const note = Type.String({ maxLength: 32, ...rec({ exceptions: [{ rule: 'bounded-string', justification: 'needed' }] }) });
      expect(lint({ note })).toEqual(['exception note']);
    });
    it('refuses an exception from a rule that cannot be exempted', () => {
      const seats = count({ exceptions: [{ rule: 'privacy-record' as 'no-any', justification }] });
      expect(lint({ seats })).toEqual(['exception seats']);
    });
    it('refuses an exception that exempts nothing', () => {
      expect(lint({ seats: count({ exceptions: [{ rule: 'bounded-number', justification }] }) })).toEqual(['exception seats']);
    });
  });
});

describe('lint: what an exception cannot do', () => {
  it('an exception naming privacy-record does not excuse a missing purpose', () => {
    const seats = Type.Integer({ minimum: 0, maximum: 1, ...rec({ purpose: 'TODO', exceptions: [{ rule: 'privacy-record' as 'no-any', justification: 'We will write the purpose later, once the product team has decided.' }] }) });
    expect(lint({ seats })).toEqual(['privacy-record seats', 'exception seats']);
  });
});
