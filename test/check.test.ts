import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

/** Runs the check and expects it to fail with these files (and only these) named as findings. */
async function expectCheckToFail(files: string[], rules: string[]) {
  const { code, out } = await repo.run(checkCommand, '--format', 'json');
  expect(code).toBe(1);
  const { findings } = JSON.parse(out) as { findings: Array<{ where: string; rule: string; fix?: string }> };
  expect([...new Set(findings.map((f) => f.where.replace(/:\d+$/, '')))].sort()).toEqual([...files].sort());
  expect([...new Set(findings.map((f) => f.rule))].sort()).toEqual([...rules].sort());
  expect(findings.every((f) => f.fix?.includes('npm run generate'))).toBe(true);
}

async function expectGenerateThenCheckToPass() {
  expect((await repo.run(generateCommand)).code).toBe(0);
  const { code, out } = await repo.run(checkCommand);
  expect(code).toBe(0);
  expect(out.trim().split('\n')).toHaveLength(1);
}

describe('check', () => {
  it('passes on an untouched copy with one short line', async () => {
    repo = copyRepo();
    const { code, out, err } = await repo.run(checkCommand);
    expect(code).toBe(0);
    // Nothing on stderr but promises still pending (schema/promises.ts), each named with its rule.
    expect(err.split('\n').filter((line) => line !== '' && !line.startsWith('  ') && !line.endsWith('(promise-pending)'))).toEqual([]);
    expect(out).toMatch(/^check: \d+ generated files and doc parts match schema\/\n$/);
  });

  it("fails when package.json's schema exports drift from the versions, and generate puts them back, the rest of the file untouched", async () => {
    repo = copyRepo();
    const manifest = repo.read('package.json');
    repo.edit('package.json', '    "./schemas/v1.json": "./generated/v1/telemetry.schema.json",\n', '');
    await expectCheckToFail(['package.json'], ['drift-changed']);
    const { out } = await repo.run(checkCommand);
    expect(out).toContain('+    "./schemas/v1.json": "./generated/v1/telemetry.schema.json",');
    await expectGenerateThenCheckToPass();
    expect(repo.read('package.json')).toBe(manifest);
    // An export of a version that does not exist is drift too.
    repo.edit('package.json', '"./package.json": "./package.json"', '"./schemas/v7.json": "./generated/v7/telemetry.schema.json",\n    "./package.json": "./package.json"');
    await expectCheckToFail(['package.json'], ['drift-changed']);
    await expectGenerateThenCheckToPass();
    expect(repo.read('package.json')).toBe(manifest);
  });

  it('fails on a hand edit inside a generated part of the audit document, with a unified diff', async () => {
    repo = copyRepo();
    repo.edit('docs/telemetry.md', '| `activeSeats` | integer, from 0 to 2^53 − 1 | yes |', '| `activeSeats` | integer, from 1 to 10 | yes |');
    await expectCheckToFail(['docs/telemetry.md'], ['drift-changed']);
    const { out } = await repo.run(checkCommand);
    expect(out).toContain('--- a/docs/telemetry.md');
    expect(out).toContain('-| `activeSeats` | integer, from 1 to 10 | yes |');
    expect(out).toContain('+| `activeSeats` | integer, from 0 to 2^53 − 1 | yes |');
    expect(out).toContain('fix: run `npm run generate` and commit the result');
    await expectGenerateThenCheckToPass();
  });

  it('lets prose outside the markers change freely', async () => {
    repo = copyRepo();
    repo.edit('docs/telemetry.md', '## How to read this document', '## How to read this document\n\nA new paragraph, written by hand.');
    expect((await repo.run(checkCommand)).code).toBe(0);
    expect((await repo.run(generateCommand)).code).toBe(0);
    expect(repo.read('docs/telemetry.md')).toContain('A new paragraph, written by hand.');
  });

  it('fails on a hand edit of a file in generated/', async () => {
    repo = copyRepo();
    repo.edit('generated/v1/types.ts', 'activeSeats: number;', 'activeSeats: number | string;');
    await expectCheckToFail(['generated/v1/types.ts'], ['drift-changed']);
    await expectGenerateThenCheckToPass();
  });

  it('fails on a schema change that was not regenerated, naming every affected file', async () => {
    repo = copyRepo();
    // A bound, not privacy content: no new review is needed, only regeneration.
    repo.edit('schema/v1.ts', 'maxItems: 256,', 'maxItems: 200,');
    await expectCheckToFail(['docs/telemetry.md', 'generated/storage.ts', 'generated/v1/conformance.json', 'generated/v1/storage.sql', 'generated/v1/telemetry.schema.json', 'generated/v1/types.ts', 'generated/v1/validate.js', 'generated/v1/is-valid.js'], ['drift-changed']);
    await expectGenerateThenCheckToPass();
    expect(repo.read('docs/telemetry.md')).toContain('at most 200 items');
  });

  it('fails on a missing marker pair, naming the file and the marker', async () => {
    repo = copyRepo();
    repo.edit('docs/telemetry.md', '<!-- generated:data-flow -->', '');
    const close = repo.read('docs/telemetry.md').indexOf('<!-- /generated -->', repo.read('docs/telemetry.md').indexOf('flowchart LR'));
    repo.write('docs/telemetry.md', repo.read('docs/telemetry.md').slice(0, close) + repo.read('docs/telemetry.md').slice(close + '<!-- /generated -->'.length));
    await expectCheckToFail(['docs/telemetry.md'], ['marker-missing', 'drift-changed']);
    const { out } = await repo.run(checkCommand);
    expect(out).toContain('has no marker pair for the generated part `data-flow` (marker-missing)');
    await expectGenerateThenCheckToPass();
  });

  it('fails on a duplicated marker pair, naming the file, line and marker', async () => {
    repo = copyRepo();
    repo.edit('docs/telemetry.md', '## Changing the contract', '<!-- generated:art30 -->\n<!-- /generated -->\n\n## Changing the contract');
    await expectCheckToFail(['docs/telemetry.md'], ['marker-duplicate', 'drift-changed']);
    const { out } = await repo.run(checkCommand);
    expect(out).toMatch(/docs\/telemetry\.md:\d+: marker pair `art30` appears twice \(marker-duplicate\)/);
    await expectGenerateThenCheckToPass();
  });

  it('fails on a generated file that should not exist any more', async () => {
    repo = copyRepo();
    repo.write('generated/v1/old-artifact.json', '{}\n');
    await expectCheckToFail(['generated/v1/old-artifact.json'], ['drift-stale']);
    await expectGenerateThenCheckToPass();
    expect(existsSync(join(repo.root, 'generated/v1/old-artifact.json'))).toBe(false);
  });

  it('fails on a contract field without a privacy record, before comparing anything', async () => {
    repo = copyRepo();
    repo.edit('schema/v1.ts', 'seatLimitHit: Type.Boolean(', 'seatLimitHit: Type.Boolean(), seatLimitHitBefore: Type.Boolean(');
    const { code, out } = await repo.run(checkCommand);
    expect(code).toBe(1);
    expect(out).toContain('schema/v1.ts seatLimitHit: has no privacy record (x-privacy) (privacy-record)');
  });
});

describe('generate', () => {
  function snapshotFiles(root: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const dir of ['generated', 'docs']) {
      for (const name of readdirSync(join(root, dir), { recursive: true }) as string[]) {
        const path = join(root, dir, name);
        if (name.includes('.')) files.set(`${dir}/${name}`, readFileSync(path, 'utf8'));
      }
    }
    return files;
  }

  it('writes nothing when a document has a broken marker, even if the schema changed', async () => {
    repo = copyRepo();
    repo.edit('schema/v1.ts', "basisNote: 'capacity planning',", "basisNote: 'capacity forecasting',");
    repo.edit('docs/telemetry.md', '<!-- /generated -->\n\n<!-- generated:version v1 -->', '\n<!-- generated:version v1 -->');
    const before = snapshotFiles(repo.root);
    const { code, out } = await repo.run(generateCommand);
    expect(code).toBe(1);
    expect(out).toMatch(/docs\/telemetry\.md:\d+: marker `status v1` is not closed before `version v1` opens at line \d+ \(marker-unclosed\)/);
    expect(snapshotFiles(repo.root)).toEqual(before);
    expect(readdirSync(repo.root).filter((name) => name.startsWith('.generate-'))).toEqual([]);
  });

  it('writes nothing when the contract fails the lint', async () => {
    repo = copyRepo();
    repo.edit('schema/v1.ts', "legalBasis: 'legitimate-interests',\n        basisNote: 'capacity planning',", "legalBasis: 'whatever' as 'contract',\n        basisNote: 'capacity planning',");
    const before = snapshotFiles(repo.root);
    const { code, out } = await repo.run(generateCommand);
    expect(code).toBe(1);
    expect(out).toContain('schema/v1.ts activeSeats: privacy record: legalBasis "whatever" is not a GDPR Art. 6(1) basis (privacy-record)');
    expect(snapshotFiles(repo.root)).toEqual(before);
  });

  it('writes nothing when a keyword has no translation for the yes/no guard, naming where it is', async () => {
    repo = copyRepo();
    repo.edit('schema/types.ts', 'Type.Integer({ minimum: 0,', 'Type.Integer({ multipleOf: 1, minimum: 0,');
    const before = snapshotFiles(repo.root);
    const { code, out } = await repo.run(generateCommand);
    expect(code).toBe(1);
    expect(out).toContain('generated/v1/telemetry.schema.json#/properties/activeSeats/multipleOf: keyword "multipleOf" has no yes/no translation (guard-keyword)');
    expect(out).toContain('scripts/emit/guard-code.ts');
    expect(snapshotFiles(repo.root)).toEqual(before);
  });

  it('prints --help and exits 0; refuses an unknown option with exit 2', async () => {
    repo = copyRepo();
    const help = await repo.run(generateCommand, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: npm run generate');
    expect(help.out).toContain('exit codes: 0 ok, 1 findings, 2 usage or internal error');
    const bad = await repo.run(generateCommand, '--frobnicate');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Unknown option '--frobnicate'");
  });
});
