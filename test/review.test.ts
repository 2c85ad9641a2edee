import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { linkProblem } from '../scripts/governance/reviews.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

type Findings = { findings: Array<{ where: string; rule: string; what: string; fix?: string; detail?: string }> };
async function reviewFindings() {
  const { code, out } = await repo.run(checkCommand, '--format', 'json');
  return { code, findings: (JSON.parse(out) as Findings).findings.filter((f) => f.rule.startsWith('review')) };
}
const approve = (...extra: string[]) => repo.run(reviewCommand, '1', '--reviewer', 'Data Protection Office', '--link', 'https://privacy.internal.vendor.test/reviews/PRIV-42', ...extra);

/** A copy whose v1 content currently has no review on record, whatever the repo's own state. */
function unreviewedCopy(): RepoCopy {
  const copy = copyRepo();
  copy.write('schema/reviews.json', '{"reviews": []}\n');
  return copy;
}

describe('privacy review bound to content', () => {
  it('a version without a review fails the check, listing its content as new', async () => {
    repo = unreviewedCopy();
    const { code, findings } = await reviewFindings();
    expect(code).toBe(1);
    expect(findings).toEqual([expect.objectContaining({ where: 'schema/v1.ts', rule: 'review-missing' })]);
    expect(findings[0]!.detail).toContain('v1 activeSeats: new data collected');
    expect(findings[0]!.fix).toContain('npm run review -- 1');
  });

  it('recording a review makes the check pass and the audit document show it', async () => {
    repo = unreviewedCopy();
    const { code, out } = await approve('--date', '2026-11-20');
    expect([code, out]).toEqual([0, expect.stringContaining("recorded Data Protection Office's approval of v1")]);
    expect(repo.read('schema/reviews.json')).toContain('"contentHash": "sha256:');
    expect((await repo.run(checkCommand)).code).toBe(0);
    const doc = repo.read('docs/telemetry.md');
    expect(doc).toContain('**Latest review:** 2026-11-20, by Data Protection Office (<https://privacy.internal.vendor.test/reviews/PRIV-42>).');
    expect(doc).toContain('The current privacy content matches the approved content');
  });

  it('changing a purpose fails again, with the diff since the approved content and the fix', async () => {
    repo = unreviewedCopy();
    await approve('--date', '2026-11-20');
    repo.edit('schema/v1.ts', 'One bit: whether the deployment reached its seat limit', 'One bit, for upselling: whether the deployment reached its seat limit');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { findings } = await reviewFindings();
    expect(findings).toEqual([expect.objectContaining({ rule: 'review-missing' })]);
    expect(findings[0]!.what).toContain('changed since its last review (2026-11-20, Data Protection Office)');
    expect(findings[0]!.detail).toContain('v1 seatLimitHit: purpose changed');
    expect(repo.read('docs/telemetry.md')).toContain('has changed since this review');

    await approve('--date', '2026-11-21');
    expect((await repo.run(checkCommand)).code).toBe(0);
  });

  it('a change that touches no privacy content needs no new review', async () => {
    repo = unreviewedCopy();
    await approve();
    // A tighter bound changes what is valid, not what is collected or why.
    repo.edit('schema/v1.ts', 'maxItems: 256,', 'maxItems: 200,');
    repo.edit('docs/telemetry.md', '## How to read this document', '## How to read this document\n\nMore prose.');
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect((await reviewFindings()).findings).toEqual([]);
  });

  it('refuses to record a review whose link is a placeholder or empty', async () => {
    repo = unreviewedCopy();
    for (const link of ['TODO', '', 'https://example.com/review', 'tbd']) {
      const { code, err } = await repo.run(reviewCommand, '1', '--reviewer', 'DPO', '--link', link);
      expect(code, link).toBe(2);
      expect(err, link).toMatch(/--link (is empty|is a placeholder|looks like a placeholder)/);
    }
    expect(repo.read('schema/reviews.json')).toBe('{"reviews": []}\n');
  });

  it('refuses to record a review of a contract that fails the lint', async () => {
    repo = unreviewedCopy();
    repo.edit('schema/v1.ts', 'seatLimitHit: Type.Boolean(', 'seatLimitHit: Type.Boolean(), seatLimitHitBefore: Type.Boolean(');
    const { code, out } = await approve();
    expect(code).toBe(1);
    expect(out).toContain('(privacy-record)');
    expect(repo.read('schema/reviews.json')).toBe('{"reviews": []}\n');
  });

  it('a hand-edited record with a placeholder link fails the check', async () => {
    repo = unreviewedCopy();
    await approve();
    repo.write('schema/reviews.json', repo.read('schema/reviews.json').replace('https://privacy.internal.vendor.test/reviews/PRIV-42', 'TODO'));
    const { code, out } = await repo.run(checkCommand);
    expect(code).toBe(1);
    expect(out).toContain('schema/reviews.json reviews[0]: link is a placeholder ("TODO") (review-link)');
  });
});

describe('review links', () => {
  it.each(['https://jira.vendor.test/browse/PRIV-1', 'PRIV-123', '#10', 'http://wiki.vendor.test/privacy/telemetry'])('accepts %s', (link) => {
    expect(linkProblem(link)).toBeUndefined();
  });
  it.each(['', '  ', 'TODO', 'n/a', 'ftp://files/review', 'see email', 'https://example.com/x', 'http://localhost/review'])('refuses %j', (link) => {
    expect(linkProblem(link)).toBeDefined();
  });
});
