/** The approval and release steps a test copy goes through, as a maintainer and a data protection officer would. */
import { releaseCommand } from '../../scripts/commands/release.js';
import { reviewCommand } from '../../scripts/commands/review.js';
import type { RepoCopy } from './repo-copy.js';

/** Who approves in these tests: a person in the role that may approve. */
export const DPO = ['--reviewer', 'Dana Fischer', '--role', 'Data Protection Officer'] as const;

/** Records the DPO's approval of a version's current content; fails the test's setup when refused. */
export async function approve(repo: RepoCopy, version: number, link: string, date: string): Promise<string> {
  const result = await repo.run(reviewCommand, String(version), ...DPO, '--link', link, '--date', date);
  if (result.code !== 0) throw new Error(`approval of v${version} failed: ${result.out}${result.err}`);
  return result.out;
}

/** Approves a draft (the day before) and releases it on `date`. */
export async function approveAndRelease(repo: RepoCopy, version: number, date = '2026-11-26', link = 'PRIV-40'): Promise<void> {
  const before = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  await approve(repo, version, link, before);
  const result = await repo.run(releaseCommand, String(version), '--date', date);
  if (result.code !== 0) throw new Error(`release of v${version} failed: ${result.out}${result.err}`);
}
