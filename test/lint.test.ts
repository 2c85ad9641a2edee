import { describe, expect, it } from 'vitest';
import { v1 } from '../schema/index.js';
import { toJsonSchema } from '../scripts/lib/json-schema.js';
import { lintContract } from '../scripts/lint/index.js';
import { missingRecord } from './fixtures/contracts/missing-record.js';

const findings = (contract: typeof v1) => lintContract(contract, toJsonSchema(contract)).map((f) => `${f.rule} ${f.where}: ${f.what}`);

describe('lint: privacy-record', () => {
  it('passes schema v1', () => {
    expect(findings(v1)).toEqual([]);
  });

  it('names each field without a complete record, nested ones by dotted path', () => {
    const found = findings(missingRecord as unknown as typeof v1);
    const where = 'test/fixtures/contracts/missing-record.ts';
    expect(found).toEqual([
      `privacy-record ${where} bare: has no privacy record (x-privacy)`,
      `privacy-record ${where} placeholder: privacy record: purpose is a placeholder ("TODO")`,
      `privacy-record ${where} unknownBasis: privacy record: legalBasis "because" is not a GDPR Art. 6(1) basis`,
      `privacy-record ${where} unknownCategory: privacy record: category "misc" is not a known data category`,
      `privacy-record ${where} nested.inner: has no privacy record (x-privacy)`,
      `privacy-record ${where} header x-bare: has no privacy record (x-privacy)`,
    ]);
  });

  it('gives every finding a fix', () => {
    const all = lintContract(missingRecord as unknown as typeof v1, toJsonSchema(missingRecord as unknown as typeof v1));
    expect(all.every((f) => f.fix !== undefined && f.fix.length > 0)).toBe(true);
  });
});
