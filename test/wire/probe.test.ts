/**
 * The connection test: a probe is verified by ingest exactly as a report is,
 * comes back as something a server cannot store, and `testConnection`
 * diagnoses each answer of the real example server (imported, on 127.0.0.1).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { utf8 } from '../../src/wire/bytes.js';
import { generateSecret } from '../../src/index.js';
import { deriveEncryptionKey, encryptBody } from '../../src/wire/jwe.js';
import { PROBE_MEDIA_TYPE, checkProbeBody, probeMessageId } from '../../src/wire/probe.js';
import { ingest, probeResponse } from '../../src/server.js';
import { repoRoot } from '../helpers.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { signMessage } from '../../src/wire/signature.js';
import { type ConnectionTestOptions, createProbeRequest, testConnection } from '../../src/uploader.js';
import { countingStore } from '../outbox/processes.js';
import { openPglite } from '../support/databases.js';
import { KEY_A, KEY_B, KEY_REVOKED, NOW_MS, NOW_S, built } from './support.js';
import { testKeyring } from '../support/keyring.js';

const licenseKeys = new Map([
  [
    'lic-0042',
    [
      { id: 'current', secret: KEY_A },
      { id: 'leaked', secret: KEY_REVOKED, revoked: true },
    ],
  ],
]);
const sender = { version: 1, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], maskCustomer: false } as const;

async function probe(overrides: Partial<Parameters<typeof createProbeRequest>[0]> = {}) {
  const result = await createProbeRequest({ ...sender, now: () => NOW_MS, ...overrides });
  if (!result.ok) throw new Error(result.error.message);
  return result.request;
}

describe('ingest of a probe', () => {
  it('verifies it like a report and answers kind "probe": no payload, no dedupe key, nothing a store takes', async () => {
    const request = await probe();
    expect(request.headers['content-type']).toBe('application/vnd.telemetry-contract.probe+json');
    const body = JSON.parse(new TextDecoder().decode(request.body)) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['probe', 'schemaVersion', 'nonce']);
    expect(request.messageId).toBe(probeMessageId('lic-0042', body['nonce'] as string));
    const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS });
    expect(result).toEqual({
      ok: true,
      kind: 'probe',
      keyId: 'current',
      messageId: request.messageId,
      licenseId: 'lic-0042',
      customer: { masked: false, value: 'Example Holdings GmbH' },
      encrypted: false,
      schemaVersion: 1,
      headers: { 'x-telemetry-accepted-versions': '1' },
    });
  });

  it('refuses it as a report would be refused: another key, a revoked key, an old timestamp, a changed byte', async () => {
    const at = { licenseKeys, acceptedVersions: [1], now: () => NOW_MS };
    const check = async (request: { headers: Record<string, string>; body: Uint8Array }) => ingest({ method: 'POST', ...request }, at);
    expect(await check(await probe({ signingSecrets: [KEY_B] }))).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await check(await probe({ signingSecrets: [KEY_REVOKED] }))).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
    expect(await check(await probe({ now: () => NOW_MS - 301_000 }))).toMatchObject({ ok: false, status: 401, error: { rule: 'timestamp-too-old', clockSkewSeconds: -301, toleranceSeconds: 300 } });
    const request = await probe();
    const changed = request.body.slice();
    changed[changed.length - 3] = changed[changed.length - 3] === 0x30 ? 0x31 : 0x30;
    expect(await check({ headers: { ...request.headers }, body: changed })).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
  });

  it('is never taken for a report, nor a report for a probe: the media type and the closed bodies decide', async () => {
    const report = await built();
    // A report's body declared as a probe: signed and valid as a report, refused as a probe.
    const asProbe = { ...report.headers, 'content-type': 'application/vnd.telemetry-contract.probe+json' };
    expect(await ingest({ headers: asProbe, body: report.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: false, status: 422, error: { rule: 'invalid-probe' } });
    // A probe's body declared as a report: refused by the report schema.
    const request = await probe();
    const asReport = { ...request.headers, 'content-type': 'application/json' };
    expect(await ingest({ headers: asReport, body: request.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: false, status: 422, error: { rule: 'invalid-payload' } });
  });

  it('refuses a probe whose id is not its own, whose version differs from its header, or that carries more', async () => {
    const send = async (body: Record<string, unknown>, id?: string) => {
      const bytes = utf8(JSON.stringify(body));
      const nonce = String(body['nonce']);
      const headers = {
        'content-type': 'application/vnd.telemetry-contract.probe+json',
        'x-telemetry-customer': 'Example%20Holdings%20GmbH',
        'x-telemetry-license-id': 'lic-0042',
        'x-telemetry-schema-version': '1',
        ...(await signMessage({ id: id ?? probeMessageId('lic-0042', nonce), timestamp: NOW_S, body: bytes, secrets: [KEY_A] })),
      };
      return ingest({ headers, body: bytes }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS });
    };
    const nonce = '0123456789abcdef0123456789abcdef';
    expect(await send({ probe: 'connection-test', schemaVersion: 1, nonce })).toMatchObject({ ok: true, kind: 'probe' });
    expect(await send({ probe: 'connection-test', schemaVersion: 1, nonce }, probeMessageId('lic-0043', nonce))).toMatchObject({ status: 422, error: { rule: 'message-id-mismatch' } });
    expect(await send({ probe: 'connection-test', schemaVersion: 2, nonce })).toMatchObject({ status: 422, error: { rule: 'version-mismatch' } });
    expect(await send({ probe: 'connection-test', schemaVersion: 1, nonce, activeSeats: 42 })).toMatchObject({ status: 422, error: { rule: 'invalid-probe', message: 'body: a probe carries probe, schemaVersion and nonce only, and nothing else; got another member (\"activeSeats\") (invalid-probe)' } });
    expect(await send({ probe: 'connection-test', schemaVersion: 1, nonce: 'ABC' })).toMatchObject({ status: 422, error: { rule: 'invalid-probe', message: '/nonce: must be 32 lowercase hex digits (invalid-probe)' } });
    expect(await send({ probe: 'report', schemaVersion: 1, nonce })).toMatchObject({ status: 422, error: { rule: 'invalid-probe' } });
  });

  it('decrypts an encrypted probe (its JWE says cty: the probe media type) and requires encryption where the server does', async () => {
    const encrypted = await probe({ encrypt: true });
    expect(encrypted.headers['content-type']).toBe('application/jose');
    const header = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(new TextDecoder().decode(encrypted.body).split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))) as Record<string, unknown>;
    expect(header['cty']).toBe('application/vnd.telemetry-contract.probe+json');
    expect(await ingest({ headers: encrypted.headers, body: encrypted.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS, requireEncryption: true })).toMatchObject({ ok: true, kind: 'probe', encrypted: true });
    const plain = await probe();
    expect(await ingest({ headers: plain.headers, body: plain.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS, requireEncryption: true })).toMatchObject({ status: 415, error: { rule: 'encryption-required' } });
    // A JWE holding a report stays a report: the cty, authenticated by the encryption, decides.
    const report = await built({ encrypt: true });
    expect(await ingest({ headers: report.headers, body: report.body }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: true, kind: 'report' });
    // And a JWE declared to hold a probe is checked as one.
    const key = await deriveEncryptionKey(KEY_A);
    const wrapped = utf8(await encryptBody(utf8('{"probe":"connection-test","schemaVersion":1}'), key, undefined, 'application/vnd.telemetry-contract.probe+json'));
    const headers = { ...report.headers, ...(await signMessage({ id: report.messageId, timestamp: NOW_S, body: wrapped, secrets: [KEY_A] })) };
    expect(await ingest({ headers, body: wrapped }, { licenseKeys, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: false, status: 422, error: { rule: 'invalid-probe', message: '/nonce: must be 32 lowercase hex digits (invalid-probe)' } });
  });
});

describe('createProbeRequest', () => {
  it('asks about the version the installation names, and builds nothing without one', async () => {
    expect((await probe()).schemaVersion).toBe(1);
    const { version: _, ...unnamed } = sender;
    // @ts-expect-error the version the installation sends is required: a default would ask about another
    expect(await createProbeRequest({ ...unnamed, now: () => NOW_MS })).toMatchObject({ ok: false, error: { rule: 'version-required' } });
  });
});

describe('the store', () => {
  it('refuses a probe at run time too, whatever a cast let through', async () => {
    const store = createPostgresStore(await openPglite(), { keyring: testKeyring });
    await store.migrate();
    const request = await probe({ now: () => Date.now() });
    const result = await ingest({ headers: request.headers, body: request.body }, { licenseKeys, acceptedVersions: [1] });
    expect(result).toMatchObject({ ok: true, kind: 'probe' });
    await expect(store.put(result as never)).rejects.toThrow('put: takes a report from ingest, and this is a connection test or has no payload (not-a-report)');
  });
});

describe('testConnection against the example server', () => {
  const { store, stores } = countingStore();
  let server: Awaited<ReturnType<typeof startTelemetryServer>>;
  let encrypting: Awaited<ReturnType<typeof startTelemetryServer>>;
  let gone: string;
  beforeAll(async () => {
    server = await startTelemetryServer({ store, licenseKeys, acceptedVersions: [1], purgeIntervalMs: 0 });
    encrypting = await startTelemetryServer({ store, licenseKeys, acceptedVersions: [1], requireEncryption: true, purgeIntervalMs: 0 });
    const closed = await startTelemetryServer({ store, licenseKeys, acceptedVersions: [1], purgeIntervalMs: 0 });
    gone = closed.url;
    await closed.close();
  });
  afterAll(async () => {
    await server?.close();
    await encrypting?.close();
  });

  const run = (overrides: Partial<ConnectionTestOptions> = {}) => testConnection({ ...sender, baseUrl: server.url, allowHttpLoopback: true, timeoutMs: 5000, ...overrides });

  it('connected: the round-trip time, the clock compared, and nothing stored', async () => {
    const result = await run();
    expect(result).toMatchObject({ ok: true, diagnosis: 'connected', status: 200, schemaVersion: 1, encrypted: false, acceptedVersions: [1], url: `${server.url}/api/v1/telemetry` });
    expect(result.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(result.clockSkewSeconds!)).toBeLessThanOrEqual(2);
    expect(result.message).toBe(`${server.url}/api/v1/telemetry: connected in ${result.roundTripMs} ms: the server verified the signature and accepts v1; nothing was stored (connected)`);
    const encrypted = await run({ encrypt: true });
    expect(encrypted).toMatchObject({ ok: true, diagnosis: 'connected', encrypted: true });
    expect(encrypted.message).toContain('the server verified the signature, decrypted the body and accepts v1');
    expect(stores.size).toBe(0);
  });

  it('unreachable: a refused connection, a name that does not resolve, a TLS handshake with a plain HTTP server; with the address tried', async () => {
    const refused = await run({ baseUrl: gone });
    const port = new URL(gone).port;
    expect(refused).toMatchObject({ ok: false, diagnosis: 'unreachable', rule: 'ECONNREFUSED', url: `${gone}/api/v1/telemetry` });
    expect(refused.message).toBe(`${gone}/api/v1/telemetry: cannot be reached: the connection to 127.0.0.1:${port} was refused (ECONNREFUSED): nothing listens there (unreachable); check the address, that the server runs, and the network between (proxy, firewall)`);
    const dns = await run({ baseUrl: 'https://telemetry.invalid' });
    expect(dns).toMatchObject({ ok: false, diagnosis: 'unreachable' });
    expect(dns.message).toMatch(/^https:\/\/telemetry\.invalid\/api\/v1\/telemetry: cannot be reached: (the name telemetry\.invalid does not resolve \(DNS: E[A-Z_]+\)|no answer within 5 s \(timeout\)) \(unreachable\)/);
    const tls = await run({ baseUrl: server.url.replace('http:', 'https:') });
    expect(tls).toMatchObject({ ok: false, diagnosis: 'unreachable' });
    expect(tls.message).toContain(`cannot be reached: the TLS handshake with 127.0.0.1:${new URL(server.url).port} failed (`);
  });

  it('signature-refused: a secret the server does not know, a revoked one; no secret in the result', async () => {
    const unknown = await run({ signingSecrets: [KEY_B] });
    expect(unknown).toMatchObject({ ok: false, diagnosis: 'signature-refused', status: 401, rule: 'license-key-mismatch' });
    expect(unknown.message).toBe(`${server.url}/api/v1/telemetry: the server refused the signature (license-key-mismatch): no key of the server made this signature; check that the secret configured here is the one issued with this license, and the license id the one it was issued for (signature-refused)`);
    const revoked = await run({ signingSecrets: [KEY_REVOKED] });
    expect(revoked).toMatchObject({ ok: false, diagnosis: 'signature-refused', rule: 'revoked-key' });
    expect(revoked.message).toContain('the secret configured here has been revoked; install the new secret the vendor issued');
    for (const secret of [KEY_A, KEY_B, KEY_REVOKED]) {
      expect(JSON.stringify([unknown, revoked])).not.toContain(secret.slice(6));
    }
  });

  it('clock-skew: this clock ten minutes ahead, read from the server\'s Date header, with the tolerance', async () => {
    const ahead = await run({ now: () => Date.now() + 600_000 });
    expect(ahead).toMatchObject({ ok: false, diagnosis: 'clock-skew', status: 401, rule: 'timestamp-too-new', toleranceSeconds: 300 });
    expect(Math.abs(ahead.clockSkewSeconds! - 600)).toBeLessThanOrEqual(2);
    expect(ahead.message).toBe(`${server.url}/api/v1/telemetry: this machine's clock is ${ahead.clockSkewSeconds} s ahead of the server's (by its Date header), more than the ±300 s the server allows (clock-skew); set the clock, with NTP`);
    const behind = await run({ now: () => Date.now() - 900_000 });
    expect(behind).toMatchObject({ diagnosis: 'clock-skew', rule: 'timestamp-too-old' });
    expect(behind.message).toContain(`clock is ${-behind.clockSkewSeconds!} s behind the server's`);
  });

  it('encryption-required and encryption-key-mismatch', async () => {
    const plain = await run({ baseUrl: encrypting.url });
    expect(plain).toMatchObject({ ok: false, diagnosis: 'encryption-required', status: 415 });
    expect(plain.message).toBe(`${encrypting.url}/api/v1/telemetry: the server takes encrypted bodies only, and encryption is off here (encryption-required); turn it on (encrypt: true)`);
    expect(await run({ baseUrl: encrypting.url, encrypt: true })).toMatchObject({ ok: true, diagnosis: 'connected' });
    const other = generateSecret(32);
    const mismatch = await run({ baseUrl: encrypting.url, encrypt: true, encryptionKey: other });
    expect(mismatch).toMatchObject({ ok: false, diagnosis: 'encryption-key-mismatch', status: 400, rule: 'unknown-key-id', encryptionKeyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(mismatch.message).toContain(`the server holds no encryption key with the id ${mismatch.encryptionKeyId} (unknown-key-id)`);
    expect(JSON.stringify(mismatch)).not.toContain(other.slice(6));
  });

  it('unexpected-answer: an address that is not the ingest endpoint', async () => {
    const wrong = await run({ baseUrl: `${server.url}/telemetry` });
    expect(wrong).toMatchObject({ ok: false, diagnosis: 'unexpected-answer', status: 404 });
    expect(wrong.message).toContain('(unexpected-answer); is this the ingest server? check the address');
  });

  it('not-configured: a malformed address or secret is said, not thrown', async () => {
    expect(await run({ baseUrl: 'telemetry.vendor.example' })).toMatchObject({ ok: false, diagnosis: 'not-configured' });
    expect(await run({ signingSecrets: ['nope'] })).toMatchObject({ ok: false, diagnosis: 'not-configured', rule: 'secret-format' });
    expect(stores.size).toBe(0);
  });
});

describe('generated/probe-vectors.json', () => {
  type Vector = { name: string; input: { licenseId: string; signingSecrets: string[]; timestamp: number; encrypt?: boolean }; expected: { headers: Record<string, string>; body: string }; answer: { status: number; headers: Record<string, string>; body: string } };
  const file = JSON.parse(readFileSync(join(repoRoot, 'generated/probe-vectors.json'), 'utf8')) as { mediaType: string; bodySchema: Record<string, unknown>; probes: Vector[] };
  const hmac = (secret: string, text: Buffer) => createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(text).digest('base64');

  it('holds a plain, a rotated and masked, and an encrypted probe', () => {
    expect(file.mediaType).toBe(PROBE_MEDIA_TYPE);
    expect(file.probes.map((p) => [p.expected.headers['content-type'], p.input.signingSecrets.length])).toEqual([
      [PROBE_MEDIA_TYPE, 1],
      [PROBE_MEDIA_TYPE, 2],
      ['application/jose', 1],
    ]);
  });

  it('agrees with independent HMAC and SHA-256: each id is the hash of "<licenseId>/probe/<nonce>", each signature the HMAC of id.timestamp.body', async () => {
    for (const vector of file.probes) {
      const { headers, body } = vector.expected;
      const plaintext = vector.input.encrypt === true ? new TextDecoder().decode((await jose.compactDecrypt(body, Buffer.from((await deriveEncryptionKey(vector.input.signingSecrets[0]!)).slice(6), 'base64'))).plaintext) : body;
      const probe = JSON.parse(plaintext) as { nonce: string };
      expect(headers['webhook-id'], vector.name).toBe(`msg_${createHash('sha256').update(`${vector.input.licenseId}/probe/${probe.nonce}`).digest('hex')}`);
      const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${vector.input.timestamp}.`), Buffer.from(body)]);
      expect(headers['webhook-signature'], vector.name).toBe(vector.input.signingSecrets.map((secret) => `v1,${hmac(secret, signed)}`).join(' '));
    }
  });

  it('each body (decrypted: its JWE names the probe media type as cty) is valid against the published body schema, checked by ajv', async () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(file.bodySchema);
    for (const vector of file.probes) {
      const body = vector.expected.body;
      if (vector.input.encrypt === true) {
        const opened = await jose.compactDecrypt(body, Buffer.from((await deriveEncryptionKey(vector.input.signingSecrets[0]!)).slice(6), 'base64'));
        expect(opened.protectedHeader.cty).toBe(PROBE_MEDIA_TYPE);
        expect(validate(JSON.parse(new TextDecoder().decode(opened.plaintext)))).toBe(true);
      } else expect(validate(JSON.parse(body)), vector.name).toBe(true);
    }
    // The runtime's own check and the published schema agree, on the vectors and on what breaks them.
    const base = JSON.parse(file.probes[0]!.expected.body) as Record<string, unknown>;
    for (const value of [base, { ...base, nonce: 'C0C1' }, { ...base, schemaVersion: 0 }, { ...base, schemaVersion: 1.5 }, { ...base, probe: 'report' }, { ...base, extra: 1 }, { probe: base['probe'] }, [], null]) {
      expect(checkProbeBody(value).ok, JSON.stringify(value)).toBe(validate(value));
    }
  });

  it('are answered by ingest exactly as the file says, and stored by nobody', async () => {
    for (const vector of file.probes) {
      const result = await ingest(
        { method: 'POST', headers: vector.expected.headers, body: utf8(vector.expected.body) },
        { licenseKeys: new Map([['lic-0042', vector.input.signingSecrets.map((secret, i) => ({ id: `key-${i + 1}`, secret }))]]), acceptedVersions: [1], now: () => vector.input.timestamp * 1000 },
      );
      expect(result).toMatchObject({ ok: true, kind: 'probe' });
      if (!result.ok || result.kind !== 'probe') continue;
      expect(probeResponse(result), vector.name).toEqual(vector.answer);
    }
  });
});

describe('testConnection: answers that are not a telemetry server that knows probes', () => {
  const answering = (status: number, body: unknown, headers: Record<string, string> = {}) => (async () => new Response(JSON.stringify(body), { status, headers })) as never;
  const run = (fetch: never) => testConnection({ ...sender, baseUrl: 'https://telemetry.vendor.example', fetch });

  it('a server of an older package (415 for the media type), a redirect, a 5xx, and a 2xx that confirms nothing are unexpected answers', async () => {
    const old = await run(answering(415, { error: { rule: 'unsupported-media-type', message: 'content-type: must be application/json (unsupported-media-type)' } }));
    expect(old).toMatchObject({ ok: false, diagnosis: 'unexpected-answer', status: 415 });
    expect(old.message).toContain('the server does not know connection tests (it runs an older telemetry-contract)');
    const moved = await run(answering(308, {}, { location: 'https://telemetry2.vendor.example/api/v1/telemetry' }));
    expect(moved.message).toContain('the server redirects to https://telemetry2.vendor.example/api/v1/telemetry; set the address to the final one');
    expect((await run(answering(502, {}))).message).toContain('answered 502 (unexpected-answer); the server has a problem of its own; try again later');
    // Anything that answers 201 to everything is not taken for a server that verified the probe.
    const yes = await run(answering(201, { duplicate: false }));
    expect(yes).toMatchObject({ ok: false, diagnosis: 'unexpected-answer', status: 201 });
    expect(yes.message).toContain('answered 201 without confirming the connection test (unexpected-answer)');
  });

  it('a failure without an error code keeps the runtime\'s own words (fetch refuses some ports)', async () => {
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('bad port') });
    }) as never;
    const result = await run(refused);
    expect(result).toMatchObject({ ok: false, diagnosis: 'unreachable', rule: 'Error' });
    expect(result.message).toContain('cannot be reached: the request failed before an answer (Error: bad port) (unreachable)');
  });
});
