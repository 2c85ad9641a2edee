/**
 * The frozen-version check: what a released version validates, and every
 * artifact it published, stay exactly as they were released. Content is
 * compared by the hash of its wire view with schema/released.lock; each
 * published artifact both as this build would write it (a generator change)
 * and as it is on disk (a hand edit). Privacy records stay amendable: an
 * amended version's privacy content must be the one its last recorded
 * amendment approved.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import type { Registry } from '../contract/registry.js';
import { wireHash, wireView } from '../contract/wire-view.js';
import { AUDIT_DOC } from '../docs/audit-doc.js';
import { readPart } from '../docs/markers.js';
import { type Build, jsonText } from '../emit/artifacts.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from './privacy-content.js';
import { RELEASES_FILE, approvedPrivacyHash, frozenFindings } from './releases.js';

/** `sha256:<hex>` of an artifact's text; a document part without its trailing newlines, as the document holds it. */
export function artifactHash(name: string, text: string): string {
  const normalized = name.includes('#') ? `${text.replace(/\n+$/, '')}\n` : text;
  return `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

/** The published artifacts of every version, hashed: what `release` records. */
export function publishedHashes(build: Build, version: number): Map<string, string> {
  return new Map([...(build.published.get(version) ?? [])].map(([name, text]) => [name, artifactHash(name, text)]));
}

/**
 * The frozen text of a published artifact as it is on disk: a JSON Schema's
 * wire view; a document part's frozen rendering when the part is exactly what
 * this build writes (the drift check names any other difference), else the
 * part itself; any other file as it is.
 */
async function onDisk(root: string, name: string, build: Build, frozen: string): Promise<string | undefined> {
  const [file, part] = name.split('#') as [string, string | undefined];
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
  if (part !== undefined) {
    const disk = readPart(text, file, part);
    const generated = build.files.get(AUDIT_DOC);
    return disk !== undefined && file === AUDIT_DOC && generated !== undefined && disk === readPart(generated, file, part) ? frozen : disk;
  }
  if (!file.endsWith('.schema.json')) return text;
  try {
    return jsonText(wireView(JSON.parse(text) as Record<string, unknown>));
  } catch {
    return text;
  }
}

/** Amendments of released versions that are not recorded, or that no review backs. */
function amendmentFindings(registry: Registry): Finding[] {
  const findings: Finding[] = [];
  for (const [version, release] of registry.released) {
    const contract = registry.contracts.find((c) => c.version === version);
    const approved = approvedPrivacyHash(release);
    if (contract === undefined || approved === undefined) continue;
    for (const amendment of release.amendments) {
      if (!registry.reviews.some((r) => r.version === version && r.contentHash === amendment.privacyHash)) {
        findings.push({ where: RELEASES_FILE, what: `the amendment of v${version} of ${amendment.date} (${amendment.link}) has no matching review in schema/reviews.json`, rule: 'amendment-unreviewed', fix: 'restore schema/reviews.json and schema/released.lock from git; both are written by `npm run review`', severity: 'error' });
      }
    }
    const current = privacyHash(toJsonSchema(contract), registry.processingRecord);
    if (current === approved || !registry.reviews.some((r) => r.version === version && r.contentHash === current)) continue;
    findings.push({
      where: RELEASES_FILE,
      what: `released v${version}'s privacy content was reviewed, but the amendment is not recorded`,
      rule: 'amendment-unrecorded',
      fix: `run \`npm run review -- ${version} --reviewer "<name>" --link <ticket>\` with the approving review's reviewer and link: it records the amendment`,
      severity: 'error',
    });
  }
  return findings;
}

function where(name: string): string {
  const [file, part] = name.split('#');
  return part === undefined ? file! : `${file} (part \`${part}\`)`;
}

export async function checkFrozen(root: string, registry: Registry, build: Build): Promise<Finding[]> {
  const current = new Map(registry.contracts.map((c) => [c.version, { hash: wireHash(toJsonSchema(c)), source: c.source }]));
  const findings = [...frozenFindings(registry.released, current), ...amendmentFindings(registry)];
  for (const [version, release] of registry.released) {
    if (!current.has(version)) continue;
    const generated = build.published.get(version) ?? new Map<string, string>();
    for (const [name, hash] of release.artifacts) {
      const text = generated.get(name);
      if (text === undefined || artifactHash(name, text) !== hash) {
        findings.push({
          where: where(name),
          what: text === undefined ? `was published by released v${version}, and \`npm run generate\` no longer writes it` : `was published by released v${version}, and \`npm run generate\` would now write it differently`,
          rule: 'released-artifact-changed',
          fix: `a released version's published artifacts never change: undo the change to the generator (scripts/) or to v${version}, so that v${version}'s output stays as released; a new behaviour belongs in a new version`,
          severity: 'error',
        });
        continue;
      }
      const disk = await onDisk(root, name, build, text);
      if (disk === undefined || artifactHash(name, disk) !== hash) {
        findings.push({
          where: where(name),
          what: disk === undefined ? `was published by released v${version} and is missing` : `was published by released v${version} and has been edited`,
          rule: 'released-artifact-changed',
          fix: `restore it: \`npm run generate\` writes it as released`,
          severity: 'error',
        });
      }
    }
  }
  return findings;
}
