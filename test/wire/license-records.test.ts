/**
 * The license record on both sides: the uploader (createTelemetryRequest,
 * the outbox's enqueue and preview) refuses a feature the license does not
 * declare before anything is built or queued, and `ingest`, given the record
 * with the license's keys, refuses a feature outside the license, another
 * entity's name and a mask that no key of the license recomputes, each with
 * its own rule and a message that names no value.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OutboxError, openOutbox } from '../../src/outbox.js';
import { type IngestOptions, type IngestResult, type LicenseEntry, ingest } from '../../src/server.js';
import { createProbeRequest, createTelemetryRequest, dedupeKey, deriveMaskKey, encodeCustomer, maskCustomer, messageId, signMessage, validateLicenseRecord } from '../../src/uploader.js';
import { scratchDir, scriptedFetch, stored } from '../outbox/support.js';
import { KEY_A, KEY_B, KEY_REVOKED, NOW_MS, NOW_S, baseOptions, built, counts, license } from './support.js';

const LICENSE = license();
const entry: LicenseEntry = { keys: [{ id: 'k1', secret: KEY_A }], license: LICENSE };
const at = (e: LicenseEntry | LicenseEntry['keys'], extra: Partial<IngestOptions> = {}): IngestOptions => ({ licenseKeys: new Map([['lic-0042', e]]), acceptedVersions: [1], now: () => NOW_MS, ...extra });
const post = (request: { headers: Record<string, string>; body: Uint8Array }, options: IngestOptions = at(entry)): Promise<IngestResult> => ingest({ method: 'POST', headers: request.headers, body: request.body }, options);
/** A report built without the record (as an uploader of an earlier release would), so the server alone judges it. */
const unchecked = (overrides: Parameters<typeof built>[0] = {}, c = counts()) => built({ version: 1, ...overrides }, c);

/** A report of the fixture window signed with `secrets` whose customer header is `customer`, exactly as given. */
async function withCustomerHeader(customer: string, secrets = [KEY_A]): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
  const request = await unchecked();
  const id = await messageId(dedupeKey('lic-0042', request.payload.periodStart, request.payload.periodEnd), customer);
  return { headers: { ...request.headers, 'x-telemetry-customer': customer, ...(await signMessage({ id, timestamp: NOW_S, body: request.body, secrets })) }, body: request.body };
}

describe('the license record (schema/license.ts)', () => {
  it('accepts a record as the vendor ships it, and refuses one that is not, naming paths and rules but never a value', () => {
    expect(validateLicenseRecord(LICENSE)).toEqual({ ok: true, value: LICENSE });
    const bad = validateLicenseRecord({ ...LICENSE, legalEntity: 'Jane\u0007Doe', features: ['SSO'], contractEnd: '2028-01-01T12:00:00Z', extra: 'Jane Doe' });
    expect(bad.ok).toBe(false);
    const errors = bad.ok ? [] : bad.errors;
    expect(errors.map((e) => `${e.path} ${e.rule}`).sort()).toEqual(['/contractEnd pattern', '/extra additionalProperties', '/features/0 pattern', '/legalEntity pattern']);
    expect(JSON.stringify(errors)).not.toMatch(/Jane|SSO|12:00/);
  });

  it('has no contract end while the contract has none, and only a data region the contract spells', () => {
    const { contractEnd: _, ...open } = LICENSE;
    expect(validateLicenseRecord(open).ok).toBe(true);
    expect(validateLicenseRecord({ ...LICENSE, dataRegion: 'EU' })).toMatchObject({ ok: false, errors: [{ path: '/dataRegion', rule: 'pattern' }] });
  });
});

describe('the uploader opened with the license record', () => {
  it('takes the license id and the customer header from the record', async () => {
    const request = await built({ version: 1, license: LICENSE, licenseId: undefined, customer: undefined });
    expect(request.headers).toMatchObject({ 'x-telemetry-license-id': 'lic-0042', 'x-telemetry-customer': encodeCustomer(LICENSE.legalEntity) });
    const masked = await built({ version: 1, license: LICENSE, licenseId: undefined, customer: undefined, maskCustomer: true });
    expect(masked.headers['x-telemetry-customer']).toBe(await maskCustomer(LICENSE.legalEntity, await deriveMaskKey(KEY_A)));
  });

  it('refuses to build a report naming a feature the license does not declare: the path, the name (bounded) and the rule; nothing is built', async () => {
    const result = await createTelemetryRequest({ ...counts(), featuresUsed: ['sso', 'reports.beta'] }, { ...baseOptions(), version: 1, license: LICENSE });
    expect(result).toEqual({
      ok: false,
      error: {
        rule: 'feature-not-licensed',
        message: 'counts /featuresUsed/0 "reports.beta": is not a feature the license declares; a report names only the features of its license record (feature-not-licensed)',
        errors: [{ path: '/featuresUsed/0', rule: 'feature-not-licensed', message: '/featuresUsed/0: is not a feature the license declares (feature-not-licensed)' }],
      },
    });
  });

  it('lists at most five of many refused names in the message, and every one in errors', async () => {
    const names = Array.from({ length: 9 }, (_, i) => `x${i}`);
    const result = await createTelemetryRequest({ ...counts(), featuresUsed: ['sso', ...names] }, { ...baseOptions(), version: 1, license: LICENSE });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe('counts: 9 names are not features the license declares: /featuresUsed/1 "x0", /featuresUsed/2 "x1", /featuresUsed/3 "x2", /featuresUsed/4 "x3", /featuresUsed/5 "x4" and 4 more; a report names only the features of its license record (feature-not-licensed)');
    expect(result.error.errors).toHaveLength(9);
  });

  it('refuses a record that is not one, and a licenseId or customer that contradicts it', async () => {
    const broken = await createTelemetryRequest(counts(), { ...baseOptions(), version: 1, license: { ...LICENSE, features: 'sso' } as never });
    expect(broken).toMatchObject({ ok: false, error: { rule: 'invalid-license', message: expect.stringMatching(/^license: is not a license record, 1 problem: \/features: must be an array, got a string of 3 characters \(type\) \(invalid-license\)$/) } });
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), version: 1, license: LICENSE, customer: 'Evil Corp' })).toMatchObject({ ok: false, error: { rule: 'license-conflict', message: expect.stringMatching(/^customer: differs from the license record's legalEntity; /) } });
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), version: 1, license: LICENSE, licenseId: 'lic-9' })).toMatchObject({ ok: false, error: { rule: 'license-conflict' } });
  });

  it('tests the connection as the record\'s license and legal entity', async () => {
    const probe = await createProbeRequest({ license: LICENSE, signingSecrets: [KEY_A], maskCustomer: false, version: 1, now: () => NOW_MS });
    expect(probe.ok && probe.request.headers).toMatchObject({ 'x-telemetry-license-id': 'lic-0042', 'x-telemetry-customer': encodeCustomer(LICENSE.legalEntity) });
  });
});

describe('the outbox opened with the license record', () => {
  it('refuses in enqueue and in preview, before anything is queued or sent', async () => {
    const { dir, cleanup } = scratchDir('license');
    try {
      const sending = scriptedFetch([stored()]);
      const outbox = await openOutbox({ dir, version: 1, license: LICENSE, signingSecrets: [KEY_A], baseUrl: 'https://telemetry.vendor.example', fetch: sending.fetch, now: () => NOW_MS });
      const outside = { ...counts(), featuresUsed: ['billing.export', 'sso'] };
      expect(await outbox.enqueue(outside)).toMatchObject({ ok: false, error: { rule: 'feature-not-licensed', message: expect.stringMatching(/^counts \/featuresUsed\/0 "billing.export": /) } });
      expect(await outbox.preview(outside)).toMatchObject({ ok: false, error: { rule: 'feature-not-licensed' } });
      expect(await outbox.status()).toMatchObject({ pending: 0, failed: 0, delivered: 0 });
      expect(readdirSync(dir).filter((name) => name.endsWith('.json') && name !== 'outbox.json')).toEqual([]);
      expect((await outbox.flush()).delivered).toEqual([]);
      expect(sending.calls).toEqual([]);
      // The same counts without the unlicensed name go through.
      expect(await outbox.enqueue(counts())).toMatchObject({ ok: true, duplicate: false });
    } finally {
      cleanup();
    }
  });

  it('refuses to open with a record that is not one (invalid-option), naming the path but not the value', async () => {
    const { dir, cleanup } = scratchDir('license');
    try {
      const error = await openOutbox({ dir, version: 1, license: { ...LICENSE, legalEntity: '' }, signingSecrets: [KEY_A] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutboxError);
      expect(error).toMatchObject({ rule: 'invalid-option', message: expect.stringMatching(/^openOutbox: license: is not a license record, 1 problem: \/legalEntity: must have at least 1 characters, got an empty string \(minLength\) \(invalid-option\)$/) });
    } finally {
      cleanup();
    }
  });
});

describe('ingest with the license record', () => {
  it('accepts a report that names only licensed features under the legal entity, and says which record it was checked against', async () => {
    expect(await post(await built({ version: 1, license: LICENSE }))).toMatchObject({ ok: true, kind: 'report', license: LICENSE });
  });

  it('refuses a feature outside the license: 422 feature-not-licensed, naming the path and no name', async () => {
    const result = await post(await unchecked({}, { ...counts(), featuresUsed: ['alice.smith', 'sso'] }));
    expect(result).toMatchObject({ ok: false, status: 422, error: { rule: 'feature-not-licensed', errors: [{ path: '/featuresUsed/0' }] } });
    expect(!result.ok && result.error.message).toBe('body /featuresUsed/0: is not a feature the license declares; a report names only the features of its license record (feature-not-licensed)');
    expect(JSON.stringify(result)).not.toContain('alice');
  });

  it('refuses another entity\'s name, and the legal entity in another percent-encoding: 422 customer-not-licensed', async () => {
    for (const request of [await unchecked({ customer: 'Evil Corp' }), await withCustomerHeader('Example%20Holdings%20Gmb%48')]) {
      const result = await post(request);
      expect(result).toMatchObject({ ok: false, status: 422, error: { rule: 'customer-not-licensed' } });
      expect(!result.ok && result.error.message).toMatch(/^x-telemetry-customer: is not the legal entity of this license; /);
      expect(JSON.stringify(result)).not.toMatch(/Evil|Holdings/);
    }
  });

  it('refuses a forged mask, of the right shape under the wrong key or of another name: 422 mask-not-licensed', async () => {
    const forged = [
      `anon-${'0123456789abcdef'.repeat(2)}-21`,
      await maskCustomer(LICENSE.legalEntity, await deriveMaskKey(KEY_B)),
      await maskCustomer('Evil Corp', await deriveMaskKey(KEY_A)),
    ];
    for (const mask of forged) {
      const result = await post(await withCustomerHeader(mask));
      expect(result, mask).toMatchObject({ ok: false, status: 422, error: { rule: 'mask-not-licensed', message: expect.stringMatching(/^x-telemetry-customer: is a mask, but not the mask of this license's legal entity/) } });
    }
  });

  it('accepts the mask made with the key derived from any key of the license, a revoked one too, or with a mask key it was given', async () => {
    expect(await post(await built({ version: 1, license: LICENSE, maskCustomer: true }))).toMatchObject({ ok: true });
    // A window queued before a rotation keeps its mask and is signed with the new key.
    const rotated: LicenseEntry = { keys: [{ id: 'k2', secret: KEY_B }, { id: 'k1', secret: KEY_A, revoked: true }], license: LICENSE };
    const queuedBefore = await withCustomerHeader(await maskCustomer(LICENSE.legalEntity, await deriveMaskKey(KEY_A)), [KEY_B]);
    expect(await post(queuedBefore, at(rotated))).toMatchObject({ ok: true, keyId: 'k2' });
    const explicit = await deriveMaskKey(KEY_REVOKED);
    const given = await built({ version: 1, license: LICENSE, maskCustomer: true, maskKey: explicit });
    expect(await post(given)).toMatchObject({ ok: false, error: { rule: 'mask-not-licensed' } });
    expect(await post(given, at({ ...entry, maskKeys: [explicit] }))).toMatchObject({ ok: true });
  });

  it('checks a connection test\'s customer header too', async () => {
    const probe = async (customer: string) => {
      const built = await createProbeRequest({ licenseId: 'lic-0042', customer, signingSecrets: [KEY_A], maskCustomer: false, version: 1, now: () => NOW_MS });
      if (!built.ok) throw new Error(built.error.message);
      return post(built.request);
    };
    expect(await probe(LICENSE.legalEntity)).toMatchObject({ ok: true, kind: 'probe', license: LICENSE });
    expect(await probe('Evil Corp')).toMatchObject({ ok: false, status: 422, error: { rule: 'customer-not-licensed' } });
  });

  it('without a record (keys alone, as lookups returned before) checks nothing of the license; requireLicenseRecord answers 503 instead', async () => {
    const outside = await unchecked({ customer: 'Evil Corp' }, { ...counts(), featuresUsed: ['alice.smith'] });
    const keysAlone = await post(outside, at(entry.keys));
    expect(keysAlone).toMatchObject({ ok: true });
    expect(keysAlone.ok && 'license' in keysAlone).toBe(false);
    const required = await post(outside, at(entry.keys, { requireLicenseRecord: true }));
    expect(required).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '60' }, error: { rule: 'license-record-missing' } });
    expect(await post(outside, at({ keys: entry.keys }, { requireLicenseRecord: true }))).toMatchObject({ status: 503 });
  });

  it('treats a lookup that returns a record of another license, or one that is not a record, as a configuration mistake (TypeError)', async () => {
    const request = await built({ version: 1, license: LICENSE });
    await expect(post(request, at({ ...entry, license: license({ licenseId: 'lic-9' }) }))).rejects.toThrow(/^licenseKeys\("lic-0042"\): returned the license record of another license \(keys-config\)$/);
    await expect(post(request, at({ ...entry, license: { ...LICENSE, dataRegion: '' } }))).rejects.toThrow(/^licenseKeys\("lic-0042"\): the license record is not one: \/dataRegion: /);
    await expect(post(request, { vendorWideKeys: entry.keys, requireLicenseRecord: true })).rejects.toThrow(/^requireLicenseRecord: vendorWideKeys look up no license/);
  });

  it('accepts the widest report a record allows: all 256 of its features named', async () => {
    const all = Array.from({ length: 256 }, (_, i) => `f${String(i).padStart(3, '0')}`);
    const wide = license({ features: all });
    const report = await createTelemetryRequest({ ...counts(), featuresUsed: all }, { ...baseOptions(), version: 1, license: wide });
    expect(report.ok).toBe(true);
    if (report.ok) expect(await post(report.request, at({ ...entry, license: wide }))).toMatchObject({ ok: true, license: wide });
  });
});
