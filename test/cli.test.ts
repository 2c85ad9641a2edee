import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { COMMANDS } from '../scripts/commands/index.js';
import { type Command, type Io, processIo, renderFindings, runCommand } from '../scripts/cli/command.js';
import { FindingsError, type Finding } from '../scripts/cli/findings.js';
import { repoRoot } from './helpers.js';

function capture(color = false): Io & { text: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), color, cwd: repoRoot, text: () => ({ out, err }) };
}

const finding: Finding = { where: 'schema/v1.ts activeSeats', what: 'has no privacy record (x-privacy)', rule: 'privacy-record', fix: 'add privacy({...})', severity: 'error' };
const failing: Command = {
  name: 'demo',
  summary: 'fails with one finding',
  usage: 'demo',
  options: {},
  formats: ['text', 'json', 'github', 'markdown'],
  run: async () => {
    throw new FindingsError([finding]);
  },
};

describe('command layer', () => {
  it('every repo command answers --help with usage, options and exit codes, and exits 0', async () => {
    const { COMMANDS } = await import('../scripts/commands/index.js');
    for (const [name, command] of Object.entries(COMMANDS)) {
      const io = capture();
      expect(await runCommand(command, ['--help'], io), name).toBe(0);
      const { out } = io.text();
      expect(out, name).toMatch(/^[\w:-]+: .+\n\nusage: npm run /);
      expect(out, name).toContain('--root <dir>');
      expect(out, name).toContain('exit codes: 0 ok, 1 findings, 2 usage or internal error');
    }
  });

  it('exits 1 on findings, printing `<where>: <what> (<rule>)` and the fix', async () => {
    const io = capture();
    expect(await runCommand(failing, [], io)).toBe(1);
    expect(io.text().out).toBe('schema/v1.ts activeSeats: has no privacy record (x-privacy) (privacy-record)\n  fix: add privacy({...})\n');
  });

  it('exits 2 on an unknown option or format, saying how to get help', async () => {
    const io = capture();
    expect(await runCommand(failing, ['--nope'], io)).toBe(2);
    expect(io.text().err).toContain('run with --help for usage');
    const io2 = capture();
    expect(await runCommand(failing, ['--format', 'xml'], io2)).toBe(2);
    expect(io2.text().err).toContain('--format must be one of text, json, github, markdown, got "xml"');
  });

  it('exits 2 on an internal error with one line, and no stack trace', async () => {
    const io = capture();
    const broken: Command = { ...failing, run: async () => Promise.reject(new TypeError('boom')) };
    expect(await runCommand(broken, [], io)).toBe(2);
    expect(io.text().err).toBe('demo: internal error: boom\n');
  });

  it('prints findings as JSON, GitHub annotations and Markdown', async () => {
    const json = capture();
    await runCommand(failing, ['--format', 'json'], json);
    expect(JSON.parse(json.text().out)).toEqual({ ok: false, findings: [finding] });

    const github = capture();
    await runCommand(failing, ['--format', 'github'], github);
    expect(github.text().out).toBe('::error file=schema/v1.ts,title=privacy-record::schema/v1.ts activeSeats: has no privacy record (x-privacy) (privacy-record)%0A  fix: add privacy({...})\n');

    const markdown = capture();
    await runCommand(failing, ['--format', 'markdown'], markdown);
    expect(markdown.text().out).toContain('| schema/v1.ts activeSeats | has no privacy record (x-privacy) | `privacy-record` | add privacy({...}) |');
  });

  it('colors only when asked to, and plain text otherwise', () => {
    const paint = (color: boolean) => renderFindings([finding], 'text', { red: (t) => (color ? `\u001b[31m${t}\u001b[39m` : t), green: (t) => t, yellow: (t) => t, dim: (t) => t });
    expect(paint(true)).toContain('\u001b[31m');
    expect(paint(false)).not.toContain('\u001b[');
  });

  describe('processIo', () => {
    const tty = process.stdout.isTTY;
    const noColor = process.env['NO_COLOR'];
    afterEach(() => {
      process.stdout.isTTY = tty;
      if (noColor === undefined) delete process.env['NO_COLOR'];
      else process.env['NO_COLOR'] = noColor;
    });

    it('uses color on a terminal', () => {
      process.stdout.isTTY = true;
      delete process.env['NO_COLOR'];
      expect(processIo().color).toBe(true);
    });
    it('never uses color with NO_COLOR set, even on a terminal', () => {
      process.stdout.isTTY = true;
      process.env['NO_COLOR'] = '1';
      expect(processIo().color).toBe(false);
    });
    it('never uses color when the output is not a terminal', () => {
      process.stdout.isTTY = false;
      delete process.env['NO_COLOR'];
      expect(processIo().color).toBe(false);
    });
  });

  it('a real run (the bundled entry the npm scripts use) prints one uncolored line on success when piped', () => {
    const out = execFileSync(process.execPath, [join(repoRoot, 'scripts/run.mjs'), 'check'], { cwd: repoRoot, encoding: 'utf8' });
    expect(out).toMatch(/^check: \d+ generated files and doc parts match schema\/\n$/);
  });

  it('a real run rebuilds generated/ from nothing, then passes the check, without a stack trace anywhere', async () => {
    const { copyRepo } = await import('./support/repo-copy.js');
    const repo = copyRepo();
    try {
      rmSync(join(repo.root, 'generated'), { recursive: true });
      const run = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'scripts/run.mjs'), ...args, '--root', repo.root], { encoding: 'utf8' });
      const generated = run('generate');
      expect([generated.status, generated.stderr]).toEqual([0, '']);
      expect(run('check').status).toBe(0);

      // A contract that does not compile: one line saying where, exit 2, no stack.
      writeFileSync(join(repo.root, 'schema/v1.ts'), `${readFileSync(join(repo.root, 'schema/v1.ts'), 'utf8')}\nexport const broken = ;\n`);
      for (const command of ['generate', 'check', 'release', 'draft']) {
        const failed = run(command, ...(command === 'release' || command === 'draft' ? ['2'] : []));
        expect(failed.status, command).not.toBe(0);
        expect(`${failed.stdout}${failed.stderr}`, command).toMatch(/schema\/v1\.ts:\d+/);
        expect(`${failed.stdout}${failed.stderr}`, command).not.toMatch(/\n\s+at /);
      }
    } finally {
      repo.remove();
    }
  });

  it('the lifecycle commands explain the life of a version in their --help', async () => {
    for (const name of ['draft', 'release', 'deprecate', 'retire', 'versions']) {
      const io = capture();
      expect(await runCommand(COMMANDS[name]!, ['--help'], io), name).toBe(0);
      expect(io.text().out, name).toContain('draft ──release──▶ released ──deprecate──▶ deprecated ──retire──▶ retired');
    }
  });

  it('the entry refuses an unknown command with exit code 2', () => {
    let status = 0;
    try {
      execFileSync(process.execPath, [join(repoRoot, 'scripts/run.mjs'), 'frobnicate'], { cwd: repoRoot, stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });

  it('check with --format github on a broken copy prints annotations', async () => {
    const io = capture();
    const { copyRepo } = await import('./support/repo-copy.js');
    const repo = copyRepo();
    try {
      repo.write('generated/v1/stale.txt', 'x\n');
      expect(await runCommand(checkCommand, ['--root', repo.root, '--format', 'github'], io)).toBe(1);
      expect(io.text().out).toMatch(/^::error file=generated\/v1\/stale\.txt,title=drift-stale::/);
    } finally {
      repo.remove();
    }
  });
});
