/**
 * Released schema versions are frozen on the wire and amendable in their
 * privacy records. `schema/released.lock` holds, per released version, the
 * hash of its wire content (scripts/contract/wire-view.ts) and of every
 * artifact it published (its JSON Schema's wire view, its conformance and
 * wire vectors, its storage migration, its part of the audit document): any
 * change to either fails the check, whatever caused it, and the only way
 * forward is a new version. It also holds the hash of the privacy content
 * approved at the release, and one line per amendment of it since: the day,
 * the approved content's hash, the review's link and what changed. Written
 * by `npm run release` and `npm run review`.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import { FindingsError } from '../cli/findings.js';

export const RELEASES_FILE = 'schema/released.lock';

/** What was frozen when a version was released. */
export interface Release {
  /** wireHash() of the version's JSON Schema document. */
  readonly contentHash: string;
  /** Published artifact (a file, or `docs/telemetry.md#<part>`) → `sha256:<hex>` of its frozen text. */
  readonly artifacts: ReadonlyMap<string, string>;
  /** privacyHash() of the content approved when the version was released (absent in a lock from before amendments). */
  readonly privacyHash?: string;
  /** Every amendment of the version's privacy content since its release, oldest first. */
  readonly amendments: readonly Amendment[];
}

/** One amendment of a released version's privacy content. */
export interface Amendment {
  /** The day of the approving review, YYYY-MM-DD. */
  readonly date: string;
  /** privacyHash() of the content as amended: the approving review's contentHash. */
  readonly privacyHash: string;
  /** The approving review's link. */
  readonly link: string;
  /** What changed, in one line (`activeSeats: retention P400D → P30D; …`). */
  readonly what: string;
}

/** The privacy content a released version stands at: its last amendment's, or the one released. */
export function approvedPrivacyHash(release: Release): string | undefined {
  return release.amendments[release.amendments.length - 1]?.privacyHash ?? release.privacyHash;
}

export type Releases = ReadonlyMap<number, Release>;

const LINE = /^v([1-9][0-9]*) (sha256:[0-9a-f]{64})(?: (\S.*))?$/;
const PRIVACY_LINE = /^v([1-9][0-9]*) privacy (sha256:[0-9a-f]{64})$/;
const AMENDED_LINE = /^v([1-9][0-9]*) amended (\d{4}-\d{2}-\d{2}) (sha256:[0-9a-f]{64}) (\S+) (\S.*)$/;

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
  type Entry = { contentHash?: string; privacyHash?: string; artifacts: Map<string, string>; amendments: Amendment[] };
  const releases = new Map<number, Entry>();
  const findings: Finding[] = [];
  const fix = 'restore the file from git; it is written by `npm run release` and `npm run review`';
  const entryOf = (version: number) => {
    const entry = releases.get(version) ?? { artifacts: new Map<string, string>(), amendments: [] };
    releases.set(version, entry);
    return entry;
  };
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const where = `${RELEASES_FILE}:${index + 1}`;
    const privacy = PRIVACY_LINE.exec(line);
    if (privacy) {
      const entry = entryOf(Number(privacy[1]));
      if (entry.privacyHash !== undefined) findings.push({ where, what: `the privacy content of v${privacy[1]} is listed twice`, rule: 'release-lock-syntax', fix: 'keep the first line, delete the other', severity: 'error' });
      entry.privacyHash = privacy[2]!;
      return;
    }
    const amended = AMENDED_LINE.exec(line);
    if (amended) {
      entryOf(Number(amended[1])).amendments.push({ date: amended[2]!, privacyHash: amended[3]!, link: amended[4]!, what: amended[5]! });
      return;
    }
    const match = LINE.exec(line);
    if (!match) {
      findings.push({ where, what: 'is not `v<version> sha256:<64 hex digits>` (optionally followed by an artifact path), `v<version> privacy sha256:…` or `v<version> amended <day> sha256:… <link> <what changed>`', rule: 'release-lock-syntax', fix, severity: 'error' });
      return;
    }
    const version = Number(match[1]);
    const entry = entryOf(version);
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
  return new Map(
    [...releases].map(([version, entry]) => [version, { contentHash: entry.contentHash!, artifacts: entry.artifacts, amendments: entry.amendments, ...(entry.privacyHash === undefined ? {} : { privacyHash: entry.privacyHash }) }]),
  );
}

export function formatReleases(releases: Releases): string {
  const lines = [...releases.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([version, release]) => [
      `v${version} ${release.contentHash}`,
      ...[...release.artifacts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([artifact, hash]) => `v${version} ${hash} ${artifact}`),
      ...(release.privacyHash === undefined ? [] : [`v${version} privacy ${release.privacyHash}`]),
      ...release.amendments.map((a) => `v${version} amended ${a.date} ${a.privacyHash} ${a.link} ${a.what}`),
    ]);
  return [
    '# Released schema versions are frozen on the wire: npm run check fails if what one validates changes,',
    '# or if an artifact it published (listed after its content hash) would change. Privacy records stay',
    '# amendable: the `privacy` line is the content approved at the release, each `amended` line a reviewed',
    '# amendment since (day, approved content, review link, what changed).',
    '# Written by `npm run release -- <version>` and `npm run review`; do not edit by hand.',
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
        what: `v${version} is released and frozen, but what it validates changed (${hash.slice(0, 19)}… → ${now.hash.slice(0, 19)}…)`,
        rule: 'released-changed',
        fix: `undo the change to v${version} and make it in a new version instead (\`npm run draft -- <next version>\`); \`npm run diff -- <base>\` shows what changed. Only privacy records (purpose, basis, retention, owner, reviewBy…) and the not-collected list may be amended in place, with \`npm run review\``,
        severity: 'error',
      });
    }
  }
  return findings;
}
