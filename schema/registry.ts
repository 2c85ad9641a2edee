import type { Contract } from './contract.js';

/**
 * The life of a schema version:
 *
 *     draft ──release──▶ released ──deprecate──▶ deprecated ──retire──▶ retired
 *
 * - draft: may still change; `npm run draft -- <N>` creates one.
 * - released: frozen; its published artifacts never change again (`npm run release -- <N>`).
 * - deprecated: still accepted, but servers answer with `Deprecation` and `Sunset` headers
 *   (`npm run deprecate -- <N> --sunset <date>`), so uploaders know to move on.
 * - retired: refused by servers as an unsupported version (`npm run retire -- <N>`); it stays in the
 *   registry so stored reports of it can still be read and its artifacts stay published.
 */
export const VERSION_STATUSES = ['draft', 'released', 'deprecated', 'retired'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** A calendar day, YYYY-MM-DD (UTC). */
export type Day = `${number}-${number}-${number}`;

/** One version in the registry: its contract and where it stands in its life. */
export interface VersionRecord {
  readonly contract: Contract;
  readonly status: VersionStatus;
  /** The day it was released (every status after draft). */
  readonly released?: Day;
  /** The day it was deprecated: the `Deprecation` header's date. */
  readonly deprecated?: Day;
  /** The day after which it may be retired: the `Sunset` header's date. */
  readonly sunset?: Day;
  /** The day it was retired. */
  readonly retired?: Day;
}

export interface RegistryDefinition {
  /** The version uploaders build by default. */
  readonly currentVersion: number;
  /** Every version, oldest first. */
  readonly versions: readonly VersionRecord[];
}

/** Identity function that gives the registry literal its checked type. */
export function defineRegistry(registry: RegistryDefinition): RegistryDefinition {
  return registry;
}
