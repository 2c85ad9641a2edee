/**
 * Tenant isolation in `ingest`: a request is verified with the keys of the
 * license it names and no other, an unknown license is refused exactly like
 * a forgery, one vendor-wide key only when asked for by name, and the
 * customer header is authenticated through the signed message id.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { failureResponse, ingest, type IngestOptions, type VerificationKey } from '../../src/server.js';
import { generateSecret } from '../../src/wire/signature.js';
import { KEY_A, KEY_B, KEY_REVOKED, NOW_MS, built } from './support.js';

const A = 'lic-a';
const B = 'lic-b';
const keysOf: Record<string, VerificationKey[]> = {
  [A]: [{ id: 'a1', secret: KEY_A }],
  [B]: [
    { id: 'b2', secret: KEY_B },
    { id: 'b1', secret: KEY_REVOKED, revoked: true },
  ],
};
const licenseKeys = new Map(Object.entries(keysOf));
const options: IngestOptions = { licenseKeys, acceptedVersions: [1], now: () => NOW_MS };
const send = async (licenseId: string, secrets: string[], opts: IngestOptions = options, extra: Record<string, unknown> = {}) => {
  const request = await built({ licenseId, signingSecrets: secrets, ...extra });
  return ingest({ method: 'POST', headers: request.headers, body: request.body }, opts);
};

describe('ingest with licenseKeys', () => {
  it('accepts a report signed with a key of the license it names, and says which key', async () => {
    expect(await send(A, [KEY_A])).toMatchObject({ ok: true, licenseId: A, keyId: 'a1' });
    expect(await send(B, [KEY_B])).toMatchObject({ ok: true, licenseId: B, keyId: 'b2' });
  });

  it('refuses a report for license B signed with license A\'s key: 401 license-key-mismatch', async () => {
    const forged = await send(B, [KEY_A]);
    expect(forged).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    expect(!forged.ok && forged.error.message).toMatch(/^webhook-signature: matches no active key of the license named by x-telemetry-license-id; .* \(license-key-mismatch\)$/);
  });

  it('refuses an unknown license exactly as a forgery: the same status, rule, message and body', async () => {
    const unknown = await send('lic-unknown', [KEY_A]);
    const forged = await send(B, [KEY_A]);
    expect(unknown.ok || forged.ok).toBe(false);
    if (unknown.ok || forged.ok) return;
    expect(failureResponse(unknown)).toEqual(failureResponse(forged));
    // A license whose lookup answers with an empty list is unknown too.
    expect(failureResponse((await send(A, [KEY_A], { licenseKeys: () => [], acceptedVersions: [1], now: () => NOW_MS })) as never)).toEqual(failureResponse(forged));
  });

  it('asks the lookup for the named license only, once per request, sync or async', async () => {
    const lookup = vi.fn((id: string) => keysOf[id]);
    expect(await send(A, [KEY_A], { licenseKeys: lookup, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: true });
    expect(lookup.mock.calls).toEqual([[A]]);
    const slow = vi.fn(async (id: string) => keysOf[id]);
    expect(await send(B, [KEY_A], { licenseKeys: slow, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ status: 401, error: { rule: 'license-key-mismatch' } });
    expect(slow.mock.calls).toEqual([[B]]);
  });

  it('refuses a missing or malformed license id with 400 invalid-header before any lookup', async () => {
    const lookup = vi.fn((id: string) => keysOf[id]);
    const request = await built({ licenseId: A });
    const { 'x-telemetry-license-id': _, ...without } = request.headers;
    expect(await ingest({ headers: without, body: request.body }, { licenseKeys: lookup, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({
      status: 400,
      error: { rule: 'invalid-header', errors: [{ path: '/x-telemetry-license-id', rule: 'required' }] },
    });
    expect(await ingest({ headers: { ...request.headers, 'x-telemetry-license-id': 'lic/../a' }, body: request.body }, { licenseKeys: lookup, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({
      status: 400,
      error: { rule: 'invalid-header', errors: [{ path: '/x-telemetry-license-id', rule: 'pattern' }] },
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('answers 503 key-lookup-failed with Retry-After when the lookup fails, and keeps the cause out of the answer', async () => {
    const failing = async () => {
      throw new Error('connection refused to keys.internal:5432');
    };
    const result = await send(A, [KEY_A], { licenseKeys: failing, acceptedVersions: [1], now: () => NOW_MS });
    expect(result).toMatchObject({ ok: false, status: 503, error: { rule: 'key-lookup-failed' }, headers: { 'retry-after': '5' } });
    if (result.ok) return;
    expect((result.cause as Error).message).toContain('keys.internal');
    expect(failureResponse(result).body).not.toContain('keys.internal');
  });

  it('answers revoked-key for a revoked key of the license itself, and revoking it leaves other licenses alone', async () => {
    expect(await send(B, [KEY_REVOKED])).toMatchObject({ status: 401, error: { rule: 'revoked-key' } });
    expect(await send(A, [KEY_A])).toMatchObject({ ok: true });
    // Another license's revoked key is not this license's business: a plain mismatch.
    expect(await send(A, [KEY_REVOKED])).toMatchObject({ status: 401, error: { rule: 'license-key-mismatch' } });
  });

  it('rotates per license: both keys of a rotation verify until the old one is revoked', async () => {
    const next = generateSecret();
    const rotating = new Map([...licenseKeys, [A, [{ id: 'a2', secret: next }, { id: 'a1', secret: KEY_A }]]]);
    const opts = { licenseKeys: rotating, acceptedVersions: [1], now: () => NOW_MS };
    expect(await send(A, [KEY_A], opts)).toMatchObject({ ok: true, keyId: 'a1' });
    expect(await send(A, [next, KEY_A], opts)).toMatchObject({ ok: true, keyId: 'a2' });
    const revoked = new Map([...licenseKeys, [A, [{ id: 'a2', secret: next }, { id: 'a1', secret: KEY_A, revoked: true }]]]);
    expect(await send(A, [KEY_A], { licenseKeys: revoked, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ status: 401, error: { rule: 'revoked-key' } });
    expect(await send(B, [KEY_B], { licenseKeys: revoked, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: true });
  });

  it('throws a TypeError for malformed keys a lookup returns: a configuration mistake, not a request problem', async () => {
    await expect(send(A, [KEY_A], { licenseKeys: () => [{ id: '', secret: KEY_A }], acceptedVersions: [1], now: () => NOW_MS })).rejects.toThrow(/^licenseKeys\("lic-a"\): every key needs an id of 1 to 64 characters \(keys-config\)$/);
  });
});

describe('ingest with vendorWideKeys', () => {
  it('lets one key sign every license only when asked for by name', async () => {
    const opts = { vendorWideKeys: [{ id: 'all', secret: KEY_A }], acceptedVersions: [1], now: () => NOW_MS };
    expect(await send(A, [KEY_A], opts)).toMatchObject({ ok: true, keyId: 'all' });
    expect(await send(B, [KEY_A], opts)).toMatchObject({ ok: true, keyId: 'all' });
    expect(await send(B, [KEY_B], opts)).toMatchObject({ status: 401, error: { rule: 'signature-mismatch' } });
  });

  it('refuses the flat keys option of earlier drafts, and neither or both key sources, with the way out', async () => {
    const request = await built();
    const call = (o: unknown) => ingest({ headers: request.headers, body: request.body }, o as IngestOptions);
    await expect(call({ keys: [{ id: 'k', secret: KEY_A }] })).rejects.toThrow(/^keys: ingest no longer takes a flat key list, .*pass licenseKeys .*or vendorWideKeys/);
    await expect(call({})).rejects.toThrow(/^licenseKeys: ingest needs exactly one of licenseKeys and vendorWideKeys, got neither \(keys-config\)$/);
    await expect(call({ licenseKeys, vendorWideKeys: [{ id: 'k', secret: KEY_A }] })).rejects.toThrow(/got both \(keys-config\)$/);
  });
});

describe('the customer header is authenticated', () => {
  it('refuses a request whose customer header was rewritten, by name or to a mask: 422 message-id-mismatch', async () => {
    const request = await built({ licenseId: A, signingSecrets: [KEY_A] });
    for (const customer of ['EVIL%20CORP', `anon-${'0'.repeat(32)}-21`]) {
      const result = await ingest({ headers: { ...request.headers, 'x-telemetry-customer': customer }, body: request.body }, options);
      expect(result, customer).toMatchObject({ status: 422, error: { rule: 'message-id-mismatch' } });
      expect(!result.ok && result.error.message).toMatch(/customer header/);
    }
    const masked = await built({ licenseId: A, signingSecrets: [KEY_A], maskCustomer: true });
    const unmasked = await ingest({ headers: { ...masked.headers, 'x-telemetry-customer': request.headers['x-telemetry-customer']! }, body: masked.body }, options);
    expect(unmasked).toMatchObject({ status: 422, error: { rule: 'message-id-mismatch' } });
  });

  it('still verifies with an off-the-shelf Standard Webhooks library', async () => {
    const request = await built({ licenseId: A, signingSecrets: [KEY_A] });
    vi.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    try {
      expect(() => new Webhook(KEY_A).verify(new TextDecoder().decode(request.body), request.headers)).not.toThrow();
    } finally {
      vi.restoreAllMocks();
    }
  });
});
