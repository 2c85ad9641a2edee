import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { copyRepo } from './support/repo-copy.js';
import { v1 } from '../schema/index.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
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
      // Without a record nothing says what bounds it, and its pattern allows 8 letters of anything.
      `free-text ${where} header x-bare: can carry free text: by its pattern and length it allows about 38 bits (4 bytes of chosen text), more than the 16 bits a value may carry on its schema alone`,
    ]);
  });

  it('gives every finding a fix', () => {
    const all = lintContract(missingRecord as unknown as typeof v1, toJsonSchema(missingRecord as unknown as typeof v1));
    expect(all.every((f) => f.fix !== undefined && f.fix.length > 0)).toBe(true);
  });
});

describe('lint: retention and owner (privacy-record)', () => {
  const withRecord = (field: string, change: Record<string, unknown>) => {
    const schema = toJsonSchema(v1) as Record<string, any>;
    Object.assign(schema.properties[field]['x-privacy'], change);
    return lintContract(v1, schema, '2026-11-25').map((f) => `${f.rule} ${f.where}: ${f.what}`);
  };

  it.each(['P0D', 'P400D', 'P13M', 'P2Y', 'contract-end+P30D', 'contract-end+P0D'])('accepts the retention %s', (retention) => {
    expect(withRecord('activeSeats', { retention })).toEqual([]);
  });
  it.each(['forever', '400 days', 'P', 'P-1D', 'PT5M', ''])('refuses the retention %j', (retention) => {
    expect(withRecord('activeSeats', { retention })).toEqual([expect.stringMatching(/^privacy-record schema\/v1\.ts activeSeats: privacy record: retention .* not a retention period$/)]);
  });
  it('refuses a missing or placeholder owner', () => {
    expect(withRecord('activeSeats', { owner: '' })).toEqual(['privacy-record schema/v1.ts activeSeats: privacy record: owner is missing or empty']);
    expect(withRecord('activeSeats', { owner: 'TBD' })).toEqual(['privacy-record schema/v1.ts activeSeats: privacy record: owner is a placeholder ("TBD")']);
  });
});

describe('lint: review-by', () => {
  const lintOn = (today: string, reviewBy = '2027-05-31') => {
    const schema = toJsonSchema(v1) as Record<string, any>;
    for (const property of Object.values<any>(schema.properties)) property['x-privacy'].reviewBy = '2027-11-30';
    for (const header of Object.values<any>(schema['x-headers'].properties)) header['x-privacy'].reviewBy = '2027-11-30';
    for (const header of Object.values<any>(schema['x-transport-headers'].properties)) header['x-privacy'].reviewBy = '2027-11-30';
    schema.properties.activeSeats['x-privacy'].reviewBy = reviewBy;
    return lintContract(v1, schema, today).map((f) => `${f.severity} ${f.rule} ${f.where}: ${f.what}`);
  };

  it('is quiet more than 30 days before the date', () => expect(lintOn('2027-04-30')).toEqual([]));
  it('warns 30 days before, naming the field and the owner', () => {
    expect(lintOn('2027-05-01')).toEqual(['warning review-by schema/v1.ts activeSeats: review is due on 2027-05-31, in 30 days; Customer Success owns the field']);
  });
  it('fails after the date, naming the field and the owner, with the fix', () => {
    const findings = lintContract(v1, toJsonSchema(v1), '2027-06-01').filter((f) => f.where.endsWith(' activeSeats'));
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'error', rule: 'review-by', what: 'review was due on 2027-05-31; Customer Success owns the field' }),
    ]);
    expect(findings[0]!.fix).toBe(
      'Customer Success: review the field with a privacy reviewer, move its reviewBy (at most two years ahead), then record the review with `npm run review -- 1 --reviewer "<name>" --link <ticket>`. On a released version this is an amendment: no new version, and no validator, vector or storage migration it published moves',
    );
  });
  it('fails on a date more than two years ahead', () => {
    expect(lintOn('2026-11-25', '2028-12-01')).toEqual(['error review-by schema/v1.ts activeSeats: reviewBy 2028-12-01 is more than two years ahead']);
  });
  it('fails on a date that does not exist', () => {
    expect(lintOn('2026-11-25', '2027-02-30')).toEqual(['error review-by schema/v1.ts activeSeats: privacy record: reviewBy "2027-02-30" is not a date (YYYY-MM-DD)']);
  });
});

describe('lint through the commands', () => {
  const saved = process.env['TELEMETRY_CONTRACT_TODAY'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TELEMETRY_CONTRACT_TODAY'];
    else process.env['TELEMETRY_CONTRACT_TODAY'] = saved;
  });

  it('check prints a due-soon warning and passes; after the date it fails naming the owner', async () => {
    const repo = copyRepo();
    try {
      process.env['TELEMETRY_CONTRACT_TODAY'] = '2027-05-20';
      const soon = await repo.run(checkCommand);
      expect(soon.code).toBe(0);
      expect(soon.err).toContain('schema/v1.ts activeSeats: review is due on 2027-05-31, in 11 days; Customer Success owns the field (review-by)');
      process.env['TELEMETRY_CONTRACT_TODAY'] = '2027-06-01';
      const late = await repo.run(checkCommand);
      expect(late.code).toBe(1);
      expect(late.out).toContain('schema/v1.ts activeSeats: review was due on 2027-05-31; Customer Success owns the field (review-by)');
    } finally {
      repo.remove();
    }
  });
});
