/**
 * Released schema versions are frozen. `schema/released.lock` holds, per
 * released version, the hash of its content and the hash of every artifact
 * it published (its JSON Schema, its conformance and wire vectors, its part
 * of the audit document). Any change to either fails the check, whatever
 * caused it: an edit of the contract, a hand edit of a file, or a change to a
 * generator. The only way forward is a new version.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import { FindingsError } from '../cli/findings.js';

export const RELEASES_FILE = 'schema/released.lock';

/** What was frozen when a version was released. */
export interface Release {
  /** contentHash() of the version's JSON Schema document. */
  readonly contentHash: string;
  /** Published artifact (a file, or `docs/telemetry.md#<part>`) → `sha256:<hex>` of its exact text. */
  readonly artifacts: ReadonlyMap<string, string>;
}

export type Releases = ReadonlyMap<number, Release>;

const LINE = /^v([1-9][0-9]*) (sha256:[0-9a-f]{64})(?: (\S.*))?$/;

/** Released version → what was frozen. A missing file means nothing is released yet. */
export async function readReleases(root: string): Promise<Map<number, Release>> {
  let text: string;
  try {
    text = await readFile(join(root, RELEASES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  return parseReleases(text);
}

export function parseReleases(text: string): Map<number, Release> {
  const releases = new Map<number, { contentHash?: string; artifacts: Map<string, string> }>();
  const findings: Finding[] = [];
  const fix = 'restore the file from git; it is written by `npm run release`';
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const where = `${RELEASES_FILE}:${index + 1}`;
    const match = LINE.exec(line);
    if (!match) {
      findings.push({ where, what: 'is not `v<version> sha256:<64 hex digits>` (optionally followed by an artifact path)', rule: 'release-lock-syntax', fix, severity: 'error' });
      return;
    }
    const version = Number(match[1]);
    const entry = releases.get(version) ?? { artifacts: new Map<string, string>() };
    releases.set(version, entry);
    const artifact = match[3];
    if (artifact === undefined) {
      if (entry.contentHash !== undefined) findings.push({ where, what: `v${version} is listed twice`, rule: 'release-lock-syntax', fix: 'keep the first line, delete the other', severity: 'error' });
      entry.contentHash = match[2]!;
    } else {
      if (entry.artifacts.has(artifact)) findings.push({ where, what: `${artifact} of v${version} is listed twice`, rule: 'release-lock-syntax', fix: 'keep the first line, delete the other', severity: 'error' });
      entry.artifacts.set(artifact, match[2]!);
    }
  });
  for (const [version, entry] of releases) {
    if (entry.contentHash === undefined) findings.push({ where: RELEASES_FILE, what: `v${version} lists artifacts but no content hash`, rule: 'release-lock-syntax', fix, severity: 'error' });
  }
  if (findings.length > 0) throw new FindingsError(findings);
  return new Map([...releases].map(([version, entry]) => [version, { contentHash: entry.contentHash!, artifacts: entry.artifacts }]));
}

export function formatReleases(releases: Releases): string {
  const lines = [...releases.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([version, release]) => [
      `v${version} ${release.contentHash}`,
      ...[...release.artifacts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([artifact, hash]) => `v${version} ${hash} ${artifact}`),
    ]);
  return [
    '# Released schema versions are frozen: npm run check fails if the content of one changes,',
    '# or if an artifact it published (listed after its content hash) would change.',
    '# Written by `npm run release -- <version>`; do not edit by hand.',
    ...lines,
    '',
  ].join('\n');
}

export async function writeReleases(root: string, releases: Releases): Promise<void> {
  const path = join(root, RELEASES_FILE);
  await writeFile(`${path}.tmp`, formatReleases(releases), 'utf8');
  await rename(`${path}.tmp`, path);
}

/** A finding for every released version whose content changed or which disappeared. */
export function frozenFindings(releases: Releases, current: ReadonlyMap<number, { hash: string; source: string }>): Finding[] {
  const findings: Finding[] = [];
  for (const [version, { contentHash: hash }] of releases) {
    const now = current.get(version);
    if (now === undefined) {
      findings.push({
        where: RELEASES_FILE,
        what: `released version v${version} is no longer in schema/index.ts; deployments sending it would be refused`,
        rule: 'released-removed',
        fix: `keep released versions in the registry; stop accepting one with \`npm run deprecate -- ${version} --sunset <date>\`, then \`npm run retire -- ${version}\``,
        severity: 'error',
      });
    } else if (now.hash !== hash) {
      findings.push({
        where: now.source,
        what: `v${version} is released and frozen, but its content changed (${hash.slice(0, 19)}… → ${now.hash.slice(0, 19)}…)`,
        rule: 'released-changed',
        fix: `undo the change to v${version} and make it in a new version instead (\`npm run draft -- <next version>\`); \`npm run diff -- <base>\` shows what changed`,
        severity: 'error',
      });
    }
  }
  return findings;
}
