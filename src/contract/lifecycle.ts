/**
 * Where each schema version stands in its life, as the registry says
 * (schema/index.ts, carried into generated/index.ts), and the HTTP headers
 * that announce a deprecation: `Deprecation` (RFC 9745, a structured-field
 * date `@<unix seconds>`) and `Sunset` (RFC 8594, an HTTP-date).
 */
import { versions } from '../../generated/index.js';

export type VersionStatus = 'draft' | 'released' | 'deprecated' | 'retired';

/** A version's status and the days (YYYY-MM-DD, UTC) it reached each step. */
export interface VersionLifecycle {
  readonly status: VersionStatus;
  readonly released?: string;
  readonly deprecated?: string;
  readonly sunset?: string;
  readonly retired?: string;
}

export const DEPRECATION_HEADER = 'deprecation';
export const SUNSET_HEADER = 'sunset';

const lifecycles = new Map<number, VersionLifecycle>(Object.entries(versions).map(([version, entry]) => [Number(version), entry.lifecycle as VersionLifecycle]));

/**
 * The lifecycle of a version this package knows, or undefined.
 *
 * @example
 * versionLifecycle(1); // { status: 'released', released: '2026-11-26' }
 */
export function versionLifecycle(version: number): VersionLifecycle | undefined {
  return lifecycles.get(version);
}

/**
 * Every version a server accepts unless told otherwise: the released and the
 * deprecated ones, ascending. A draft has no approved privacy review, so a
 * server takes it only when it names it (`acceptedVersions: [1]`); a retired
 * one not at all. Empty while no version is released.
 */
export const defaultAcceptedVersions: readonly number[] = [...lifecycles]
  .filter(([, lifecycle]) => lifecycle.status === 'released' || lifecycle.status === 'deprecated')
  .map(([version]) => version)
  .sort((a, b) => a - b);

/** The drafts this package knows, ascending: versions a server accepts only by naming them. */
export const draftVersions: readonly number[] = [...lifecycles].filter(([, lifecycle]) => lifecycle.status === 'draft').map(([version]) => version).sort((a, b) => a - b);

const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/**
 * The `Deprecation` and `Sunset` headers a server sends with every answer
 * about a deprecated version; `{}` for any other.
 *
 * @example
 * deprecationHeaders(1); // { deprecation: '@1796083200', sunset: 'Mon, 31 May 2027 00:00:00 GMT' }
 */
export function deprecationHeaders(version: number): Record<string, string> {
  const lifecycle = lifecycles.get(version);
  if (lifecycle?.status !== 'deprecated') return {};
  return {
    ...(lifecycle.deprecated ? { [DEPRECATION_HEADER]: `@${dayStart(lifecycle.deprecated) / 1000}` } : {}),
    ...(lifecycle.sunset ? { [SUNSET_HEADER]: new Date(dayStart(lifecycle.sunset)).toUTCString() } : {}),
  };
}

/** What a server's answer says about the deprecation of the version sent. */
export interface Deprecation {
  /** When the version was deprecated (ISO 8601), from `Deprecation`. */
  readonly deprecatedAt?: string;
  /** When the server may stop accepting it (ISO 8601), from `Sunset`. */
  readonly sunset?: string;
}

/**
 * Reads `Deprecation` and `Sunset` from an answer's headers; undefined when
 * neither is there or both are malformed.
 *
 * @example
 * readDeprecation(response.headers); // { deprecatedAt: '2026-12-01T00:00:00.000Z', sunset: '2027-06-01T00:00:00.000Z' }
 */
export function readDeprecation(headers: { get(name: string): string | null }): Deprecation | undefined {
  const deprecation = /^@(-?[0-9]{1,15})$/.exec(headers.get(DEPRECATION_HEADER)?.trim() ?? '');
  const sunsetText = headers.get(SUNSET_HEADER);
  const sunset = sunsetText === null || sunsetText.length > 64 ? Number.NaN : Date.parse(sunsetText);
  const out = {
    ...(deprecation ? { deprecatedAt: new Date(Number(deprecation[1]) * 1000).toISOString() } : {}),
    ...(Number.isNaN(sunset) ? {} : { sunset: new Date(sunset).toISOString() }),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}
