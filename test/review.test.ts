import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { releaseCommand } from '../scripts/commands/release.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { versionsCommand } from '../scripts/commands/versions.js';
import { linkProblem } from '../scripts/governance/reviews.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

type Findings = { findings: Array<{ where: string; rule: string; what: string; fix?: string; detail?: string }> };
async function reviewFindings() {
  const { code, out } = await repo.run(checkCommand, '--format', 'json');
  return { code, findings: (JSON.parse(out) as Findings).findings.filter((f) => f.rule.startsWith('review') || f.rule === 'approval-missing') };
}
const approve = (...extra: string[]) => repo.run(reviewCommand, '1', '--reviewer', 'Dana Fischer', '--role', 'Data Protection Officer', '--link', 'https://privacy.internal.vendor.test/reviews/PRIV-42', ...extra);
const selfReview = (...extra: string[]) => repo.run(reviewCommand, '1', '--reviewer', 'Platform engineers', '--role', 'engineering self-review', '--link', 'PRIV-41', '--pending', ...extra);

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
    expect([code, out]).toEqual([0, expect.stringContaining("recorded Dana Fischer (Data Protection Officer)'s approval of v1")]);
    expect(repo.read('schema/reviews.json')).toContain('"contentHash": "sha256:');
    expect(JSON.parse(repo.read('schema/reviews.json')).reviews[0]).toMatchObject({ reviewer: 'Dana Fischer', role: 'Data Protection Officer', decision: 'approved', date: '2026-11-20' });
    expect((await repo.run(checkCommand)).code).toBe(0);
    const doc = repo.read('docs/telemetry.md');
    expect(doc).toContain('**Approved:** 2026-11-20, by Dana Fischer (Data Protection Officer) (<https://privacy.internal.vendor.test/reviews/PRIV-42>). The current privacy content is the approved content');
    expect(doc).toContain('| v1 | current, draft: may still change | not released | approved 2026-11-20 by Dana Fischer (Data Protection Officer) |');
  });

  it('changing a purpose fails again, with the diff since the approved content and the fix', async () => {
    repo = unreviewedCopy();
    await approve('--date', '2026-11-20');
    repo.edit('schema/v1.ts', 'One bit: whether the deployment reached its seat limit', 'One bit, for upselling: whether the deployment reached its seat limit');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { findings } = await reviewFindings();
    expect(findings).toEqual([expect.objectContaining({ rule: 'review-missing' })]);
    expect(findings[0]!.what).toContain('changed since its last review (2026-11-20, Dana Fischer (Data Protection Officer), approved)');
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
      const { code, err } = await repo.run(reviewCommand, '1', '--reviewer', 'DPO', '--role', 'Data Protection Officer', '--link', link);
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

describe('approvals and pending reviews', () => {
  it('a review names its role: without one it is refused, so a self-check cannot pass for an approval', async () => {
    repo = unreviewedCopy();
    const { code, err } = await repo.run(reviewCommand, '1', '--reviewer', 'Dana Fischer', '--link', 'PRIV-42');
    expect([code, err]).toEqual([2, expect.stringContaining('--role is required')]);
    expect(repo.read('schema/reviews.json')).toBe('{"reviews": []}\n');
  });

  it('a pending review lets a draft pass the check, but not be released; the refusal names the command that records an approval', async () => {
    repo = unreviewedCopy();
    const pending = await selfReview('--date', '2026-11-19');
    expect([pending.code, pending.out]).toEqual([0, expect.stringContaining("recorded Platform engineers (engineering self-review)'s pending review of v1")]);
    expect(pending.out).toContain('v1 can be released once it is approved');
    expect((await repo.run(checkCommand)).code).toBe(0);
    expect((await repo.run(versionsCommand)).out).toBe('v1  draft       current  approval pending (reviewed 2026-11-19 by Platform engineers (engineering self-review))\n');
    const doc = repo.read('docs/telemetry.md');
    expect(doc).toContain('**Approval pending:** reviewed 2026-11-19 by Platform engineers (engineering self-review) (`PRIV-41`), which does not approve it.');
    expect(doc).toContain('| v1 | current, draft: may still change | not released | pending: reviewed 2026-11-19 by Platform engineers (engineering self-review), not approved yet |');

    const refused = await repo.run(releaseCommand, '1');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("schema/v1.ts: v1's privacy content has no approval: its review of 2026-11-19 by Platform engineers (engineering self-review) is pending, and only an approved version can be released (approval-missing)");
    expect(refused.out).toContain('`npm run review -- 1 --reviewer "<name>" --role "<role>" --link <ticket>`; then `npm run release -- 1`');
    expect(repo.read('schema/index.ts')).toContain("status: 'draft'");

    await approve('--date', '2026-11-20');
    expect((await repo.run(releaseCommand, '1', '--date', '2026-11-21')).code).toBe(0);
    expect((await repo.run(versionsCommand)).out).toBe('v1  released    current  released 2026-11-21, approved 2026-11-20 by Dana Fischer (Data Protection Officer)\n');
  });

  it('an amendment of a released version takes effect only once approved: a pending review of it fails the check', async () => {
    repo = unreviewedCopy();
    await approve('--date', '2026-11-20');
    expect((await repo.run(releaseCommand, '1', '--date', '2026-11-21')).code).toBe(0);
    repo.edit('schema/v1.ts', "basisNote: 'capacity planning',", "basisNote: 'capacity forecasting',");
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect((await selfReview('--date', '2026-12-01')).out).toContain('the amendment of v1 takes effect, and `npm run check` passes, once it is approved');
    expect(repo.read('schema/released.lock')).not.toMatch(/^v1 amended/m);
    const { findings } = await reviewFindings();
    expect(findings).toEqual([expect.objectContaining({ rule: 'approval-missing', what: expect.stringContaining('v1 is released, and its amended privacy content is not approved') })]);
    await approve('--date', '2026-12-02');
    expect(repo.read('schema/released.lock')).toMatch(/^v1 amended 2026-12-02 /m);
    expect((await repo.run(checkCommand)).code).toBe(0);
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
