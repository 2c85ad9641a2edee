/**
 * The registry of schema versions: every version the package knows, where each
 * stands in its life (draft, released, deprecated, retired; see ./registry.ts),
 * and the version uploaders send by default. Generated artifacts, docs and the
 * runtime version dispatch are all derived from it.
 *
 * Written by `npm run draft`, `release`, `deprecate` and `retire`: change it
 * through them, not by hand.
 */
import { defineRegistry } from './registry.js';
import { v1 } from './v1.js';

export const registry = defineRegistry({
  currentVersion: 1,
  versions: [
    { contract: v1, status: 'draft' },
  ],
});

export const contracts = registry.versions.map((entry) => entry.contract);
export const currentVersion = registry.currentVersion;

export { v1 };
export { processingRecord } from './processing-record.js';
export type { Contract } from './contract.js';
export type { CrossFieldRule } from './rules.js';
export type { VersionRecord, VersionStatus } from './registry.js';
export * from './privacy.js';
