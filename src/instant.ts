/**
 * Exact handling of the UTC date-times the contract uses. `Date` keeps only
 * milliseconds, so two distinct instants like `…00.0001Z` and `…00.0002Z`
 * would compare equal; these helpers keep the full fractional part.
 */

import { isDateTime } from './formats.js';

const UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

export interface Instant {
  /** Whole seconds since the Unix epoch. */
  readonly seconds: number;
  /** Fractional seconds as exactly nine digits (nanoseconds). */
  readonly nanos: string;
}

/** Parses a contract date-time (`YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`), or returns undefined if it is not one. */
export function parseInstant(value: string): Instant | undefined {
  const m = UTC.exec(value);
  // Date.parse rolls 2026-02-30 over into March instead of refusing it.
  if (m === null || !isDateTime(value)) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: ms / 1000, nanos: (m[2] ?? '').padEnd(9, '0') };
}

/** Negative if a is earlier than b, 0 if equal, positive if later. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds - b.seconds;
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/**
 * The canonical spelling of an instant: trailing fractional zeros dropped, so
 * `2026-01-01T00:00:00.000Z` and `2026-01-01T00:00:00Z` give the same text.
 */
export function canonicalInstant(instant: Instant): string {
  const base = new Date(instant.seconds * 1000).toISOString().slice(0, 19);
  const fraction = instant.nanos.replace(/0+$/, '');
  return fraction === '' ? `${base}Z` : `${base}.${fraction}Z`;
}
