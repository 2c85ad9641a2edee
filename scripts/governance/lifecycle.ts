/**
 * The life of a version as the repo's commands move it:
 *
 *     draft ──release──▶ released ──deprecate──▶ deprecated ──retire──▶ retired
 *
 * The status and its dates live in schema/index.ts (written by the commands);
 * what a release froze lives in schema/released.lock. This module checks that
 * the two agree, and holds what the lifecycle commands share.
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Day, VersionRecord } from '../../schema/registry.js';
import { UsageError } from '../cli/command.js';
import type { Finding } from '../cli/findings.js';
import { writeArtifacts } from '../cli/output.js';
import { REGISTRY_FILE, type Registry, loadRegistry, versionRecord } from '../contract/registry.js';
import { type VersionEntry, registryEntries, writeRegistry } from '../contract/registry-file.js';
import { buildArtifacts } from '../emit/artifacts.js';
import { today } from '../lint/types.js';
import { RELEASES_FILE } from './releases.js';

export const LIFECYCLE_HELP = [
  'The life of a version:',
  '  draft ──release──▶ released ──deprecate──▶ deprecated ──retire──▶ retired',
  '  draft       may still change; uploaders can send it, nothing is promised',
  '  released    frozen on the wire: what it validates and what it published never change again;',
  '              its privacy records stay amendable (edit, then `npm run review` records the amendment)',
  '  deprecated  still accepted; servers answer with Deprecation and Sunset headers',
  '  retired     refused by servers (422 unsupported-version); kept so stored reports stay readable',
  '`npm run versions` lists every version with its status.',
];

/** Where the registry and the lock disagree about which versions are released. */
export function lifecycleFindings(registry: Registry): Finding[] {
  const findings: Finding[] = [];
  for (const record of registry.versions) {
    const v = record.contract.version;
    const frozen = registry.released.has(v);
    if (record.status === 'draft' && frozen) {
      findings.push({ where: REGISTRY_FILE, what: `v${v} is a draft, but ${RELEASES_FILE} has it released`, rule: 'lifecycle-mismatch', fix: 'restore schema/index.ts from git: a released version stays released', severity: 'error' });
    } else if (record.status !== 'draft' && !frozen) {
      findings.push({ where: REGISTRY_FILE, what: `v${v} is ${record.status}, but ${RELEASES_FILE} has no release of it`, rule: 'lifecycle-mismatch', fix: `release it with \`npm run release -- ${v}\` instead of editing the status`, severity: 'error' });
    }
  }
  return findings;
}

/** `2`, `v2` → 2; anything else is a usage error that shows `example`. */
export function parseVersion(positionals: readonly string[], example: string): number {
  const [raw, ...extra] = positionals;
  const version = Number(raw?.replace(/^v/, ''));
  if (raw === undefined || extra.length > 0 || !/^v?[1-9][0-9]{0,3}$/.test(raw) || !Number.isSafeInteger(version)) {
    throw new UsageError(`give one schema version (a whole number from 1 to 9999), like \`${example}\`${raw === undefined ? '' : `; got "${[raw, ...extra].join(' ')}"`}`);
  }
  return version;
}

export function requireRecord(registry: Registry, version: number): VersionRecord {
  const record = versionRecord(registry, version);
  if (record === undefined) throw new UsageError(`v${version} is not in ${REGISTRY_FILE}; known: ${registry.versions.map((r) => `v${r.contract.version}`).join(', ')}`);
  return record;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A YYYY-MM-DD option that names a day that exists; `fallback` when absent. */
export function dayOption(value: string | boolean | undefined, name: string, fallback?: string): Day {
  if (value === undefined && fallback !== undefined) return fallback as Day;
  if (typeof value !== 'string' || !DAY.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`--${name} must be a day that exists, as YYYY-MM-DD${typeof value === 'string' ? `, got "${value}"` : ''}`);
  }
  return value as Day;
}

export { today };

/** Uncommitted changes in the checkout, or undefined when it is not a git repository. */
export function uncommittedChanges(root: string): string[] | undefined {
  try {
    const out = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter((line) => line.trim() !== '');
  } catch {
    return undefined;
  }
}

/**
 * Writes the registry (and any other files given), then regenerates every
 * artifact from it. If the regeneration fails, the files are put back as they
 * were, so a refused step leaves no half-made state behind.
 */
export async function applyRegistryChange(root: string, entries: readonly VersionEntry[], currentVersion: number, extra: ReadonlyMap<string, string> = new Map()): Promise<{ written: readonly string[] }> {
  const touched = [REGISTRY_FILE, ...extra.keys()];
  const previous = new Map<string, string | undefined>();
  for (const path of touched) previous.set(path, await readFile(join(root, path), 'utf8').catch(() => undefined));
  try {
    for (const [path, text] of extra) await writeFile(join(root, path), text, 'utf8');
    await writeRegistry(root, entries, currentVersion);
    const { files } = await buildArtifacts(await loadRegistry(root), root);
    return await writeArtifacts(root, files);
  } catch (error) {
    for (const [path, text] of previous) {
      if (text === undefined) await rm(join(root, path), { force: true });
      else await writeFile(join(root, path), text, 'utf8');
    }
    throw error;
  }
}

/** The registry's data with one version's record replaced. */
export function withRecord(registry: Registry, version: number, change: (entry: VersionEntry) => VersionEntry): VersionEntry[] {
  return registryEntries(registry.versions).map((entry) => (entry.version === version ? change(entry) : entry));
}
