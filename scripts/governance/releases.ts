/**
 * Released schema versions are frozen. `schema/released.lock` holds one line
 * per released version with the hash of its content; any change to that
 * content fails the check. The only way forward is a new version.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import { FindingsError } from '../cli/findings.js';

export const RELEASES_FILE = 'schema/released.lock';

const LINE = /^v([1-9][0-9]*) (sha256:[0-9a-f]{64})$/;

/** Released version → content hash. A missing file means nothing is released yet. */
export async function readReleases(root: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(join(root, RELEASES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  return parseReleases(text);
}

export function parseReleases(text: string): Map<number, string> {
  const releases = new Map<number, string>();
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) {
      findings.push({ where: `${RELEASES_FILE}:${index + 1}`, what: 'is not `v<version> sha256:<64 hex digits>`', rule: 'release-lock-syntax', fix: 'restore the file from git; it is written by `npm run release`', severity: 'error' });
      return;
    }
    const version = Number(match[1]);
    if (releases.has(version)) {
      findings.push({ where: `${RELEASES_FILE}:${index + 1}`, what: `v${version} is listed twice`, rule: 'release-lock-syntax', fix: 'keep the first line, delete the other', severity: 'error' });
    }
    releases.set(version, match[2]!);
  });
  if (findings.length > 0) throw new FindingsError(findings);
  return releases;
}

export function formatReleases(releases: ReadonlyMap<number, string>): string {
  const lines = [...releases.entries()].sort(([a], [b]) => a - b).map(([version, hash]) => `v${version} ${hash}`);
  return [
    '# Released schema versions are frozen: npm run check fails if the content of one changes.',
    '# Written by `npm run release -- <version>`; do not edit by hand.',
    ...lines,
    '',
  ].join('\n');
}

export async function writeReleases(root: string, releases: ReadonlyMap<number, string>): Promise<void> {
  const path = join(root, RELEASES_FILE);
  await writeFile(`${path}.tmp`, formatReleases(releases), 'utf8');
  await rename(`${path}.tmp`, path);
}

/** A finding for every released version whose content changed or which disappeared. */
export function frozenFindings(releases: ReadonlyMap<number, string>, current: ReadonlyMap<number, { hash: string; source: string }>): Finding[] {
  const findings: Finding[] = [];
  for (const [version, hash] of releases) {
    const now = current.get(version);
    if (now === undefined) {
      findings.push({
        where: RELEASES_FILE,
        what: `released version v${version} is no longer in schema/index.ts; deployments sending it would be refused`,
        rule: 'released-removed',
        fix: 'keep released versions in the registry; stop sending one by moving currentVersion, not by deleting it',
        severity: 'error',
      });
    } else if (now.hash !== hash) {
      findings.push({
        where: now.source,
        what: `v${version} is released and frozen, but its content changed (${hash.slice(0, 19)}… → ${now.hash.slice(0, 19)}…)`,
        rule: 'released-changed',
        fix: `undo the change to v${version} and make it in a new version instead (copy ${now.source} to a new file, bump the version, register it in schema/index.ts); \`npm run diff -- <base>\` shows what changed`,
        severity: 'error',
      });
    }
  }
  return findings;
}
