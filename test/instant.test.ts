import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDateTime } from '../src/contract/formats.js';
import { compareInstantTexts, compareInstants, parseInstant } from '../src/contract/instant.js';
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

describe('compareInstantTexts', () => {
  /** Near-instants: real ones, and ones with a part out of range, a leap second, an offset, odd fractions. */
  const instantLike = fc.oneof(
    fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc
      .tuple(fc.constantFrom('2016', '2024', '2100'), fc.constantFrom('01', '02', '12', '13'), fc.constantFrom('01', '28', '29', '30', '31'), fc.constantFrom('00', '23', '24'), fc.constantFrom('00', '59'), fc.constantFrom('00', '59', '60'), fc.constantFrom('', '5', '50', '500000000', '000000001', '999999999', '0000000001'), fc.constantFrom('Z', 'z', '+00:00'))
      .map(([y, mo, d, h, mi, s, f, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f === '' ? '' : `.${f}`}${z}`),
  );
  const reference = (a: string, b: string) => {
    const [x, y] = [parseInstant(a), parseInstant(b)];
    return x === undefined || y === undefined ? undefined : Math.sign(compareInstants(x, y));
  };
  const sign = (n: number | undefined) => (n === undefined ? undefined : Math.sign(n));

  it('orders two strings as parseInstant and compareInstants do, or says neither is an instant', () => {
    fc.assert(fc.property(instantLike, instantLike, (a, b) => sign(compareInstantTexts(a, b)) === reference(a, b)), { numRuns: RUNS });
  });

  it('gives the same order when told both strings are date-times, for every pair that is', () => {
    const dateTime = fc.oneof(
      fc
        .tuple(fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.constantFrom('', '.5', '.50', '.000000001', '.999999999', '.0000000001'), fc.constantFrom('Z', 'z', '+01:00'))
        .map(([d, fraction, zone]) => `${d.toISOString().slice(0, 19)}${fraction}${zone}`),
      fc.constantFrom('2016-12-31T23:59:60Z', '1998-12-31T23:59:60.5Z'),
    );
    fc.assert(
      fc.property(dateTime, dateTime, (a, b) => {
        expect(isDateTime(a) && isDateTime(b)).toBe(true);
        return sign(compareInstantTexts(a, b, true)) === reference(a, b);
      }),
      { numRuns: RUNS },
    );
  });

  it('compares fractions to nine digits, however they are written', () => {
    expect(compareInstantTexts('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.500000000Z')).toBe(0);
    expect(compareInstantTexts('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000000001Z')).toBeLessThan(0);
    expect(compareInstantTexts('2026-01-01T00:00:01Z', '2026-01-01T00:00:00.999999999Z')).toBeGreaterThan(0);
    expect(compareInstantTexts('2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z')).toBeUndefined();
  });
});
