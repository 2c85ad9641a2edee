import type { Finding } from './findings.js';
import type { Drift } from './output.js';

const WHAT: Record<Drift['kind'], string> = {
  changed: 'differs from what `npm run generate` writes',
  missing: 'is missing; `npm run generate` writes it',
  stale: 'is no longer generated from schema/ and should be deleted',
};

/** One finding per drifted file, carrying its unified diff. */
export function driftFindings(drift: readonly Drift[]): Finding[] {
  return drift.map((d) => ({
    where: d.path,
    what: WHAT[d.kind],
    rule: `drift-${d.kind}`,
    fix: 'run `npm run generate` and commit the result',
    severity: 'error',
    detail: d.diff,
  }));
}
