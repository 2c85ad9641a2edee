import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/** Every ```ts block of the README, with the line it starts on. */
function samples(): Array<{ line: number; code: string }> {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const found: Array<{ line: number; code: string }> = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    found.push({ line: text.slice(0, m.index).split('\n').length, code: m[1]! });
  }
  return found;
}

/** The package's import specifiers mapped to the source files they are built from. */
function paths(): Record<string, string[]> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  const mapped: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === './package.json') continue;
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    const source = subpath === '.' ? 'src/index.ts' : typeof target === 'string' ? target : `src/${subpath.slice(2)}.ts`;
    if (existsSync(join(repoRoot, source))) mapped[specifier] = [join(repoRoot, source)];
  }
  return mapped;
}

let dir: string;
beforeAll(() => {
  // Outside node_modules: tsx does not apply tsconfig paths to files inside it.
  dir = mkdtempSync(join(tmpdir(), 'telemetry-contract-readme-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', resolveJsonModule: true, strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')], paths: paths() },
      include: ['*.mts'],
    }),
  );
  samples().forEach(({ code }, i) => writeFileSync(join(dir, `sample-${i}.mts`), code));
  // Third-party clients a sample uses (the storage sample's PGlite) resolve as in the reader's project.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README code samples', () => {
  it('there are samples to run', () => expect(samples().length).toBeGreaterThan(0));

  it('every sample that builds a report says which schema version it sends', () => {
    const building = samples().filter(({ code }) => /\b(createTelemetryRequest|openOutbox)\(/.test(code));
    expect(building.length).toBeGreaterThanOrEqual(3);
    for (const { line, code } of building) expect(code, `README.md line ${line}`).toMatch(/\bversion: 1\b/);
  });

  it('type-check against the package source', () => {
    let output = '';
    try {
      execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    expect(output).toBe('');
  });

  // A fresh process per sample; the storage sample starts PostgreSQL in WebAssembly, 5 to 20 s on two busy cores.
  it.each(samples().map((s, i) => [s.line, i] as const))('the sample at README.md line %i runs without throwing', { timeout: 120_000 }, (_line, i) => {
    const run = () => execFileSync(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', join(dir, 'tsconfig.json'), join(dir, `sample-${i}.mts`)], { encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  });
});
