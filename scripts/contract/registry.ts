/**
 * Loads the contract registry (schema/index.ts) of a checkout. The registry
 * is bundled afresh on every call and imported from a data: URL, so a long
 * process (a test run, a watcher) always sees the files as they are now;
 * a plain import() would return the module cached at the first load.
 */
import type { Contract } from '../../schema/contract.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { PromiseKeeping } from '../../schema/promises.js';
import type { license as LicenseDeclaration } from '../../schema/license.js';
import type { probe as ProbeDeclaration } from '../../schema/probe.js';
import { VERSION_STATUSES, type VersionRecord } from '../../schema/registry.js';
import { FindingsError } from '../cli/findings.js';
import { type Releases, readReleases } from '../governance/releases.js';
import { type ReviewRecord, readReviews } from '../governance/reviews.js';
import { importBundle } from './import-bundle.js';
import { type SourceFile, sourceFiles } from './sources.js';

export const REGISTRY_FILE = 'schema/index.ts';
/** The connection test's declaration; a checkout without it (a diff base) has no probe. */
export const PROBE_FILE = 'schema/probe.ts';
/** What keeps each promise of the audit document; a checkout without it (a diff base) keeps none. */
export const PROMISES_FILE = 'schema/promises.ts';

export type ProbeDeclaration = typeof ProbeDeclaration;
/** The license record's declaration; a checkout without it (a diff base) has none. */
export const LICENSE_FILE = 'schema/license.ts';
export type LicenseDeclaration = typeof LicenseDeclaration;

export interface Registry {
  /** Every version with its place in the life of a version, oldest first. */
  readonly versions: readonly VersionRecord[];
  /** The versions' contracts, oldest first. */
  readonly contracts: readonly Contract[];
  readonly currentVersion: number;
  /** Required to generate the audit document; a diff base may predate it. */
  readonly processingRecord?: ProcessingRecord;
  /** Released versions and what they froze (schema/released.lock). */
  readonly released: Releases;
  /** Recorded privacy reviews (schema/reviews.json). */
  readonly reviews: readonly ReviewRecord[];
  /** The connection test (schema/probe.ts), where the checkout declares one. */
  readonly probe?: ProbeDeclaration;
  /** The license record (schema/license.ts), where the checkout declares one. */
  readonly license?: LicenseDeclaration;
  /** Per contract source (and the probe's): the files it is written in, its own first (see ./sources.ts). */
  readonly sources: ReadonlyMap<string, readonly SourceFile[]>;
  /** What keeps each promise of the audit document (schema/promises.ts), where the checkout declares it. */
  readonly promises?: readonly PromiseKeeping[];
}

function loadError(what: string, fix = 'run `npm run typecheck` to see the error in context'): FindingsError {
  return new FindingsError([{ where: REGISTRY_FILE, what, rule: 'contract-load', fix, severity: 'error' }]);
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function checkRecords(versions: readonly VersionRecord[], currentVersion: number): void {
  const problems: string[] = [];
  let previous = 0;
  for (const [i, record] of versions.entries()) {
    const contract = record?.contract;
    if (typeof contract?.version !== 'number') {
      problems.push(`versions[${i}] has no contract`);
      continue;
    }
    const v = contract.version;
    if (v <= previous) problems.push(`v${v} is listed after v${previous}: list versions once each, oldest first`);
    previous = Math.max(previous, v);
    if (contract.source !== `schema/v${v}.ts`) problems.push(`v${v} says its source is ${JSON.stringify(contract.source)}, but version ${v} lives in schema/v${v}.ts`);
    if (!(VERSION_STATUSES as readonly string[]).includes(record.status)) problems.push(`v${v} has status ${JSON.stringify(record.status)}, not one of ${VERSION_STATUSES.join(', ')}`);
    for (const key of ['released', 'deprecated', 'sunset', 'retired'] as const) {
      const day = record[key];
      if (day !== undefined && !DAY.test(day)) problems.push(`v${v} ${key} is ${JSON.stringify(day)}, not a YYYY-MM-DD day`);
    }
  }
  const current = versions.find((r) => r?.contract?.version === currentVersion);
  if (current === undefined) problems.push(`currentVersion ${currentVersion} is not one of the versions`);
  else if (current.status === 'retired' || current.status === 'deprecated') problems.push(`currentVersion ${currentVersion} is ${current.status}: uploaders would send it by default`);
  if (problems.length > 0) throw loadError(problems.join('; '), 'change the registry through `npm run draft`, `release`, `deprecate` and `retire`, or restore it from git');
}

/** The registry of the checkout at `root`. Older checkouts (a diff base) without lifecycle data count every version as draft or released by the lock. */
export async function loadRegistry(root: string): Promise<Registry> {
  let module: Record<string, unknown>;
  try {
    module = await importBundle(root, REGISTRY_FILE);
  } catch (error) {
    throw loadError((error as Error).message);
  }
  const released = await readReleases(root);
  const reviews = await readReviews(root);
  const processingRecord = module['processingRecord'] as ProcessingRecord | undefined;
  const definition = module['registry'] as { currentVersion?: unknown; versions?: unknown } | undefined;
  let versions: readonly VersionRecord[];
  let currentVersion: number;
  if (definition !== undefined) {
    if (!Array.isArray(definition.versions) || typeof definition.currentVersion !== 'number') throw loadError('`registry` must have `versions` (an array) and `currentVersion` (a number)');
    versions = definition.versions as VersionRecord[];
    currentVersion = definition.currentVersion;
  } else {
    const { contracts, currentVersion: current } = module as { contracts?: unknown; currentVersion?: unknown };
    if (!Array.isArray(contracts) || typeof current !== 'number') throw loadError('must export `registry` (or, before it, `contracts` and `currentVersion`)');
    versions = (contracts as Contract[]).map((contract) => ({ contract, status: released.has(contract.version) ? 'released' : 'draft' }));
    currentVersion = current;
  }
  checkRecords(versions, currentVersion);
  const contracts = versions.map((record) => record.contract);
  const probe = await optionalDeclaration<ProbeDeclaration>(root, PROBE_FILE, 'probe');
  const license = await optionalDeclaration<LicenseDeclaration>(root, LICENSE_FILE, 'license');
  const promises = await optionalDeclaration<readonly PromiseKeeping[]>(root, PROMISES_FILE, 'promiseKeepers');
  const sources = new Map<string, readonly SourceFile[]>();
  for (const source of [...contracts.map((c) => c.source), ...(probe === undefined ? [] : [probe.source])]) {
    // Loaded above already, so it bundles; a file that vanished since is a finding of the lint, not a crash here.
    sources.set(source, await sourceFiles(root, source).catch(() => []));
  }
  return {
    versions,
    contracts,
    currentVersion,
    released,
    reviews,
    sources,
    ...(processingRecord === undefined ? {} : { processingRecord }),
    ...(probe === undefined ? {} : { probe }),
    ...(license === undefined ? {} : { license }),
    ...(promises === undefined ? {} : { promises }),
  };
}

/** The export `name` of a declaration file beside the registry, or undefined where the checkout has no such file. */
async function optionalDeclaration<T>(root: string, file: string, name: string): Promise<T | undefined> {
  if (!existsSync(join(root, file))) return undefined;
  try {
    return (await importBundle(root, file))[name] as T | undefined;
  } catch (error) {
    throw new FindingsError([{ where: file, what: (error as Error).message, rule: 'contract-load', fix: 'run `npm run typecheck` to see the error in context', severity: 'error' }]);
  }
}

/** The record of one version, or undefined. */
export function versionRecord(registry: Registry, version: number): VersionRecord | undefined {
  return registry.versions.find((record) => record.contract.version === version);
}
