/**
 * Format checks the generated validators call. This module is inlined into
 * each generated validator at generate time (see scripts/emit/validator-code.ts),
 * so it must stay free of imports.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * RFC 3339 allows second 60 "based on leap second rules": only where UTC
 * actually had one. These are the UTC days that ended with a leap second
 * (since 1972) or a step of the earlier rubber-seconds UTC (1960-1971), the
 * same table independent validators use. No leap second is announced after
 * 2016-12-31; a new one would be added here.
 */
const LEAP_SECOND_DAYS = new Set(
  (
    '1960-12-31 1961-07-31 1961-12-31 1963-10-31 1963-12-31 1964-03-31 1964-08-31 1964-12-31 1965-02-28 1965-06-30 1965-08-31 ' +
    '1965-12-31 1968-01-31 1971-12-31 1972-06-30 1972-12-31 1973-12-31 1974-12-31 1975-12-31 1976-12-31 1977-12-31 1978-12-31 ' +
    '1979-12-31 1981-06-30 1982-06-30 1983-06-30 1985-06-30 1987-12-31 1989-12-31 1990-12-31 1992-06-30 1993-06-30 1994-06-30 ' +
    '1995-12-31 1997-06-30 1998-12-31 2005-12-31 2008-12-31 2012-06-30 2015-06-30 2016-12-31'
  ).split(' '),
);

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The two-digit number at `at`, or -1 if either character is not an ASCII digit. */
function twoDigits(value: string, at: number): number {
  const tens = value.charCodeAt(at) - 48;
  const ones = value.charCodeAt(at + 1) - 48;
  // charCodeAt past the end is NaN, which fails these comparisons too.
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/**
 * RFC 3339 section 5.6 `date-time`, as JSON Schema's `format: "date-time"`
 * defines it: a date that exists, hours 0-23, and a leap second (:60) only at
 * 23:59 UTC, once the offset is applied, of a day that had one.
 *
 * Read character by character rather than with a capturing regex: every
 * payload has two of these, and a regex match allocates an array and a string
 * per group, which made this the costliest check of a whole payload.
 */
export function isDateTime(value: string): boolean {
  // YYYY-MM-DDTHH:MM:SS then an optional fraction, then Z or ±HH:MM.
  if (value.length < 20) return false;
  const century = twoDigits(value, 0);
  const yearOfCentury = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (century < 0 || yearOfCentury < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false;
  const t = value.charCodeAt(10);
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return false;
  let at = 19;
  if (value.charCodeAt(at) === 46) {
    // A fraction has at least one digit, and any number of them.
    const first = ++at;
    for (let c = value.charCodeAt(at); c >= 48 && c <= 57; c = value.charCodeAt(++at));
    if (at === first) return false;
  }
  let offsetMinutes = 0;
  const zone = value.charCodeAt(at);
  if (zone === 90 || zone === 122) {
    if (at + 1 !== value.length) return false;
  } else if (zone === 43 || zone === 45) {
    const offsetHour = twoDigits(value, at + 1);
    const offsetMinute = twoDigits(value, at + 4);
    if (at + 6 !== value.length || value.charCodeAt(at + 3) !== 58 || offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return false;
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  } else {
    return false;
  }
  const year = century * 100 + yearOfCentury;
  if (month < 1 || month > 12 || day < 1) return false;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > maxDay || hour > 23 || minute > 59 || second > 60) return false;
  if (second === 60) {
    // The UTC day and time of the leap second, once the offset is applied.
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute - offsetMinutes, 0, 0);
    return utc.getUTCHours() === 23 && utc.getUTCMinutes() === 59 && LEAP_SECOND_DAYS.has(utc.toISOString().slice(0, 10));
  }
  return true;
}

/** Format name → check, in the shape ajv's standalone code indexes into. */
export const formats = { 'date-time': isDateTime } as const;
