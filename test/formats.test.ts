import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDateTime } from '../src/contract/formats.js';
import { RUNS } from './support/arbitraries.js';

/**
 * The RFC 3339 grammar as one regex, the form most validators use, with the
 * calendar checks after it. The shipped check scans characters instead (for
 * speed); this is what it must agree with. Leap seconds are left to the
 * table tests below, so :60 is simply refused here and excluded from the
 * comparison.
 */
const GRAMMAR = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
function referenceDateTime(value: string): boolean {
  const m = GRAMMAR.exec(value);
  if (m === null) return false;
  const [year, month, day, hour, minute, second, offsetHour = 0, offsetMinute = 0] = m.slice(1).map((g) => (g === undefined ? undefined : Number(g))) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month! - 1];
  return days !== undefined && day! >= 1 && day! <= days && hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHour <= 23 && offsetMinute <= 59;
}

/** Near-misses: the grammar's own pieces shuffled, cut, doubled and mixed with stray characters. */
const dateTimeLike = fc.oneof(
  fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]{0,3})?([Zz]|[+-][0-9]{2}:[0-9]{2})$/),
  fc.stringMatching(/^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,12})?(Z|[+-][0-2][0-9]:[0-5][0-9])$/),
  fc.string({ unit: fc.constantFrom(...'0123456789-:.TtZz+ \u0660'), minLength: 18, maxLength: 32 }),
);

describe('format date-time (RFC 3339 section 5.6)', () => {
  it.each([
    '1963-06-19T08:30:06.283185Z',
    '1963-06-19T08:30:06Z',
    '1937-01-01T12:00:27.87+00:20',
    '1990-12-31T15:59:50.123-08:00',
    '1963-06-19t08:30:06.283185z',
    '2024-02-29T00:00:00Z',
    '0001-01-01T00:00:00Z',
  ])('accepts %s', (value) => expect(isDateTime(value)).toBe(true));

  it.each([
    '1990-02-31T15:59:59.123-08:00',
    '2026-02-29T00:00:00Z',
    '1990-12-31T15:59:59-24:00',
    '1963-06-19T08:30:06.28123+01:00Z',
    '06/19/1963 08:30:06 PST',
    '2013-350T01:01:01',
    '1963-6-19T08:30:06.283185Z',
    '1963-06-19T08:30:06',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z',
    '1963-06-1\u09ea',
  ])('refuses %s', (value) => expect(isDateTime(value)).toBe(false));

  describe('leap seconds, only where UTC had one', () => {
    it.each(['1998-12-31T23:59:60Z', '1998-12-31T15:59:60.123-08:00', '1999-01-01T00:59:60+01:00', '2016-12-31T23:59:60Z', '1972-06-30T23:59:60Z'])('accepts %s', (value) => {
      expect(isDateTime(value)).toBe(true);
    });
    it.each([
      ['the wrong hour', '1998-12-31T22:59:60Z'],
      ['the wrong minute', '1998-12-31T23:58:60Z'],
      ['23:59:60 UTC of a day without one', '1998-12-31T00:59:60+01:00'],
      ['a month end without one', '2026-12-31T23:59:60Z'],
      ['year 98 rather than 1998', '0098-12-31T23:59:60Z'],
    ])('refuses %s (%s)', (_why, value) => expect(isDateTime(value)).toBe(false));
  });

  it('decides as the one-regex grammar does on generated near-misses', () => {
    fc.assert(
      fc.property(dateTimeLike, (value) => {
        fc.pre(!/:60/.test(value));
        return isDateTime(value) === referenceDateTime(value);
      }),
      { numRuns: RUNS },
    );
  });
});
