/**
 * The drift check: the artifacts `generate` would write, compared with the
 * disk. `generate --check` and `check` both call this; neither has a code
 * path of its own.
 */
import { type Registry, loadRegistry } from '../contract/registry.js';
import { type Build, buildArtifacts } from '../emit/artifacts.js';
import type { Finding } from './findings.js';
import { type Drift, findDrift } from './output.js';

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

export interface DriftReport {
  /** Marker problems first (they explain the diffs that follow), then one finding per drifted file. */
  readonly findings: readonly Finding[];
  /** How many files were compared. */
  readonly compared: number;
  /** Lint warnings: printed, never failing. */
  readonly warnings: readonly Finding[];
  /** The registry and the build compared, for the checks that follow. */
  readonly registry: Registry;
  readonly build: Build;
}

export async function checkDrift(root: string): Promise<DriftReport> {
  const repairs: Finding[] = [];
  const warnings: Finding[] = [];
  const registry = await loadRegistry(root);
  const build = await buildArtifacts(registry, root, { onRepair: (f) => repairs.push(f), onWarning: (f) => warnings.push(f) });
  const drift = await findDrift(root, build.files);
  return { findings: [...repairs, ...driftFindings(drift)], compared: build.files.size, warnings, registry, build };
}
