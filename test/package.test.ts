import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../tsup.config.js';
import * as api from '../src/index.js';
import { repoRoot } from './helpers.js';

/** The public surface. A change here is a change to every user's imports: make it on purpose. */
const EXPORTS = [
  'DEFAULT_MAX_BYTES',
  'TelemetryValidationError',
  'assertTelemetry',
  'currentVersion',
  'isTelemetry',
  'parseTelemetry',
  'schemaV1',
  'schemas',
  'supportedVersions',
  'validateTelemetry',
];

let outDir: string;
beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'telemetry-contract-build-'));
  // The repo's own build configuration, minus declarations (tsc checks types; this checks loading).
  await build({ ...(config as Options), outDir, dts: false, clean: false, silent: true });
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
const probe = `const names = Object.keys(t).sort(); const ok = t.validateTelemetry(JSON.parse(process.argv[1])).ok; console.log(JSON.stringify({ names, ok }));`;
const payload = readFileSync(join(repoRoot, 'test/fixtures/v1/full.json'), 'utf8');

describe('package', () => {
  it('exports exactly the documented surface', () => {
    expect(Object.keys(api).sort()).toEqual(EXPORTS);
  });

  it('loads with require() from the CommonJS build', () => {
    const out = node(['-e', `const t = require(${JSON.stringify(join(outDir, 'index.cjs'))}); ${probe}`, payload]);
    expect(JSON.parse(out)).toEqual({ names: EXPORTS, ok: true });
  });

  it('loads with import from the ES module build', () => {
    const out = node(['--input-type=module', '-e', `const t = await import(${JSON.stringify(join(outDir, 'index.js'))}); ${probe}`, payload]);
    expect(JSON.parse(out)).toEqual({ names: EXPORTS, ok: true });
  });

  it('ships no schema compiler: no new Function or eval in the built files', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(join(outDir, file), 'utf8');
      expect(code, file).not.toMatch(/\bnew Function\b|\beval\s*\(/);
      // A require call, not ajv's `.code = 'require("ajv/…")'` metadata string, which is inert text.
      expect(code, file).not.toMatch(/(?<!['"])\brequire\(["']ajv/);
    }
  });
});
