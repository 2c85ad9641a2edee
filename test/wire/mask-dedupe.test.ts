import { describe, expect, it } from 'vitest';
import { dedupeKey, messageId } from '../../src/wire/dedupe.js';
import { decodeCustomer, deriveMaskKey, encodeCustomer, isMaskedCustomer, maskCustomer, maskRequested } from '../../src/wire/mask.js';
import { checkVersionAccepted, chooseVersion, formatAcceptedVersions, parseAcceptedVersions } from '../../src/contract/negotiation.js';
import { KEY_A, KEY_B } from './support.js';

describe('dedupeKey', () => {
  it('gives the same key for every spelling of the same window', () => {
    const key = 'lic-0042/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z';
    expect(dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z')).toBe(key);
    expect(dedupeKey('lic-0042', '2026-11-01T00:00:00.000000000Z', '2026-11-15T19:00:00-05:00')).toBe(key);
    expect(dedupeKey('lic-0042', '2026-11-01T01:30:00+01:30', '2026-11-16t00:00:00z')).toBe(key);
    expect(dedupeKey('lic-0042', new Date('2026-11-01T00:00:00Z'), new Date(Date.UTC(2026, 10, 16)))).toBe(key);
  });

  it('keeps the full fractional precision, so instants a nanosecond apart stay apart', () => {
    const a = dedupeKey('lic-1', '2026-11-01T00:00:00.000000001Z', '2026-11-02T00:00:00Z');
    const b = dedupeKey('lic-1', '2026-11-01T00:00:00.000000002Z', '2026-11-02T00:00:00Z');
    expect(a).not.toBe(b);
    expect(a).toBe('lic-1/2026-11-01T00:00:00.000000001Z/2026-11-02T00:00:00Z');
  });

  it('separates licenses', () => {
    expect(dedupeKey('lic-1', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).not.toBe(dedupeKey('lic-2', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'));
  });

  it.each([
    ['a license id with a slash', 'lic/1', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', /licenseId/],
    ['an empty license id', '', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', /licenseId/],
    ['a day that does not exist', 'lic-1', '2026-02-30T00:00:00Z', '2026-03-02T00:00:00Z', /periodStart/],
    ['a date without a time', 'lic-1', '2026-11-01', '2026-11-02T00:00:00Z', /periodStart/],
    ['a leap second', 'lic-1', '2016-12-31T23:59:60Z', '2017-01-02T00:00:00Z', /periodStart/],
    ['an empty window', 'lic-1', '2026-11-01T01:00:00+01:00', '2026-11-01T00:00:00Z', /period-order/],
    ['a reversed window', 'lic-1', '2026-11-02T00:00:00Z', '2026-11-01T00:00:00Z', /period-order/],
  ])('refuses %s', (_name, license, start, end, message) => {
    expect(() => dedupeKey(license, start, end)).toThrow(message);
  });

  it('has a message id that is msg_ + 64 hex digits, the same for every spelling of the window', async () => {
    const customer = 'Example%20Holdings%20GmbH';
    const a = await messageId(dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'), customer);
    const b = await messageId(dedupeKey('lic-0042', '2026-11-01T01:00:00+01:00', '2026-11-16T00:00:00.0Z'), customer);
    expect(a).toMatch(/^msg_[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(await messageId(dedupeKey('lic-0043', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'), customer)).not.toBe(a);
  });

  it('has a message id that changes with the customer header, so the signed id authenticates it', async () => {
    const key = dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
    const named = await messageId(key, 'Example%20Holdings%20GmbH');
    expect(await messageId(key, 'EVIL%20CORP')).not.toBe(named);
    expect(await messageId(key, `anon-${'0'.repeat(32)}-21`)).not.toBe(named);
  });

  it('refuses a customer header the contract refuses, naming the rule', async () => {
    const key = dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z');
    await expect(messageId(key, 'Example Holdings\nGmbH')).rejects.toThrow(/^messageId: customerHeader must be the x-telemetry-customer value as sent.*\(pattern\)$/);
  });
});

describe('customer masking', () => {
  it('writes anon-<32 hex>-<length in code points>', async () => {
    const key = await deriveMaskKey(KEY_A);
    expect(await maskCustomer('Example Holdings GmbH', key)).toMatch(/^anon-[0-9a-f]{32}-21$/);
    expect(await maskCustomer('😀 Emoji AG', key)).toMatch(/-10$/);
  });

  it('is deterministic for one key and differs between keys', async () => {
    const name = 'Example Holdings GmbH';
    expect(await maskCustomer(name, KEY_A)).toBe(await maskCustomer(name, KEY_A));
    expect(await maskCustomer(name, KEY_A)).not.toBe(await maskCustomer(name, KEY_B));
    expect(await maskCustomer(name, KEY_A)).not.toBe(await maskCustomer('Example Holdings GmbH.', KEY_A));
  });

  it('derives a different mask key than the signing secret itself', async () => {
    expect(await deriveMaskKey(KEY_A)).not.toBe(KEY_A);
    expect(await deriveMaskKey(KEY_A)).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it.each([
    ['an empty name', ''],
    ['a lone surrogate', 'Acme \uD800 Ltd'],
    ['more than 256 characters', 'x'.repeat(257)],
  ])('refuses %s', async (_name, name) => {
    await expect(maskCustomer(name, KEY_A)).rejects.toThrow(/customer-name/);
    expect(() => encodeCustomer(name)).toThrow(/customer-name/);
  });

  it('decodes a header back to the name, and recognises a mask', async () => {
    expect(decodeCustomer(encodeCustomer('Müller & Söhne KG'))).toEqual({ ok: true, customer: { masked: false, value: 'Müller & Söhne KG' } });
    const mask = await maskCustomer('Müller & Söhne KG', KEY_A);
    expect(isMaskedCustomer(mask)).toBe(true);
    expect(decodeCustomer(mask)).toEqual({ ok: true, customer: { masked: true, value: mask } });
    expect(decodeCustomer('%E0%A4%A')).toMatchObject({ ok: false, error: { rule: 'customer-encoding' } });
  });

  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['1', true],
    ['true', true],
    ['yes', true],
  ])('TELEMETRY_MASK_CUSTOMER=%s turns masking %s (any unclear value masks)', (value, expected) => {
    expect(maskRequested(value === undefined ? {} : { TELEMETRY_MASK_CUSTOMER: value })).toBe(expected);
    expect(maskRequested(value === undefined ? {} : { ASTER_MASK: value }, 'ASTER_MASK')).toBe(expected);
    expect(maskRequested({ TELEMETRY_MASK_CUSTOMER: '1' }, 'ASTER_MASK')).toBe(false);
  });
});

describe('version negotiation helpers', () => {
  it('format and parse the accepted-versions header', () => {
    expect(formatAcceptedVersions([2, 1, 2])).toBe('1, 2');
    expect(parseAcceptedVersions('1, 2')).toEqual([1, 2]);
    expect(parseAcceptedVersions('2,1')).toEqual([1, 2]);
    expect(parseAcceptedVersions('one')).toBeUndefined();
    expect(parseAcceptedVersions(null)).toBeUndefined();
  });

  it('choose the highest common version, or none', () => {
    expect(chooseVersion([1, 2, 3], [1, 2])).toBe(2);
    expect(chooseVersion([3], [1, 2])).toBeUndefined();
  });

  it('refuse a version outside the accepted list and list the accepted ones', () => {
    expect(checkVersionAccepted(1, [1])).toBeUndefined();
    expect(checkVersionAccepted(2, [1])).toMatchObject({ rule: 'unsupported-version', supportedVersions: [1], message: expect.stringContaining('supported: 1') });
  });
});
