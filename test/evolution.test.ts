import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { diffCommand } from '../scripts/commands/diff.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { releaseCommand } from '../scripts/commands/release.js';
import { reviewCommand } from '../scripts/commands/review.js';
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
  it('release records the version, then any change to it fails the check until it is undone', async () => {
    repo = copyRepo();
    const released = await repo.run(releaseCommand, '1');
    expect(released.code).toBe(0);
    expect(repo.read('schema/released.lock')).toMatch(/^v1 sha256:[0-9a-f]{64}$/m);
    expect((await repo.run(generateCommand)).code).toBe(0); // the versions table now says "released"
    expect(repo.read('docs/telemetry.md')).toContain('released: frozen');
    expect((await repo.run(checkCommand)).code).toBe(0);

    repo.edit('schema/v1.ts', 'maxItems: 256,', 'maxItems: 512,');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { code, findings } = await checkFindings();
    expect(code).toBe(1);
    expect(findings).toEqual([expect.objectContaining({ where: 'schema/v1.ts', rule: 'released-changed' })]);
    expect(findings[0]!.what).toContain('v1 is released and frozen');
    expect(findings[0]!.fix).toContain('make it in a new version');

    repo.edit('schema/v1.ts', 'maxItems: 512,', 'maxItems: 256,');
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);
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

  it('a released version removed from the registry fails the check', async () => {
    repo = copyRepo();
    repo.write('schema/released.lock', `v1 ${'sha256:'}${'0'.repeat(64)}\nv2 sha256:${'1'.repeat(64)}\n`);
    const { findings } = await checkFindings();
    // The versions table of the audit document shows the lock too, hence drift as well.
    expect(findings.map((f) => f.rule)).toEqual(['drift-changed', 'released-changed', 'released-removed']);
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
    expect(out).toContain('Additive changes still break a strict receiver');

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
  it('a v2 draft gets its own artifacts and doc parts, and the validator dispatches on schemaVersion', async () => {
    repo = copyRepo();
    const v1 = repo.read('schema/v1.ts');
    repo.write(
      'schema/v2.ts',
      v1
        .replace('export const TelemetryV1 = Type.Object(', 'export const TelemetryV2 = Type.Object(')
        .replace('schemaVersion: Version(1, {', 'schemaVersion: Version(2, {')
        .replace('export type TelemetryV1 = Static<typeof TelemetryV1>;', 'export type TelemetryV2 = Static<typeof TelemetryV2>;')
        .replace("export const v1 = defineContract({\n  version: 1,\n  source: 'schema/v1.ts',\n  payload: TelemetryV1,", "export const v2 = defineContract({\n  version: 2,\n  source: 'schema/v2.ts',\n  payload: TelemetryV2,")
        .replace('    appVersion: Type.Optional(', "    tenantCount: Type.Optional(Count(privacy({ purpose: 'How many tenants the deployment hosts.', legalBasis: 'contract', basisNote: 'tenant-based billing', category: 'usage-aggregate', retention: 'P400D', owner: 'Billing', reviewBy: '2027-05-31' }))),\n    appVersion: Type.Optional("),
    );
    repo.edit('schema/index.ts', "import { v1 } from './v1.js';", "import { v1 } from './v1.js';\nimport { v2 } from './v2.js';");
    repo.edit('schema/index.ts', 'export const contracts: readonly Contract[] = [v1];', 'export const contracts: readonly Contract[] = [v1, v2];');

    const before = await checkFindings();
    expect(before.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['marker-missing', 'drift-missing', 'drift-changed']));
    const generated = await repo.run(generateCommand);
    expect(generated.code).toBe(0);
    expect(generated.err).toContain('has no marker pair for the generated part `fields v2`');
    for (const file of ['telemetry.schema.json', 'types.ts', 'validate.js', 'headers.ts']) expect(existsSync(join(repo.root, 'generated/v2', file))).toBe(true);
    expect(repo.read('docs/telemetry.md')).toContain('<!-- generated:fields v2 -->');
    // A new version's privacy content is new: it needs its own review before the check passes.
    expect((await checkFindings()).findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['schema/v2.ts review-missing']);
    expect((await repo.run(reviewCommand, '2', '--reviewer', 'DPO', '--link', 'PRIV-7')).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);

    const api = (await import(pathToFileURL(join(repo.root, 'src/index.ts')).href)) as typeof import('../src/index.js');
    expect(api.supportedVersions).toEqual([1, 2]);
    const payload = { schemaVersion: 2, periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-02T00:00:00Z', activeSeats: 1, policiesActive: 1, policyExecutionsCount: 1, totalProvisionedSeats: 1, seatLimitHit: false, featuresUsed: [], tenantCount: 3 };
    expect(api.validateTelemetry(payload).ok).toBe(true);
    expect(api.validateTelemetry({ ...payload, schemaVersion: 1 })).toMatchObject({ ok: false, errors: [{ path: '/tenantCount', rule: 'additionalProperties' }] });
    const unknown = api.validateTelemetry({ ...payload, schemaVersion: 3 });
    expect(unknown).toMatchObject({ ok: false, errors: [{ path: '/schemaVersion', rule: 'unsupported-version' }] });
    expect(unknown.ok || unknown.errors[0]!.message).toContain('supported: 1, 2');
  });
});
