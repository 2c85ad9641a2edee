import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { diffCommand } from '../scripts/commands/diff.js';
import { draftCommand } from '../scripts/commands/draft.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { releaseCommand } from '../scripts/commands/release.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { DPO, approveAndRelease } from './support/approve.js';
import { repoRoot } from './helpers.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

type Findings = { findings: Array<{ where: string; rule: string; what: string; fix?: string }> };
async function checkFindings(...args: string[]) {
  const { code, out } = await repo.run(checkCommand, '--format', 'json', ...args);
  return { code, findings: (JSON.parse(out) as Findings).findings };
}
/** Only the changelog findings: these tests change privacy content, which also (rightly) asks for a review. */
async function changelogFindings(...args: string[]) {
  return (await checkFindings(...args)).findings.filter((f) => f.rule.startsWith('changelog'));
}

const PURPOSE = "basisNote: 'capacity planning',";

describe('released versions are frozen', () => {
  it('release records the version and what it published, then any change to it fails the check until it is undone', async () => {
    repo = copyRepo();
    await approveAndRelease(repo, 1, '2026-11-26');
    expect(repo.read('schema/released.lock')).toMatch(/^v1 sha256:[0-9a-f]{64}$/m);
    for (const artifact of ['generated/v1/telemetry.schema.json', 'generated/v1/conformance.json', 'generated/v1/wire-vectors.json', 'generated/v1/storage.sql', 'docs/telemetry.md#version v1']) {
      expect(repo.read('schema/released.lock')).toContain(` ${artifact}\n`);
    }
    // release regenerates what the status changes: the check passes without a generate of one's own.
    expect(repo.read('docs/telemetry.md')).toContain('released: frozen');
    expect((await repo.run(checkCommand)).code).toBe(0);

    repo.edit('schema/v1.ts', 'maxItems: 256,', 'maxItems: 512,');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { code, findings } = await checkFindings();
    expect(code).toBe(1);
    expect(findings.map((f) => `${f.where} ${f.rule}`).sort()).toEqual([
      'docs/telemetry.md (part `version v1`) released-artifact-changed',
      'generated/v1/conformance.json released-artifact-changed',
      'generated/v1/storage.sql released-artifact-changed',
      'generated/v1/telemetry.schema.json released-artifact-changed',
      'schema/v1.ts released-changed',
    ]);
    const changed = findings.find((f) => f.rule === 'released-changed')!;
    expect(changed.what).toContain('v1 is released and frozen');
    expect(changed.fix).toContain('make it in a new version');

    repo.edit('schema/v1.ts', 'maxItems: 512,', 'maxItems: 256,');
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);
  });

  it('names a released artifact that was edited by hand, or that the generators would now write differently', async () => {
    repo = copyRepo();
    await approveAndRelease(repo, 1, '2026-11-26');
    repo.edit('generated/v1/conformance.json', '"description": "Every field', '"description": "Each field');
    const edited = await checkFindings();
    expect(edited.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['generated/v1/conformance.json drift-changed', 'generated/v1/conformance.json released-artifact-changed']);
    expect(edited.findings[1]!.what).toBe('was published by released v1 and has been edited');
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);

    // A generator change shows as generated output that no longer hashes as released; here the recorded hash moves instead.
    const lock = repo.read('schema/released.lock');
    const line = lock.split('\n').find((l) => l.endsWith(' docs/telemetry.md#version v1'))!;
    repo.write('schema/released.lock', lock.replace(line, line.replace(/sha256:[0-9a-f]{8}/, 'sha256:00000000')));
    const generated = await checkFindings();
    expect(generated.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['docs/telemetry.md (part `version v1`) released-artifact-changed']);
    expect(generated.findings[0]!.what).toContain('`npm run generate` would now write it differently');
  });

  it('release refuses a version that does not exist, and a tree that has drifted', async () => {
    repo = copyRepo();
    const unknown = await repo.run(releaseCommand, '9');
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('v9 is not in schema/index.ts; known: v1')]);
    repo.edit('schema/v1.ts', PURPOSE, "basisNote: 'capacity forecasting',");
    const drifted = await repo.run(releaseCommand, '1');
    expect(drifted.code).toBe(1);
    expect(drifted.out).toContain('(drift-changed)');
    expect(existsSync(join(repo.root, 'schema/released.lock'))).toBe(false);
  });

  it('a released version removed from the registry, or a status the lock does not back, fails the check', async () => {
    repo = copyRepo();
    repo.write('schema/released.lock', `v1 ${'sha256:'}${'0'.repeat(64)}\nv2 sha256:${'1'.repeat(64)}\n`);
    const { findings } = await checkFindings();
    // The versions table of the audit document shows the lock too, hence drift as well.
    // And the lock's "release" of v1 was never approved: the repository's v1 review is pending.
    expect(findings.map((f) => f.rule)).toEqual(['drift-changed', 'lifecycle-mismatch', 'released-changed', 'released-removed', 'approval-missing']);
  });
});

describe('check --base: same-PR amendments', () => {
  it('requires a changelog entry that names each privacy-relevant change', async () => {
    repo = copyRepo();
    repo.commit('base');
    repo.edit('schema/v1.ts', PURPOSE, "basisNote: 'capacity forecasting',");
    expect((await repo.run(generateCommand)).code).toBe(0);
    repo.commit('change a basis note without a changelog entry');

    expect(await changelogFindings('--base', 'HEAD~1')).toEqual([expect.objectContaining({ where: 'docs/CHANGELOG.md', rule: 'changelog-missing' })]);

    repo.edit('docs/CHANGELOG.md', '## Unreleased\n', '## Unreleased\n\n- Reworded a basis note.\n');
    const unnamed = await changelogFindings('--base', 'HEAD~1');
    expect(unnamed).toEqual([expect.objectContaining({ rule: 'changelog-privacy' })]);
    expect(unnamed[0]!.what).toContain('v1 activeSeats');

    repo.edit('docs/CHANGELOG.md', '- Reworded a basis note.', '- `activeSeats`: the basis note now says capacity forecasting.');
    expect(await changelogFindings('--base', 'HEAD~1')).toEqual([]);
  });

  it('asks nothing of a change to prose alone', async () => {
    repo = copyRepo();
    repo.commit('base');
    repo.edit('docs/telemetry.md', '## How to read this document', '## How to read this document\n\nNew prose.');
    repo.commit('prose');
    const { code } = await repo.run(checkCommand, '--base', 'HEAD~1');
    expect(code).toBe(0);
    const diff = await repo.run(diffCommand, 'HEAD~1');
    expect(diff.out).toContain('1 docs-only');
    expect(diff.out).toContain('docs/telemetry.md: prose outside the generated parts changed');
  });

  it('says how to fetch the base when the ref is unknown', async () => {
    repo = copyRepo();
    repo.commit('only commit');
    const { code, err } = await repo.run(checkCommand, '--base', 'origin/main');
    expect(code).toBe(2);
    expect(err).toContain('fetch-depth: 0');
  });
});

describe('diff', () => {
  it('writes a Markdown summary for reviewers with purpose and legal basis of new data', async () => {
    repo = copyRepo();
    repo.commit('base');
    repo.edit(
      'schema/v1.ts',
      '    appVersion: Type.Optional(',
      "    tenantCount: Type.Optional(Count(privacy({ purpose: 'How many tenants the deployment hosts.', legalBasis: 'contract', basisNote: 'tenant-based billing', category: 'usage-aggregate', retention: 'P400D', owner: 'Billing', reviewBy: '2027-05-31' }))),\n    appVersion: Type.Optional(",
    );
    const { code, out } = await repo.run(diffCommand, 'HEAD', '--format', 'markdown');
    expect(code).toBe(0);
    expect(out).toContain('## Telemetry contract changes since HEAD');
    expect(out).toContain('| Version | Field | Change | Why we collect it | Legal basis | Category |');
    expect(out).toContain('| v1 | `tenantCount` | new data collected | How many tenants the deployment hosts. | Art. 6(1)(b) performance of a contract: tenant-based billing | Aggregate usage count |');
    expect(out).toContain('| v1 | `tenantCount` | optional field added |');
    // v1 is a draft here: the advice is a draft's, not a released version's.
    expect(out).toContain('v1 is a draft: it changes in place until it is released');

    const json = JSON.parse((await repo.run(diffCommand, 'HEAD', '--format', 'json')).out) as { summary: Record<string, number> };
    expect(json.summary).toEqual({ 'wire-breaking': 0, 'wire-additive': 1, 'privacy-relevant': 1, 'docs-only': 0 });
    const github = (await repo.run(diffCommand, 'HEAD', '--format', 'github')).out;
    expect(github).toContain('::warning title=privacy-relevant::v1 tenantCount: new data collected');
  });

  it('compares with a directory as well as a git ref', async () => {
    repo = copyRepo();
    const other = copyRepo();
    try {
      other.edit('schema/v1.ts', "pattern: '^[1-9][0-9]{0,2}$',\n        maxLength: 3,", "pattern: '^[1-9][0-9]{0,2}$',\n        maxLength: 4,");
      const { out } = await repo.run(diffCommand, other.root);
      expect(out).toContain('wire-breaking\n  v1 nodeVersion: maxLength lowered: 4 → 3');
    } finally {
      other.remove();
    }
  });

  it('refuses to run without a base', async () => {
    repo = copyRepo();
    const { code, err } = await repo.run(diffCommand);
    expect(code).toBe(2);
    expect(err).toContain('give exactly one base');
  });
});

describe('versions side by side', () => {
  const draftV2 = async (current: boolean) => {
    repo = copyRepo();
    await approveAndRelease(repo, 1, '2026-11-26');
    repo.commit('v1 released');
    expect((await repo.run(draftCommand, '2')).code).toBe(0);
    repo.write('schema/v2.ts', readFileSync(join(repoRoot, 'test/fixtures/contracts/v2.ts'), 'utf8').replaceAll("'../../../schema/", "'./"));
    if (current) repo.edit('schema/index.ts', 'currentVersion: 1,', 'currentVersion: 2,');
  };
  /** Every file under `dir`, by path, with its text. */
  const snapshot = (dir: string) =>
    new Map(
      (readdirSync(join(repo.root, dir), { recursive: true }) as string[])
        .filter((name) => statSync(join(repo.root, dir, name)).isFile())
        .sort()
        .map((name) => [name, repo.read(`${dir}/${name}`)]),
    );

  it.each([
    ['a draft', false],
    ['the current version', true],
  ] as const)('with v2 %s (a required nested field), generate and check work, from any state, and v1 does not move', async (_, current) => {
    await draftV2(current);
    const v1 = snapshot('generated/v1');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const once = snapshot('generated');
    expect((await repo.run(generateCommand)).out).toMatch(/^generate: 0 written, 0 removed/);
    expect(snapshot('generated')).toEqual(once);
    expect(snapshot('generated/v1')).toEqual(v1);
    expect((await repo.run(reviewCommand, '2', ...DPO, '--link', 'PRIV-7')).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);

    // Nothing generated is read to decide what to generate: without generated/ the same files come back.
    const everything = snapshot('generated');
    expect([...everything.keys()]).toContain('v2/wire-vectors.json');
    rmSync(join(repo.root, 'generated'), { recursive: true });
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect(snapshot('generated')).toEqual(everything);
    expect((await repo.run(checkCommand)).code).toBe(0);

    const api = (await import(pathToFileURL(join(repo.root, 'src/index.ts')).href)) as typeof import('../src/index.js');
    expect(api.supportedVersions).toEqual([1, 2]);
    expect(api.currentVersion).toBe(current ? 2 : 1);
    const conformance = JSON.parse(repo.read('generated/v2/conformance.json')) as { base: Record<string, unknown> };
    expect(api.validateTelemetry(conformance.base).ok).toBe(true);
    expect(api.validateTelemetry({ ...conformance.base, schemaVersion: 1 })).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.objectContaining({ path: '/environmentPairs', rule: 'additionalProperties' })]) });
    const { environmentPairs: _pairs, ...withoutPairs } = conformance.base;
    expect(api.validateTelemetry(withoutPairs)).toMatchObject({ ok: false, errors: [{ path: '/environmentPairs', rule: 'required' }] });
    const unknown = api.validateTelemetry({ ...conformance.base, schemaVersion: 3 });
    expect(unknown.ok || unknown.errors[0]!.message).toContain('supported: 1, 2');
  });
});
