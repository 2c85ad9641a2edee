/**
 * What `check` costs, each run a fresh process as CI runs it: on v1, and on
 * v1 with 10, 100 and 1,000 synthetic count fields more, in throwaway repo copies.
 * Every fresh process pays a fixed start-up (tsx, module loading), so growth is
 * judged on the marginal cost per field between sizes, not on the totals.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCommand } from '../scripts/commands/generate.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { copyRepo } from '../test/support/repo-copy.js';
import type { Row } from './report.js';
import { median } from './timing.js';

const SIZES = [10, 100, 1000] as const;
const RUNS = 3;

/**
 * v1 as it is, plus `fields` synthetic counts: the fields, rules, promises and
 * not-collected list the rest of the contract (the license record, the
 * audit document's promises) refer to all stay, and only the size grows.
 */
export function syntheticContract(v1Source: string, fields: number): string {
  const reviewBy = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
  const entries = Array.from(
    { length: fields },
    (_, i) =>
      `    count${i}: Count(privacy({ purpose: 'Synthetic count number ${i + 1}, measured by the benchmark of check.', legalBasis: 'contract', basisNote: 'benchmark', category: 'usage-aggregate', retention: 'P400D', owner: 'Benchmark', reviewBy: '${reviewBy}' })),`,
  ).join('\n');
  const end = '\n  },\n  { additionalProperties: false },\n);';
  if (!v1Source.includes(end)) throw new Error('bench: schema/v1.ts no longer closes its payload object as the generation bench expects; update syntheticContract');
  return v1Source.replace(end, `\n${entries}${end}`);
}

/** Median wall time of `check` in a fresh process on the repository at `root`; fails unless check passes. */
function timeCheck(cli: string, root: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, 'check', '--root', root], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`bench: check fails on ${root}, so its time would not be check's: ${result.stdout}${result.stderr}`);
  }
  return median(times);
}

export async function generationCost(root: string): Promise<{ rows: Row[]; checkV1Ms: number; check1000Ms: number; linear: boolean; growth: string }> {
  // What `npm run check` runs, without npm's own start-up.
  const cli = join(root, 'scripts/run.mjs');
  const checkV1Ms = timeCheck(cli, root);
  const measured: Array<{ fields: number; ms: number; vectors: number; bytes: number }> = [];
  for (const fields of SIZES) {
    const repo = copyRepo();
    try {
      repo.write('schema/v1.ts', syntheticContract(readFileSync(join(root, 'schema/v1.ts'), 'utf8'), fields));
      const generated = await repo.run(generateCommand);
      if (generated.code !== 0) throw new Error(`bench: generate fails on the ${fields}-field contract: ${generated.out}${generated.err}`);
      // A recorded review, so check passes and its time is the whole of its work.
      const reviewed = await repo.run(reviewCommand, '1', '--reviewer', 'Benchmark', '--role', 'engineering self-review', '--pending', '--link', 'BENCH-1');
      if (reviewed.code !== 0) throw new Error(`bench: review fails on the ${fields}-field contract: ${reviewed.out}${reviewed.err}`);
      // The conformance file: a base payload and a JSON Patch per vector, a fixed number per field.
      const conformance = repo.read('generated/v1/conformance.json');
      const vectors = (JSON.parse(conformance) as { vectors: unknown[] }).vectors.length;
      measured.push({ fields, ms: timeCheck(cli, repo.root), vectors, bytes: Buffer.byteLength(conformance) });
    } finally {
      repo.remove();
    }
  }
  const [small, medium, large] = measured as [(typeof measured)[0], (typeof measured)[0], (typeof measured)[0]];
  const marginal = (a: typeof small, b: typeof small) => (b.ms - a.ms) / (b.fields - a.fields);
  const [first, second] = [marginal(small, medium), marginal(medium, large)];
  // Linear: a field added at 1,000 costs about what one added at 100 does (50% slack for noise).
  const linear = second <= first * 1.5;
  return {
    rows: [
      { name: '`check` on v1', value: checkV1Ms, unit: 'ms' },
      ...measured.map((m, i) => ({
        name: `\`check\` on v1 with ${m.fields.toLocaleString('en-US')} count fields more`,
        value: m.ms,
        unit: 'ms',
        note: `${i === 0 ? 'fixed start-up included' : `+${marginal(measured[i - 1]!, m).toFixed(2)} ms per added field`}; conformance.json: ${m.vectors.toLocaleString('en-US')} vectors, ${(m.bytes / 1e6).toFixed(1)} MB`,
      })),
    ],
    checkV1Ms,
    check1000Ms: large.ms,
    linear,
    growth: `${first.toFixed(2)} ms per field from 10 to 100 fields, ${second.toFixed(2)} ms per field from 100 to 1,000`,
  };
}
