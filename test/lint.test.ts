import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { copyRepo } from './support/repo-copy.js';
import { v1 } from '../schema/index.js';
import { probe } from '../schema/probe.js';
import { type SourceFile, sourceFiles } from '../scripts/contract/sources.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { probeAsContract, probeSchema } from '../scripts/emit/probe.js';
import { lintAll, lintContract } from '../scripts/lint/index.js';
import { v2 } from './fixtures/contracts/v2.js';
import { reviewByFindings } from '../scripts/lint/review-by.js';
import { repoRoot } from './helpers.js';
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

describe('lint: where a finding points', () => {
  it('names the file that declares the field: a header schema/headers.ts, a field a later version takes over the file it comes from', async () => {
    const schema = toJsonSchema(v1) as Record<string, any>;
    schema['x-headers'].properties['x-telemetry-customer']['x-privacy'].owner = 'TBD';
    schema.properties.activeSeats['x-privacy'].owner = 'TBD';
    const sources = await sourceFiles(repoRoot, 'schema/v1.ts');
    expect(lintAll([{ contract: v1, schema, sources }], '2026-12-01').map((f) => `${f.rule} ${f.where}`)).toEqual(['privacy-record schema/v1.ts activeSeats', 'privacy-record schema/headers.ts header x-telemetry-customer']);

    const next = v2 as unknown as typeof v1;
    const later = toJsonSchema(next) as Record<string, any>;
    later.properties.activeSeats['x-privacy'].owner = 'TBD';
    later.properties.environmentPairs.properties.total['x-privacy'].owner = 'TBD';
    const own = await sourceFiles(repoRoot, 'test/fixtures/contracts/v2.ts');
    expect(lintAll([{ contract: next, schema: later, sources: own }], '2026-12-01').map((f) => f.where)).toEqual(['schema/v1.ts activeSeats', 'test/fixtures/contracts/v2.ts environmentPairs.total']);
  });
});

describe('lint: review-by, one finding per cause', () => {
  /** v1 with every review date far ahead, but `reviewBy` on activeSeats. */
  const withDate = (reviewBy: string) => {
    const schema = toJsonSchema(v1) as Record<string, any>;
    for (const property of Object.values<any>(schema.properties)) property['x-privacy'].reviewBy = '2027-11-30';
    for (const header of Object.values<any>(schema['x-headers'].properties)) header['x-privacy'].reviewBy = '2027-11-30';
    for (const header of Object.values<any>(schema['x-transport-headers'].properties)) header['x-privacy'].reviewBy = '2027-11-30';
    schema.properties.activeSeats['x-privacy'].reviewBy = reviewBy;
    return schema;
  };
  const lintOn = (today: string, reviewBy = '2027-05-31') => reviewByFindings([{ contract: v1, schema: withDate(reviewBy) }], today).map((f) => `${f.severity} ${f.where}: ${f.what}`);
  let sources: { v1: SourceFile[]; probe: SourceFile[] };
  beforeAll(async () => {
    sources = { v1: await sourceFiles(repoRoot, 'schema/v1.ts'), probe: await sourceFiles(repoRoot, 'schema/probe.ts') };
  });

  it('is quiet more than 30 days before the date', () => expect(lintOn('2027-04-30')).toEqual([]));
  it('warns 30 days before, naming the field and the owner', () => {
    expect(lintOn('2027-05-01')).toEqual(['warning schema/v1.ts: the review of 1 field is due on 2027-05-31, in 30 days (v1: activeSeats); owners: Customer Success']);
  });
  it('after the date, one finding for every field and header of the day, naming the files that hold it, not the version\'s file alone', () => {
    const findings = reviewByFindings([{ contract: v1, schema: toJsonSchema(v1), sources: sources.v1 }], '2027-06-01');
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ severity: 'error', rule: 'review-by', where: 'schema/v1.ts, schema/headers.ts' });
    expect(finding!.what).toBe(
      'the review of 11 fields and 15 headers was due on 2027-05-31 (v1: schemaVersion, periodStart, periodEnd, activeSeats, policiesActive, policyExecutionsCount, totalProvisionedSeats, seatLimitHit, featuresUsed, appVersion, nodeVersion, header content-type, header webhook-id, header webhook-timestamp, header webhook-signature, header x-telemetry-customer, header x-telemetry-license-id, header x-telemetry-schema-version, header host, header content-length, header connection, header user-agent, header accept, header accept-language, header accept-encoding, header sec-fetch-mode); owners: Platform team, Customer Success, Product Management, License Management, Support Engineering, Platform Security',
    );
  });
  it('gives the whole fix: the edit in each file, the approval, and the changelog entry the check against the base asks for', () => {
    const [finding] = reviewByFindings([{ contract: v1, schema: toJsonSchema(v1), sources: sources.v1 }], '2027-06-01');
    expect(finding!.fix).toBe(
      "Platform team, Customer Success, Product Management, License Management, Support Engineering and Platform Security review the fields with a privacy reviewer; then (1) in schema/v1.ts and schema/headers.ts, change every reviewBy: '2027-05-31' to a day at most two years ahead (2029-06-01 at the latest); (2) `npm run review -- 1 --reviewer \"<name>\" --role \"<role>\" --link <ticket>`; (3) add an entry to docs/CHANGELOG.md that names `reviewBy` and says whose review moved (`npm run check -- --base <target branch>` asks for it). On a released version the approval records an amendment: no new version, and no validator, vector or storage migration it published moves.",
    );
  });
  it('joins the connection test to the finding of its day, naming schema/probe.ts; alone, its fix regenerates instead of recording a review', () => {
    const probeSubject = { contract: probeAsContract(probe), schema: probeSchema(probe), sources: sources.probe };
    const [both] = reviewByFindings([{ contract: v1, schema: toJsonSchema(v1), sources: sources.v1 }, probeSubject], '2027-06-01');
    expect(both!.where).toBe('schema/v1.ts, schema/headers.ts, schema/probe.ts');
    expect(both!.what).toContain('; the connection test: probe, schemaVersion, nonce)');
    const [alone] = reviewByFindings([probeSubject], '2027-06-01');
    expect(alone!.where).toBe('schema/probe.ts');
    expect(alone!.fix).toContain("(1) in schema/probe.ts, change every reviewBy: '2027-05-31'");
    expect(alone!.fix).toContain('(2) `npm run generate`; (3) add an entry to docs/CHANGELOG.md');
    expect(alone!.fix).not.toContain('npm run review');
  });
  it('two passed days are two causes, two findings', () => {
    const schema = withDate('2027-04-30');
    expect(reviewByFindings([{ contract: v1, schema }], '2027-12-01').map((f) => f.what.slice(0, 48))).toEqual(['the review of 1 field was due on 2027-04-30 (v1:', 'the review of 10 fields and 15 headers was due o']);
  });
  it('fails on a date more than two years ahead', () => {
    expect(lintOn('2026-11-25', '2028-12-01')).toEqual(['error schema/v1.ts: reviewBy 2028-12-01 is more than two years ahead (v1: activeSeats)']);
  });
  it('fails on a date that does not exist', () => {
    expect(lintOn('2026-11-25', '2027-02-30')).toEqual(['error schema/v1.ts activeSeats: privacy record: reviewBy "2027-02-30" is not a date (YYYY-MM-DD)']);
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
      expect(soon.err).toMatch(/^schema\/v1\.ts, schema\/headers\.ts, schema\/probe\.ts: the review of 14 fields and 15 headers is due on 2027-05-31, in 11 days \(v1: .*\); owners: .*Customer Success.* \(review-by\)\n {2}fix: plan the review before 2027-05-31/);
      process.env['TELEMETRY_CONTRACT_TODAY'] = '2027-06-01';
      const late = await repo.run(checkCommand);
      expect(late.code).toBe(1);
      // One cause, one finding: not one per field.
      expect(late.out.match(/\(review-by\)/g)).toHaveLength(1);
      expect(late.out).toMatch(/^schema\/v1\.ts, schema\/headers\.ts, schema\/probe\.ts: the review of 14 fields and 15 headers was due on 2027-05-31 \(v1: .*\); owners: .*Customer Success.* \(review-by\)$/m);
    } finally {
      repo.remove();
    }
  });
});
