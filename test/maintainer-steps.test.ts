/**
 * The README's maintainer story, run as written: every ```sh block with a
 * lifecycle command, in document order, line by line with bash, as one story
 * in a scratch repository that starts as this one is (v1 a draft whose review
 * is pending). Each `$EDITOR` line is replaced by a fixture's edit, or, years
 * later, by what the review-by finding's fix says, word for word; every other
 * line runs as it stands, so a documented command that does not exist, or a
 * line that passes where the README says it fails, fails here. After v2's
 * release the scratch repository's package is packed once: its exports are
 * imported from the tarball, the README's uploader samples run against it,
 * and an outbox set up before the release still sends v1, accepted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOutbox } from '../src/outbox.js';
import { fixture, repoRoot } from './helpers.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';
import { KEY_A } from './wire/support.js';

const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const LIFECYCLE = /^(npm run (versions|review|release|draft|deprecate|retire)\b|\$EDITOR )/;

/** Every ```sh block of the README with a lifecycle command or an `$EDITOR` line, in document order, as lines. */
function maintainerBlocks(): string[][] {
  return [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.split('\n').filter((line) => line.trim() !== '')).filter((lines) => lines.some((line) => LIFECYCLE.test(line)));
}

/** Every ```ts block of the README. */
function tsSamples(): string[] {
  return [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const V2_ENTRY = [
  '- Schema v2 adds environment pair counts for pair-based billing: `environmentPairs` (`environmentPairs.total`,',
  '  `environmentPairs.sandboxOnly`, `environmentPairs.paired`), the optional `executionSplit` (`executionSplit.sandbox`,',
  '  `executionSplit.production`), and the redeemed extension codes `redeemedCodes` (`redeemedCodes[].codeId`,',
  '  `redeemedCodes[].redeemedAt`).',
].join('\n');

let repo: RepoCopy;
let work: string;
afterAll(() => {
  repo?.remove();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The review-by fix as the check printed it, taken apart into the steps it asks for. */
interface Fix {
  readonly files: string[];
  readonly day: string;
  readonly latest: string;
  readonly commands: string[];
  readonly text: string;
}

function parseFix(output: string): Fix {
  const findings = output.split('\n').filter((line) => line.endsWith('(review-by)'));
  expect(findings, output).toHaveLength(1);
  const text = /^ {2}fix: (.*)$/m.exec(output)![1]!;
  const edit = /\(1\) in (.+?), change every reviewBy: '(\d{4}-\d{2}-\d{2})' to a day at most two years ahead \((\d{4}-\d{2}-\d{2}) at the latest\)/.exec(text);
  expect(edit, text).not.toBeNull();
  return { files: edit![1]!.split(/, | and /), day: edit![2]!, latest: edit![3]!, commands: [...text.matchAll(/`(npm run review -- [^`]+)`/g)].map((m) => m[1]!), text };
}

/** A fix's command with its placeholders as patterns: what a line that follows it looks like. */
function followed(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace('"<name>"', '"[^"<>]+"').replace('"<role>"', '"[^"<>]+"').replace('<ticket>', '[A-Z]+-[0-9]+')}$`);
}

describe("the README's maintainer story", () => {
  it('has its blocks in the order of the story: v1 released, v2 added, years later, the end of v1', () => {
    const firsts = maintainerBlocks().map((lines) => lines.find((line) => LIFECYCLE.test(line))!.split(/\s+#/)[0]!.trim());
    expect(firsts).toEqual(['npm run versions', 'npm run draft -- 2', '$EDITOR schema/v1.ts schema/headers.ts schema/v2.ts schema/probe.ts', 'npm run deprecate -- 1 --sunset 2028-03-31']);
  });

  it('the workflow runs the check every week, so a review date coming due reaches its owners before a pull request fails', () => {
    const workflow = readFileSync(join(repoRoot, '.github/workflows/telemetry-contract.yml'), 'utf8');
    expect(workflow).toMatch(/^ {2}schedule:\n(?: {4}#.*\n)? {4}- cron: '0 6 \* \* 1'$/m);
    expect(workflow).toMatch(/if: github\.event_name == 'schedule'\n {8}run: npm run check -- --format github$/m);
  });

  // One story: about twenty commands, a build, a pack and an install; a minute or more on a busy 2-core machine.
  it('runs as written: v1 approved and released, v2 drafted, approved, changelogged, released and imported from the tarball, an older installation still accepted, a passed review date renewed as its fix says, v1 retired', { timeout: 420_000 }, async () => {
    repo = copyRepo(['scripts', 'tsup.config.ts', 'tsconfig.json']);
    work = mkdtempSync(join(tmpdir(), 'telemetry-contract-story-'));
    repo.commit('the repository as it is');
    const merged = () => execFileSync('git', ['-C', repo.root, 'update-ref', 'refs/remotes/origin/main', 'HEAD']);
    merged();
    let today = '2026-12-01';

    // An installation set up before v2 exists, with the package as it is now: its outbox holds a v1 window.
    const outboxDir = join(work, 'installation-outbox');
    const before = await openOutbox({ dir: outboxDir, version: 1, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], baseUrl: 'https://telemetry.vendor.example' });
    expect(await before.enqueue(fixture('wire/counts.json') as never)).toMatchObject({ ok: true });

    let lastCheck = '';
    let fix: Fix | undefined;
    const EDITS: Readonly<Record<string, (files: readonly string[]) => void>> = {
      'add the field (below), then:': () => repo.write('schema/v2.ts', readFileSync(join(repoRoot, 'test/fixtures/contracts/v2.ts'), 'utf8').replaceAll("'../../../schema/", "'./")),
      'an entry that names every new field': () => repo.edit('docs/CHANGELOG.md', '## Unreleased\n', `## Unreleased\n\n${V2_ENTRY}\n`),
      "the owners re-review; every reviewBy: '2027-05-31' moves ahead": (files) => {
        // The fix of the check just run, followed word for word: its files, its day, the latest day it allows.
        fix = parseFix(lastCheck);
        expect([...files].sort(), 'the README names the files the fix names').toEqual([...fix.files].sort());
        for (const file of fix.files) repo.write(file, repo.read(file).replaceAll(`reviewBy: '${fix.day}'`, `reviewBy: '${fix.latest}'`));
      },
      'an entry that names reviewBy': () => {
        expect(fix!.text).toContain('add an entry to docs/CHANGELOG.md that names `reviewBy`');
        repo.edit('docs/CHANGELOG.md', '## Unreleased\n', `## Unreleased\n\n- Periodic re-review of v1 and v2: every \`reviewBy\` moves from ${fix!.day} to ${fix!.latest}.\n`);
      },
    };

    const run = (line: string) => {
      const [command, comment = ''] = line.split(/\s+#\s+/, 2) as [string, string?];
      const exported = /^export TELEMETRY_CONTRACT_TODAY=(\d{4}-\d{2}-\d{2})$/.exec(command.trim());
      if (exported) {
        today = exported[1]!;
        return;
      }
      if (command.startsWith('$EDITOR ')) {
        const edit = EDITS[comment];
        if (edit === undefined) throw new Error(`README.md: no fixture edit for "${line}"; add one to EDITS in test/maintainer-steps.test.ts`);
        edit(command.trim().split(/\s+/).slice(1));
        return;
      }
      if (comment.startsWith('after the sunset')) today = /--sunset (\d{4}-\d{2}-\d{2})/.exec(README)![1]!;
      if (fix !== undefined && command.startsWith('npm run review')) {
        expect(fix.commands.some((template) => followed(template).test(command.trim())), `${command} follows the fix:\n${fix.text}`).toBe(true);
      }
      const identity = { GIT_AUTHOR_NAME: 'maintainer', GIT_AUTHOR_EMAIL: 'maintainer@example.invalid', GIT_COMMITTER_NAME: 'maintainer', GIT_COMMITTER_EMAIL: 'maintainer@example.invalid' };
      const result = spawnSync('bash', ['-c', command], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, ...identity, TELEMETRY_CONTRACT_TODAY: today, NO_COLOR: '1' } });
      if (command.trim() === 'npm run check') lastCheck = result.stdout;
      // A line the README says fails must fail with findings (exit 1); every other line must pass.
      expect(result.status, `${line}\n${result.stdout}${result.stderr}`).toBe(comment.startsWith('fails') ? 1 : 0);
      return result.stdout;
    };

    const [releaseV1, addV2, yearsLater, endOfV1] = maintainerBlocks() as [string[], string[], string[], string[]];

    // Where the README says the story starts is where this repository stands.
    for (const line of releaseV1) {
      const out = run(line);
      if (line.startsWith('npm run versions')) expect(out).toMatch(/^v1\s+draft\s+current\s+approval pending \(reviewed \d{4}-\d{2}-\d{2} by .+ \(engineering self-review\)\)$/m);
    }
    expect(repo.read('schema/index.ts')).toMatch(/\{ contract: v1, status: 'released', released: '2026-12-01' \}/);
    expect(JSON.parse(repo.read('schema/reviews.json')).reviews.at(-1)).toMatchObject({ version: 1, reviewer: 'Dana Fischer', role: 'Data Protection Officer', decision: 'approved' });
    merged();

    for (const line of addV2) run(line);
    expect(repo.read('schema/index.ts')).toContain('currentVersion: 2,');
    expect(Object.keys(JSON.parse(repo.read('package.json')).exports).filter((key) => /^\.\/schemas\/v[0-9]+\.json$/.test(key))).toEqual(['./schemas/v1.json', './schemas/v2.json']);
    merged();

    // The package as released now, packed once, installed where nothing but the tarball can be reached.
    execFileSync(join(repoRoot, 'node_modules/.bin/tsup'), ['--silent', '--no-dts'], { cwd: repo.root, stdio: 'pipe' });
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo.root, encoding: 'utf8' })) as Array<{ filename: string }>;
    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed[0]!.filename)], { cwd: consumer, stdio: 'pipe' });
    const node = (file: string, code: string) => {
      writeFileSync(join(consumer, file), code);
      const runner = file.endsWith('.mts') ? [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), file] : [file];
      return execFileSync(process.execPath, runner, { cwd: consumer, encoding: 'utf8', stdio: 'pipe' });
    };

    // Every exported schema imports, v2's among them.
    expect(
      JSON.parse(
        node(
          'schemas.mjs',
          [
            "const v1 = await import('telemetry-contract/schemas/v1.json', { with: { type: 'json' } });",
            "const v2 = await import('telemetry-contract/schemas/v2.json', { with: { type: 'json' } });",
            'console.log(JSON.stringify([v1.default.$id, v2.default.$id, v2.default.required.includes("environmentPairs")]));',
          ].join('\n'),
        ),
      ),
    ).toEqual(['urn:telemetry-contract:schema:v1', 'urn:telemetry-contract:schema:v2', true]);

    // The README's uploader samples, written when v1 was current, run unchanged against the new package: they name v1.
    const samples = tsSamples().filter((code) => /from 'telemetry-contract\/(outbox|uploader)'/.test(code));
    expect(samples.length).toBeGreaterThanOrEqual(3);
    samples.forEach((code, i) => {
      const out = node(`sample-${i}.mts`, code);
      if (code.includes('openOutbox(')) expect(out).toContain('"schemaVersion":1,');
    });

    // The outbox set up before the release, opened by its application's unchanged code, which named no version then and
    // needs none now: the folder remembers v1. Its waiting window and a new one go out as v1, and the new ingest takes them.
    const delivered = JSON.parse(
      node(
        'installation.mjs',
        [
          "import { openOutbox } from 'telemetry-contract/outbox';",
          "import { ingest, failureResponse } from 'telemetry-contract/server';",
          `const secret = ${JSON.stringify(KEY_A)};`,
          'const stored = [];',
          'const fetch = async (_url, { headers, body }) => {',
          "  const result = await ingest({ headers, body }, { licenseKeys: new Map([['lic-0042', [{ id: 'k1', secret }]]]) });",
          '  if (!result.ok) { const a = failureResponse(result); return new Response(a.body, { status: a.status, headers: a.headers }); }',
          '  stored.push(result.schemaVersion);',
          "  return new Response('{\"duplicate\":false}', { status: 201 });",
          '};',
          `const outbox = await openOutbox({ dir: ${JSON.stringify(outboxDir)}, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [secret], baseUrl: 'https://telemetry.vendor.example', fetch, sleep: async () => {}, delays: () => 0 });`,
          `const queued = await outbox.enqueue(${JSON.stringify({ ...fixture('wire/counts.json'), periodStart: '2026-11-16T00:00:00Z', periodEnd: '2026-12-01T00:00:00Z' })});`,
          'const sent = await outbox.flush();',
          'console.log(JSON.stringify({ queued: queued.ok, delivered: sent.delivered.length, stored }));',
        ].join('\n'),
      ),
    ) as unknown;
    expect(delivered).toEqual({ queued: true, delivered: 2, stored: [1, 1] });

    // Years later: the check fails on the passed review date; the fix, followed word for word, turns it green.
    for (const line of yearsLater) run(line);
    expect(fix!.files).toEqual(['schema/v1.ts', 'schema/headers.ts', 'schema/v2.ts', 'schema/probe.ts']);
    expect(repo.read('schema/released.lock')).toMatch(new RegExp(`^v1 amended ${today} sha256:[0-9a-f]{64} PRIV-57 reviewBy changed: "2027-05-31" → "${fix!.latest}"`, 'm'));
    expect(repo.read('schema/released.lock')).toMatch(new RegExp(`^v2 amended ${today} sha256:[0-9a-f]{64} PRIV-57 reviewBy changed`, 'm'));
    expect(repo.read('docs/telemetry.md')).toContain(`Review by: 2027-05-31 → ${fix!.latest} | Dana Fischer (Data Protection Officer), \`PRIV-57\` |`);

    for (const line of endOfV1) run(line);
    const index = repo.read('schema/index.ts');
    expect(index).toContain('currentVersion: 2,');
    expect(index).toMatch(/\{ contract: v1, status: 'retired'/);
    expect(Object.keys(JSON.parse(repo.read('package.json')).exports).filter((key) => /^\.\/schemas\/v[0-9]+\.json$/.test(key))).toEqual(['./schemas/v2.json']);
  });
});
