/**
 * Format checks the generated validators call. This module is inlined into
 * each generated validator at generate time (see scripts/lib/validator-code.ts),
 * so it must stay free of imports.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * RFC 3339 section 5.6 `date-time`, as JSON Schema's `format: "date-time"`
 * defines it: a date that exists, hours 0-23, and a leap second (:60) only at
 * 23:59 UTC once the offset is applied.
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
    const utcMinutes = hour * 60 + minute - sign * (offsetHour * 60 + offsetMinute);
    const minuteOfDay = ((utcMinutes % 1440) + 1440) % 1440;
    return minuteOfDay === 23 * 60 + 59;
  }
  return true;
}

/** Format name → check, in the shape ajv's standalone code indexes into. */
export const formats = { 'date-time': isDateTime } as const;
