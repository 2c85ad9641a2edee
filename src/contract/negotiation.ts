/**
 * Version negotiation. The server states the schema versions it accepts in a
 * response header on every answer (and on `HEAD`/`GET` of the schema
 * endpoint); the uploader refuses to send a version outside that list, and
 * the server refuses one with an error that lists the versions it accepts.
 */
import { defaultAcceptedVersions, draftVersions, versionLifecycle } from './lifecycle.js';
import { supportedVersions } from './validate.js';
import { type WireError, wireError } from './wire-errors.js';

/** Response header listing the versions a server accepts, e.g. `1, 2`. */
export const ACCEPTED_VERSIONS_HEADER = 'x-telemetry-accepted-versions';

/**
 * The header value for a list of versions: ascending, comma-separated.
 *
 * @example
 * formatAcceptedVersions([2, 1]); // "1, 2"
 */
export function formatAcceptedVersions(versions: readonly number[]): string {
  return [...new Set(versions)].sort((a, b) => a - b).join(', ');
}

/**
 * Reads an accepted-versions header; undefined when absent or malformed.
 *
 * @example
 * parseAcceptedVersions(response.headers.get('x-telemetry-accepted-versions')); // [1]
 */
export function parseAcceptedVersions(value: string | null | undefined): number[] | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) return undefined;
  const parts = value.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^[1-9][0-9]{0,3}$/.test(p))) return undefined;
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/**
 * A server's accepted versions, checked against what this package can
 * validate. Without a list, the released (and deprecated) versions: a draft is
 * accepted only when the server names it. Throws a TypeError for a version the
 * package does not know (a server cannot accept what it cannot validate), one
 * the contract has retired (its sunset has passed; uploaders have been told),
 * and for no list while no version is released (a server that accepted
 * nothing would refuse every report).
 *
 * @example
 * const accepted = acceptedVersionsOption(undefined); // the released versions
 * const withDraft = acceptedVersionsOption([1]); // v1, named, even as a draft
 */
export function acceptedVersionsOption(accepted: readonly number[] | undefined): readonly number[] {
  if (accepted === undefined) {
    if (defaultAcceptedVersions.length > 0) return defaultAcceptedVersions;
    const drafts = draftVersions.map((v) => `v${v}`).join(', ');
    throw new TypeError(
      `acceptedVersions: no version of this package is released yet (${drafts === '' ? 'none is known' : `${drafts} ${draftVersions.length === 1 ? 'is a draft' : 'are drafts'}`}), and a server accepts a draft only when it names it, so by default it would refuse every report; name the versions it accepts, e.g. acceptedVersions: [${draftVersions.at(-1) ?? 1}] (versions-config)`,
    );
  }
  if (accepted.length === 0) throw new TypeError('acceptedVersions: must list at least one version (versions-config)');
  for (const version of accepted) {
    if (!supportedVersions.includes(version)) {
      throw new TypeError(`acceptedVersions: ${String(version)} is not a version this package validates; supported: ${supportedVersions.join(', ')} (versions-config)`);
    }
    if (versionLifecycle(version)?.status === 'retired') {
      throw new TypeError(`acceptedVersions: v${version} is retired and refused by contract; accept only versions that are not retired: ${supportedVersions.filter((v) => versionLifecycle(v)?.status !== 'retired').join(', ')} (versions-config)`);
    }
  }
  return [...new Set(accepted)].sort((a, b) => a - b);
}

/**
 * The `unsupported-version` error when a version is outside the accepted list, else undefined.
 *
 * @example
 * const error = checkVersionAccepted(2, [1]); // error.message lists "supported: 1"
 */
export function checkVersionAccepted(version: number, accepted: readonly number[], where = 'schemaVersion'): WireError | undefined {
  if (accepted.includes(version)) return undefined;
  const retired = versionLifecycle(version)?.status === 'retired' ? ' (it is retired)' : '';
  return wireError(where, `version ${version} is not accepted${retired}; supported: ${formatAcceptedVersions(accepted)}`, 'unsupported-version', {
    supportedVersions: [...accepted],
  });
}

/**
 * The highest version both sides know, or undefined when they share none.
 *
 * @example
 * chooseVersion([1, 2], [1]); // 1
 */
export function chooseVersion(serverAccepts: readonly number[], uploaderKnows: readonly number[] = supportedVersions): number | undefined {
  const common = serverAccepts.filter((v) => uploaderKnows.includes(v));
  return common.length === 0 ? undefined : Math.max(...common);
}
