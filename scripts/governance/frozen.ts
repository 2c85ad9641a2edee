/**
 * The frozen-version check: a released version's content, and every artifact
 * it published, stay exactly as they were released. Content is compared by
 * hash with schema/released.lock; each published artifact both as this build
 * would write it (a generator change) and as it is on disk (a hand edit).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../cli/findings.js';
import { contentHash } from '../contract/canonical.js';
import type { Registry } from '../contract/registry.js';
import { readPart } from '../docs/markers.js';
import type { Build } from '../emit/artifacts.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { frozenFindings } from './releases.js';

/** `sha256:<hex>` of an artifact's text; a document part without its trailing newlines, as the document holds it. */
export function artifactHash(name: string, text: string): string {
  const normalized = name.includes('#') ? `${text.replace(/\n+$/, '')}\n` : text;
  return `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

/** The published artifacts of every version, hashed: what `release` records. */
export function publishedHashes(build: Build, version: number): Map<string, string> {
  return new Map([...(build.published.get(version) ?? [])].map(([name, text]) => [name, artifactHash(name, text)]));
}

async function onDisk(root: string, name: string): Promise<string | undefined> {
  const [file, part] = name.split('#') as [string, string | undefined];
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
  return part === undefined ? text : readPart(text, file, part);
}

function where(name: string): string {
  const [file, part] = name.split('#');
  return part === undefined ? file! : `${file} (part \`${part}\`)`;
}

export async function checkFrozen(root: string, registry: Registry, build: Build): Promise<Finding[]> {
  const current = new Map(registry.contracts.map((c) => [c.version, { hash: contentHash(toJsonSchema(c)), source: c.source }]));
  const findings = frozenFindings(registry.released, current);
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
      const disk = await onDisk(root, name);
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
