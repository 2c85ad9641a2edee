/**
 * Format checks the generated validators call. This module is inlined into
 * each generated validator at generate time (see scripts/lib/validator-code.ts),
 * so it must stay free of imports.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
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

/**
 * RFC 3339 section 5.6 `date-time`, as JSON Schema's `format: "date-time"`
 * defines it: a date that exists, hours 0-23, and a leap second (:60) only at
 * 23:59 UTC, once the offset is applied, of a day that had one.
 */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > maxDay) return false;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const sign = m[7] === '-' ? -1 : 1;
  const offsetHour = m[8] === undefined ? 0 : Number(m[8]);
  const offsetMinute = m[9] === undefined ? 0 : Number(m[9]);
  if (hour > 23 || minute > 59 || second > 60 || offsetHour > 23 || offsetMinute > 59) return false;
  if (second === 60) {
    // The UTC day and time of the leap second, once the offset is applied.
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute - sign * (offsetHour * 60 + offsetMinute), 0, 0);
    return utc.getUTCHours() === 23 && utc.getUTCMinutes() === 59 && LEAP_SECOND_DAYS.has(utc.toISOString().slice(0, 10));
  }
  return true;
}

/** Format name → check, in the shape ajv's standalone code indexes into. */
export const formats = { 'date-time': isDateTime } as const;
