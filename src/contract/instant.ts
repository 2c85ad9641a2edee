/**
 * Exact handling of the UTC date-times the contract uses. `Date` keeps only
 * milliseconds, so two distinct instants like `…00.0001Z` and `…00.0002Z`
 * would compare equal; these helpers keep the full fractional part.
 */

import { isDateTime } from './formats.js';

export interface Instant {
  /** Whole seconds since the Unix epoch. */
  readonly seconds: number;
  /** Fractional seconds as exactly nine digits (nanoseconds). */
  readonly nanos: string;
}

/** The number the ASCII digits from..to spell (already checked to be digits); no substring, no Number(). */
function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
}

const NINE_ZEROS = '000000000';

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil); exact for every year, 0-99 included. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}

/**
 * Parses a contract date-time (`YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`), or returns
 * undefined if it is not one. A leap second (:60) is not an instant the
 * contract can order, so it is refused here too.
 */
export function parseInstant(value: string): Instant | undefined {
  const length = value.length;
  // The contract's spelling within RFC 3339: upper-case T and Z, no offset, one to nine fraction digits.
  if (length < 20 || length > 30 || value.charCodeAt(10) !== 84 || value.charCodeAt(length - 1) !== 90) return undefined;
  if (length > 20 && value.charCodeAt(19) !== 46) return undefined;
  // isDateTime checks the rest: digits, separators, a fraction of at least one digit, a date that exists.
  if (!isDateTime(value)) return undefined;
  const second = digitsAt(value, 17, 19);
  if (second === 60) return undefined;
  const days = daysFromCivil(digitsAt(value, 0, 4), digitsAt(value, 5, 7), digitsAt(value, 8, 10));
  const seconds = days * 86400 + digitsAt(value, 11, 13) * 3600 + digitsAt(value, 14, 16) * 60 + second;
  return { seconds, nanos: length === 20 ? NINE_ZEROS : value.slice(20, length - 1) + NINE_ZEROS.slice(length - 21) };
}

/** The spelling parseInstant accepts, checked without building an Instant; `dateTime`: isDateTime is already known to hold. */
function isContractInstant(value: string, dateTime: boolean): boolean {
  const length = value.length;
  if (length < 20 || length > 30 || value.charCodeAt(10) !== 84 || value.charCodeAt(length - 1) !== 90) return false;
  if (length > 20 && value.charCodeAt(19) !== 46) return false;
  // Second 60 ("6", "0") is a leap second, which parseInstant refuses.
  return (dateTime || isDateTime(value)) && !(value.charCodeAt(17) === 54 && value.charCodeAt(18) === 48);
}

/**
 * The order of two contract date-times, as compareInstants of their parsed
 * forms gives it (negative, zero or positive), or undefined when either is not
 * one. For two valid instants of this fixed-width UTC spelling, text order up to
 * the seconds is time order, and the fractions compare digit by digit once
 * padded with zeros: no Instant is built, which the cross-field rules of every
 * payload would otherwise pay for twice. Pass `dateTimes` only for strings
 * already known to be RFC 3339 date-times (`isDateTime`), which skips that check.
 *
 * @example
 * compareInstantTexts('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.50Z'); // 0
 */
export function compareInstantTexts(a: string, b: string, dateTimes = false): number | undefined {
  if (!isContractInstant(a, dateTimes) || !isContractInstant(b, dateTimes)) return undefined;
  for (let i = 0; i < 19; i++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  const endA = a.length - 1;
  const endB = b.length - 1;
  for (let i = 20; i < 29; i++) {
    const difference = (i < endA ? a.charCodeAt(i) : 48) - (i < endB ? b.charCodeAt(i) : 48);
    if (difference !== 0) return difference;
  }
  return 0;
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
  return `${new Date(instant.seconds * 1000).toISOString().slice(0, 19)}${canonicalFraction(instant.nanos)}Z`;
}

/** The fraction part of the canonical spelling: `.` and the digits without trailing zeros, or nothing. */
export function canonicalFraction(nanos: string): string {
  const digits = nanos.replace(/0+$/, '');
  return digits === '' ? '' : `.${digits}`;
}
