import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareInstants, parseInstant } from '../src/instant.js';
import { RUNS } from './support/arbitraries.js';

describe('parseInstant', () => {
  it('reads the second Date.parse reads, for any millisecond from year 0 to 9999', () => {
    const anyDate = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(anyDate, (date) => {
        const text = date.toISOString();
        fc.pre(/^\d{4}-/.test(text));
        const instant = parseInstant(text);
        return instant !== undefined && instant.seconds === Math.floor(date.getTime() / 1000) && instant.nanos === `${text.slice(20, 23)}000000`;
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps all nine fraction digits', () => {
    expect(parseInstant('2026-01-01T00:00:00.000000001Z')).toEqual({ seconds: 1767225600, nanos: '000000001' });
    expect(parseInstant('2026-01-01T00:00:00.5Z')).toEqual({ seconds: 1767225600, nanos: '500000000' });
    expect(parseInstant('2026-01-01T00:00:00Z')).toEqual({ seconds: 1767225600, nanos: '000000000' });
    expect(compareInstants(parseInstant('2026-01-01T00:00:00.1Z')!, parseInstant('2026-01-01T00:00:00.100000000Z')!)).toBe(0);
  });

  it.each([
    ['a lower-case t', '2026-01-01t00:00:00Z'],
    ['a lower-case z', '2026-01-01T00:00:00z'],
    ['an offset', '2026-01-01T00:00:00+00:00'],
    ['ten fraction digits', '2026-01-01T00:00:00.0000000001Z'],
    ['an empty fraction', '2026-01-01T00:00:00.Z'],
    ['a day that does not exist', '2026-02-29T00:00:00Z'],
    ['a leap second, which has no place in the order', '2016-12-31T23:59:60Z'],
  ])('refuses %s', (_why, value) => expect(parseInstant(value)).toBeUndefined());
});
