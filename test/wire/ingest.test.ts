import { describe, expect, it } from 'vitest';
import { defaultAcceptedVersions, failureResponse, ingest, type IngestOptions, schemaEndpoint, type VerificationKey, versionLifecycle } from '../../src/server.js';
import { dedupeKey, messageId } from '../../src/wire/dedupe.js';
import { utf8 } from '../../src/wire/bytes.js';
import { FIXTURE_SOFTWARE, KEY_A, KEY_B, KEY_REVOKED, NOW_MS, built, counts, rawRequest } from './support.js';

const keys: VerificationKey[] = [
  { id: 'current', secret: KEY_A },
  { id: 'next', secret: KEY_B },
  { id: 'leaked', secret: KEY_REVOKED, revoked: true },
];
const options: IngestOptions = { licenseKeys: new Map([['lic-0042', keys]]), acceptedVersions: [1], now: () => NOW_MS, knownSoftware: FIXTURE_SOFTWARE };

const payloadText = (change: Record<string, unknown> = {}) => JSON.stringify({ schemaVersion: 1, ...counts(), featuresUsed: ['audit-log', 'sso'], ...change });

describe('ingest: a valid request', () => {
  it('returns the payload, its dedupe key, the key that verified it and the customer', async () => {
    const request = await built();
    const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, options);
    expect(result).toMatchObject({
      ok: true,
      dedupeKey: 'lic-0042/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z',
      keyId: 'current',
      messageId: request.messageId,
      licenseId: 'lic-0042',
      customer: { masked: false, value: 'Example Holdings GmbH' },
      schemaVersion: 1,
      headers: { 'x-telemetry-accepted-versions': '1' },
    });
    expect(result.ok && result.kind === 'report' && result.payload.featuresUsed).toEqual(['audit-log', 'sso']);
  });

  it('reports a masked customer as masked', async () => {
    const request = await built({ maskCustomer: true });
    const result = await ingest({ headers: request.headers, body: request.body }, options);
    expect(result).toMatchObject({ ok: true, customer: { masked: true, value: expect.stringMatching(/^anon-[0-9a-f]{32}-21$/) } });
  });

  it('accepts a request signed during a rotation with the next key only', async () => {
    const request = await built({ signingSecrets: [KEY_B] });
    expect(await ingest({ headers: request.headers, body: request.body }, options)).toMatchObject({ ok: true, keyId: 'next' });
  });

  it('gives every resend of one window the same dedupe key and message id', async () => {
    const first = await built();
    const again = await built({ now: () => NOW_MS + 60_000 });
    const a = await ingest({ headers: first.headers, body: first.body }, options);
    const b = await ingest({ headers: again.headers, body: again.body }, { ...options, now: () => NOW_MS + 60_000 });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok || a.kind !== 'report' || b.kind !== 'report') return;
    expect(first.headers['webhook-timestamp']).not.toBe(again.headers['webhook-timestamp']);
    expect(b.dedupeKey).toBe(a.dedupeKey);
    expect(b.messageId).toBe(a.messageId);
  });
});

describe('ingest: the status table', () => {
  it('405 for a method other than POST', async () => {
    const request = await built();
    expect(await ingest({ method: 'PUT', headers: request.headers, body: request.body }, options)).toMatchObject({ ok: false, status: 405, error: { rule: 'method-not-allowed' }, headers: { allow: 'POST' } });
  });

  it('413 for a body over the limit, before the signature is looked at', async () => {
    const result = await ingest({ headers: {}, body: new Uint8Array(65537) }, options);
    expect(result).toMatchObject({ ok: false, status: 413, error: { rule: 'too-large' } });
    const request = await built();
    expect(await ingest({ headers: request.headers, body: request.body }, { ...options, maxBytes: request.body.byteLength - 1 })).toMatchObject({ status: 413 });
    expect((await ingest({ headers: request.headers, body: request.body }, { ...options, maxBytes: request.body.byteLength })).ok).toBe(true);
  });

  it('415 for a body not declared as JSON or a JWE, before the signature is looked at, saying what is accepted', async () => {
    const request = await built();
    const { 'content-type': _, ...untyped } = request.headers;
    for (const headers of [untyped, { ...untyped, 'content-type': 'text/plain' }, { ...untyped, 'content-type': 'application/json, text/plain' }, { ...untyped, 'content-type': 'application/json; charset=iso-8859-1' }]) {
      const result = await ingest({ headers, body: request.body }, options);
      expect(result).toMatchObject({ ok: false, status: 415, error: { rule: 'unsupported-media-type' }, headers: { 'accept-post': 'application/json, application/jose, application/vnd.telemetry-contract.probe+json' } });
      expect(!result.ok && result.error.message).toMatch(/^content-type: .*send "content-type: application\/json" or "application\/jose" or "application\/vnd\.telemetry-contract\.probe\+json" .*\(unsupported-media-type\)$/);
    }
    const unsigned = await ingest({ headers: { 'content-type': 'text/plain' }, body: request.body }, options);
    expect(unsigned).toMatchObject({ status: 415 });
    expect(!unsigned.ok && failureResponse(unsigned).headers['accept-post']).toBe('application/json, application/jose, application/vnd.telemetry-contract.probe+json');
  });

  it('accepts application/json with charset=utf-8 as its only parameter, and refuses any other parameter or spelling: 400 invalid-header', async () => {
    const request = await built();
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      expect(await ingest({ headers: { ...request.headers, 'content-type': type }, body: request.body }, options)).toMatchObject({ ok: true });
    }
    // A parameter of the sender's choosing could carry text; the contract's pattern allows none.
    for (const type of ['Application/JSON;Charset="UTF-8"', 'application/json; charset=utf-8; profile=telemetry', 'application/json; name=alice']) {
      expect(await ingest({ headers: { ...request.headers, 'content-type': type }, body: request.body }, options)).toMatchObject({ ok: false, status: 400, error: { rule: 'invalid-header' } });
    }
  });

  it('415 for a content coding other than identity, saying identity is what is accepted', async () => {
    const request = await built();
    for (const coding of ['gzip', 'identity, br', 'x-unknown']) {
      const result = await ingest({ headers: { ...request.headers, 'content-encoding': coding }, body: request.body }, options);
      expect(result).toMatchObject({ ok: false, status: 415, error: { rule: 'unsupported-content-encoding' }, headers: { 'accept-encoding': 'identity' } });
    }
    expect(await ingest({ headers: { ...request.headers, 'content-encoding': 'Identity' }, body: request.body }, options)).toMatchObject({ ok: true });
  });

  it('401 for a missing signature', async () => {
    const request = await built();
    const { 'webhook-signature': _, ...unsigned } = request.headers;
    expect(await ingest({ headers: unsigned, body: request.body }, options)).toMatchObject({ status: 401, error: { rule: 'missing-signature' } });
  });

  it('401 for a tampered body, before the body is parsed', async () => {
    const request = await built();
    const tampered = request.body.slice();
    const last = tampered.length - 2;
    tampered[last] = tampered[last]! ^ 0x01;
    expect(await ingest({ headers: request.headers, body: tampered }, options)).toMatchObject({ status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await ingest({ headers: request.headers, body: utf8('not json') }, options)).toMatchObject({ status: 401 });
  });

  it('401 for an expired timestamp, with the clock skew', async () => {
    const request = await built({ now: () => NOW_MS - 301_000 });
    expect(await ingest({ headers: request.headers, body: request.body }, options)).toMatchObject({ status: 401, error: { rule: 'timestamp-too-old', clockSkewSeconds: -301 } });
  });

  it('401 for a revoked key', async () => {
    const request = await built({ signingSecrets: [KEY_REVOKED] });
    expect(await ingest({ headers: request.headers, body: request.body }, options)).toMatchObject({ status: 401, error: { rule: 'revoked-key' } });
  });

  it('400 for a missing or malformed contract header, listing each', async () => {
    const request = await built();
    const { 'x-telemetry-license-id': _, ...withoutLicense } = request.headers;
    const result = await ingest({ headers: withoutLicense, body: request.body }, options);
    expect(result).toMatchObject({ status: 400, error: { rule: 'invalid-header', errors: [{ path: '/x-telemetry-license-id', rule: 'required' }] } });
    const bad = await ingest({ headers: { ...request.headers, 'x-telemetry-customer': 'has spaces' }, body: request.body }, options);
    expect(bad).toMatchObject({ status: 400, error: { rule: 'invalid-header', errors: [{ path: '/x-telemetry-customer', rule: 'pattern' }] } });
    expect(!bad.ok && bad.error.message).not.toContain('has spaces');
  });

  it('400 for a customer header that is not percent-encoded UTF-8', async () => {
    const request = await built();
    expect(await ingest({ headers: { ...request.headers, 'x-telemetry-customer': '%C3%28' }, body: request.body }, options)).toMatchObject({ status: 400, error: { rule: 'customer-encoding' } });
  });

  it('400 for a body that is not JSON, after the signature passed', async () => {
    const { headers, body } = await rawRequest('{"schemaVersion":1,');
    expect(await ingest({ headers, body }, options)).toMatchObject({ status: 400, error: { rule: 'json-syntax', message: expect.stringMatching(/^body: is not valid JSON/) } });
  });

  it('400 for a body that is not UTF-8', async () => {
    const { headers, body } = await rawRequest(new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(await ingest({ headers, body }, options)).toMatchObject({ status: 400, error: { rule: 'invalid-utf8' } });
  });

  it('422 for an unknown version, listing the supported ones', async () => {
    const { headers, body } = await rawRequest(payloadText({ schemaVersion: 2 }), { version: '2' });
    const result = await ingest({ headers, body }, options);
    expect(result).toMatchObject({ status: 422, error: { rule: 'unsupported-version', supportedVersions: [1] } });
    expect(!result.ok && result.error.message).toContain('supported: 1');
  });

  it('422 when the version header and the body disagree', async () => {
    const { headers, body } = await rawRequest(payloadText({ schemaVersion: 2 }), { version: '1' });
    expect(await ingest({ headers, body }, options)).toMatchObject({ status: 422, error: { rule: 'version-mismatch' } });
  });

  it('422 for an invalid payload, listing every problem', async () => {
    const { headers, body } = await rawRequest(payloadText({ activeSeats: -1, extra: 'x' }));
    const result = await ingest({ headers, body }, options);
    expect(result).toMatchObject({ status: 422, error: { rule: 'invalid-payload' } });
    expect(!result.ok && result.error.errors?.map((e) => [e.path, e.rule])).toEqual(expect.arrayContaining([['/activeSeats', 'minimum'], ['/extra', 'additionalProperties']]));
  });

  it('422 for a broken cross-field rule', async () => {
    const { headers, body } = await rawRequest(payloadText({ featuresUsed: ['sso', 'audit-log'] }));
    const result = await ingest({ headers, body }, options);
    expect(result).toMatchObject({ status: 422, error: { rule: 'invalid-payload', errors: [{ path: '/featuresUsed/1', rule: 'features-sorted' }] } });
  });

  it('422 for a message id that belongs to another window', async () => {
    const other = await messageId(dedupeKey('lic-0042', '2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z'), 'Example%20Holdings%20GmbH');
    const { headers, body } = await rawRequest(payloadText(), { id: other });
    expect(await ingest({ headers, body }, options)).toMatchObject({ status: 422, error: { rule: 'message-id-mismatch' } });
  });

  it('refuses versions the server does not accept even when the package knows them', async () => {
    await expect(ingest({ headers: {}, body: new Uint8Array() }, { ...options, acceptedVersions: [7] })).rejects.toThrow(/versions-config/);
  });
});

describe('ingest: released versions by default, drafts only when named', () => {
  it('accepts the draft v1 when the server names it', async () => {
    expect(versionLifecycle(1)?.status).toBe('draft');
    const request = await built();
    expect(await ingest({ headers: request.headers, body: request.body }, { ...options, acceptedVersions: [1] })).toMatchObject({ ok: true, schemaVersion: 1 });
  });

  it('accepts no draft by default: with no version released, a server naming none is refused at once, saying what to name', async () => {
    expect(defaultAcceptedVersions).toEqual([]);
    const { acceptedVersions: _named, ...unnamed } = options;
    const request = await built();
    await expect(ingest({ headers: request.headers, body: request.body }, unnamed)).rejects.toThrow(
      /^acceptedVersions: no version of this package is released yet \(v1 is a draft\), and a server accepts a draft only when it names it, so by default it would refuse every report; name the versions it accepts, e.g. acceptedVersions: \[1\] \(versions-config\)$/,
    );
    await expect(schemaEndpoint({ method: 'GET', url: '/api/v1/telemetry/schema', headers: {} })).rejects.toThrow(/versions-config/);
  });
});

describe('ingest: error answers', () => {
  it('carry a JSON body with rule and message, no secrets and no payload strings', async () => {
    const request = await built({ signingSecrets: [KEY_REVOKED] });
    const result = await ingest({ headers: request.headers, body: request.body }, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const response = failureResponse(result);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ error: result.error });
    for (const secret of [KEY_A, KEY_B, KEY_REVOKED]) expect(response.body).not.toContain(secret.slice(6));
    expect(response.body).not.toContain(request.headers['webhook-signature']!.slice(3));
  });
});
