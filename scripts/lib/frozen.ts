/** The frozen-version check on a checkout: released content hashes against the current ones. */
import { contentHash } from './canonical.js';
import type { Finding } from './findings.js';
import { toJsonSchema } from './json-schema.js';
import { frozenFindings, readReleases } from './releases.js';
import { loadRegistry } from './registry.js';

export async function checkFrozen(root: string): Promise<Finding[]> {
  const registry = await loadRegistry(root);
  const current = new Map(registry.contracts.map((c) => [c.version, { hash: contentHash(toJsonSchema(c)), source: c.source }]));
  return frozenFindings(await readReleases(root), current);
}
