/**
 * Cold start: a fresh Node.js process importing the validator entry point,
 * against one importing the hand-written baseline. Both are bundled the way
 * the package ships (tsup/esbuild: one ES module, platform neutral, node20),
 * so the comparison is module evaluation and not module resolution.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Row } from './report.js';
import { median } from './timing.js';

const RUNS = 10;

/** Prints how long the import alone took, measured inside the process. */
const probe = (file: string) =>
  `const t0 = performance.now(); const m = await import(${JSON.stringify(file)}); const t1 = performance.now(); if (Object.keys(m).length === 0) process.exit(3); process.stdout.write(String(t1 - t0));`;

export async function coldStart(root: string): Promise<{ rows: Row[]; slowdown: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-contract-cold-'));
  try {
    const entries = { shipped: 'src/index.ts', baseline: 'bench/baseline.ts' } as const;
    for (const [name, entry] of Object.entries(entries)) {
      await build({ entryPoints: [join(root, entry)], outfile: join(dir, `${name}.mjs`), bundle: true, format: 'esm', platform: 'neutral', target: 'node20', logLevel: 'silent', tsconfigRaw: {} });
    }
    const wall: Record<string, number[]> = { shipped: [], baseline: [] };
    const importOnly: Record<string, number[]> = { shipped: [], baseline: [] };
    // One unrecorded run each first, so neither pays for a cold file cache.
    for (let run = -1; run < RUNS; run++) {
      for (const name of run % 2 === 0 ? ['shipped', 'baseline'] : ['baseline', 'shipped']) {
        const start = process.hrtime.bigint();
        const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe(join(dir, `${name}.mjs`))], { encoding: 'utf8' });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (result.status !== 0) throw new Error(`bench: importing the ${name} bundle failed: ${result.stderr}`);
        if (run < 0) continue;
        wall[name]!.push(ms);
        importOnly[name]!.push(Number(result.stdout));
      }
    }
    const [shipped, baseline] = [median(wall['shipped']!), median(wall['baseline']!)];
    const [shippedImport, baselineImport] = [median(importOnly['shipped']!), median(importOnly['baseline']!)];
    return {
      rows: [
        { name: 'fresh process importing the validator entry point (`telemetry-contract`)', value: shipped, unit: 'ms', ratio: shipped / baseline, note: `of which the import: ${shippedImport.toFixed(1)} ms` },
        { name: 'fresh process importing the hand-written baseline', value: baseline, unit: 'ms', ratio: 1, note: `of which the import: ${baselineImport.toFixed(1)} ms` },
      ],
      slowdown: shipped / baseline,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
