/** The frozen-version check on a checkout: released content hashes against the current ones. */
import { contentHash } from '../contract/canonical.js';
import type { Finding } from '../cli/findings.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { frozenFindings, readReleases } from './releases.js';
import { loadRegistry } from '../contract/registry.js';

export async function checkFrozen(root: string): Promise<Finding[]> {
  const registry = await loadRegistry(root);
  const current = new Map(registry.contracts.map((c) => [c.version, { hash: contentHash(toJsonSchema(c)), source: c.source }]));
  return frozenFindings(await readReleases(root), current);
}
