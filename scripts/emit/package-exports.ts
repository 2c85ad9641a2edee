/**
 * package.json's `./schemas/v<N>.json` exports, kept in step with the
 * registry: every version a server may still be sent (draft, released or
 * deprecated) exports its JSON Schema; a retired one no longer does. The rest
 * of package.json is hand-written and passes through unchanged, the way the
 * audit document's prose does: `generate` (and so `draft`, `release` and
 * `retire`) rewrites the exports, and `check` fails when they drift.
 */
import type { VersionRecord } from '../../schema/registry.js';
import { FindingsError } from '../cli/findings.js';

export const PACKAGE_FILE = 'package.json';

const SCHEMA_EXPORT = /^\.\/schemas\/v[1-9][0-9]*\.json$/;

/** The export key and target of a version's JSON Schema. */
export function schemaExport(version: number): [string, string] {
  return [`./schemas/v${version}.json`, `./generated/v${version}/telemetry.schema.json`];
}

/** The versions whose JSON Schema the package exports: all but the retired. */
export function exportedVersions(versions: readonly Pick<VersionRecord, 'contract' | 'status'>[]): number[] {
  return versions.filter((record) => record.status !== 'retired').map((record) => record.contract.version);
}

/**
 * The manifest with its schema exports replaced by one per exported
 * version, in version order, where the first of the old ones stood (or
 * before `./package.json`). Every other key keeps its place and value.
 */
export function withSchemaExports(manifestText: string, versions: readonly number[]): string {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(manifestText) as Record<string, unknown>;
  } catch (error) {
    throw new FindingsError([{ where: PACKAGE_FILE, what: `is not valid JSON (${(error as Error).message})`, rule: 'package-syntax', fix: 'restore it from git', severity: 'error' }]);
  }
  const exports = manifest['exports'];
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) {
    throw new FindingsError([{ where: PACKAGE_FILE, what: 'has no `exports` object to list the JSON Schemas in', rule: 'package-syntax', fix: 'restore it from git', severity: 'error' }]);
  }
  const entries = Object.entries(exports as Record<string, unknown>);
  const first = entries.findIndex(([key]) => SCHEMA_EXPORT.test(key));
  const kept = entries.filter(([key]) => !SCHEMA_EXPORT.test(key));
  const at = first >= 0 ? first : kept.findIndex(([key]) => key === './package.json');
  const position = at >= 0 ? at : kept.length;
  const schemas = [...versions].sort((a, b) => a - b).map(schemaExport);
  const next = { ...manifest, exports: Object.fromEntries([...kept.slice(0, position), ...schemas, ...kept.slice(position)]) };
  return `${JSON.stringify(next, null, 2)}\n`;
}
