/**
 * Patterns the contract names, and the words a validation error uses for
 * each instead of the bare regular expression. Free of imports, so the
 * published runtime (src/contract/errors.ts) reads it without pulling in the
 * schema library.
 */

/**
 * A window bound: a UTC midnight of the years 2000 to 2099, spelled exactly
 * `YYYY-MM-DDT00:00:00Z`. No time of day, no fraction, no other offset or
 * spelling: a bound carries the day and nothing else, and two bounds in
 * order make a window of whole days, at least one. The `date-time` format
 * beside it refuses days that do not exist (2026-02-30).
 */
export const UTC_MIDNIGHT_PATTERN = '^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$';

/** What a value matching each named pattern is, for error messages: "must be <words>". */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [UTC_MIDNIGHT_PATTERN]: 'a UTC midnight spelled YYYY-MM-DDT00:00:00Z, of a year from 2000 to 2099: a window starts and ends on whole days',
};
