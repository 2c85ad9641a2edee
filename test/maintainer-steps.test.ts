/**
 * The README's maintainer steps, run as written: every ```sh block that has
 * `$EDITOR` lines is run line by line with bash in a scratch repository where
 * v1 is released and committed (origin/main points at that commit). Each
 * `$EDITOR` line is replaced by a fixture's edit; every other line runs as it
 * stands, so a documented command that does not exist fails here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseCommand } from '../scripts/commands/release.js';
import { repoRoot } from './helpers.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

/** Every ```sh block of the README that a maintainer edits files in, as lines. */
function maintainerBlocks(): string[][] {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.split('\n').filter((line) => line.trim() !== '')).filter((lines) => lines.some((line) => line.startsWith('$EDITOR ')));
}

const V2_ENTRY = [
  '- Schema v2 adds environment pair counts for pair-based billing: `environmentPairs` (`environmentPairs.total`,',
  '  `environmentPairs.sandboxOnly`, `environmentPairs.paired`), the optional `executionSplit` (`executionSplit.sandbox`,',
  '  `executionSplit.production`), and the redeemed extension codes `redeemedCodes` (`redeemedCodes[].codeId`,',
  '  `redeemedCodes[].redeemedAt`).',
].join('\n');

/** The fixture's edit for each `$EDITOR` line, by what the line's comment says it does. */
const EDITS: Readonly<Record<string, (files: readonly string[]) => void>> = {
  'add the field (below), then:': () => repo.write('schema/v2.ts', readFileSync(join(repoRoot, 'test/fixtures/contracts/v2.ts'), 'utf8').replaceAll("'../../../schema/", "'./")),
  'an entry that names every new field': () => repo.edit('docs/CHANGELOG.md', '## Unreleased\n', `## Unreleased\n\n${V2_ENTRY}\n`),
  'the owners re-review, and move reviewBy (at most two years ahead)': (files) => {
    for (const file of files) repo.write(file, repo.read(file).replaceAll("reviewBy: '2027-05-31'", "reviewBy: '2028-05-31'"));
  },
  "an entry that says v1's reviewBy moved": () => repo.edit('docs/CHANGELOG.md', '## Unreleased\n', '## Unreleased\n\n- v1 re-reviewed: every `reviewBy` moves to 2028-05-31.\n'),
};

/** Runs one block in a fresh scratch repository; returns each line with its exit code. */
async function runBlock(lines: readonly string[]): Promise<Array<[string, number]>> {
  repo = copyRepo(['scripts']);
  expect((await repo.run(releaseCommand, '1', '--date', '2026-11-26')).code).toBe(0);
  repo.commit('v1 released');
  execFileSync('git', ['-C', repo.root, 'update-ref', 'refs/remotes/origin/main', 'HEAD']);
  let today = '2026-12-01';
  const results: Array<[string, number]> = [];
  for (const line of lines) {
    const [command, comment = ''] = line.split(/\s+#\s+/, 2) as [string, string?];
    if (command.startsWith('$EDITOR ')) {
      const edit = EDITS[comment];
      if (edit === undefined) throw new Error(`README.md: no fixture edit for "${line}"; add one to EDITS in test/maintainer-steps.test.ts`);
      edit(command.split(/\s+/).slice(1));
      continue;
    }
    if (comment.startsWith('after the sunset')) today = /--sunset (\d{4}-\d{2}-\d{2})/.exec(lines.join('\n'))![1]!;
    const run = spawnSync('bash', ['-c', command], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, TELEMETRY_CONTRACT_TODAY: today, NO_COLOR: '1' } });
    results.push([line, run.status ?? -1]);
    // A line the README says fails must fail with findings (exit 1); every other line must pass.
    expect(run.status, `${line}\n${run.stdout}${run.stderr}`).toBe(comment.startsWith('fails') ? 1 : 0);
  }
  return results;
}

describe("the README's maintainer steps", () => {
  it('there are blocks to run', () => expect(maintainerBlocks().length).toBeGreaterThanOrEqual(2));

  it('the workflow runs the check every week, so a review date coming due reaches its owners before a pull request fails', () => {
    const workflow = readFileSync(join(repoRoot, '.github/workflows/telemetry-contract.yml'), 'utf8');
    expect(workflow).toMatch(/^ {2}schedule:\n(?: {4}#.*\n)? {4}- cron: '0 6 \* \* 1'$/m);
    expect(workflow).toMatch(/if: github\.event_name == 'schedule'\n {8}run: npm run check -- --format github$/m);
  });

  it('adding a field: draft, generate, check, review, changelog, release, deprecate, retire run as written', { timeout: 180_000 }, async () => {
    const block = maintainerBlocks().find((lines) => lines.some((line) => line.startsWith('npm run draft')))!;
    const results = await runBlock(block);
    expect(results.map(([line]) => line.split(/\s+/).slice(0, 3).join(' '))).toContain('npm run retire');
    const index = repo.read('schema/index.ts');
    expect(index).toContain('currentVersion: 2,');
    expect(index).toMatch(/\{ contract: v1, status: 'retired'/);
  });

  it('a periodic re-review of a released version runs as written, and records an amendment', { timeout: 120_000 }, async () => {
    const block = maintainerBlocks().find((lines) => lines.some((line) => line.startsWith('npm run review -- 1')))!;
    await runBlock(block);
    expect(repo.read('schema/released.lock')).toMatch(/^v1 amended 2026-12-01 sha256:[0-9a-f]{64} PRIV-57 reviewBy changed: "2027-05-31" → "2028-05-31"/m);
    expect(repo.read('schema/index.ts')).not.toContain('v2');
  });
});
