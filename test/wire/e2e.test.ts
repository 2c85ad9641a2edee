/**
 * Both sides over real HTTP on 127.0.0.1: the example server (node:http on
 * ingest + schemaEndpoint) and the uploader with the global fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { openPglite } from '../support/databases.js';
import { utf8 } from '../../src/wire/bytes.js';
import { dedupeKey, messageId } from '../../src/wire/dedupe.js';
import { signMessage } from '../../src/wire/signature.js';
import { discoverAcceptedVersions, sendTelemetry, type TelemetryRequest } from '../../src/uploader.js';
import { FIXTURE_SOFTWARE, KEY_A, KEY_B, KEY_REVOKED, built, counts } from './support.js';
import { refusingAdmission } from '../support/refusing-admission.js';
import { testKeyring } from '../support/keyring.js';

let server: Awaited<ReturnType<typeof startTelemetryServer>>;
const overload = refusingAdmission();
// The example server listens on loopback http: allowed for development, by name.
const noWait = { sleep: async () => {}, delays: () => 0, timeoutMs: 5000, allowHttpLoopback: true };

beforeAll(async () => {
  // An in-memory PGlite opened from the test seed: what the server would open itself, a few seconds sooner.
  const store = createPostgresStore(await openPglite(), { keyring: testKeyring });
  await store.migrate();
  server = await startTelemetryServer({
    store,
    acceptedVersions: [1],
    licenseKeys: new Map([
      [
        'lic-0042',
        [
          { id: 'current', secret: KEY_A },
          { id: 'next', secret: KEY_B },
          { id: 'leaked', secret: KEY_REVOKED, revoked: true },
        ],
      ],
    ]),
    admission: overload.admission,
    knownSoftware: FIXTURE_SOFTWARE,
  });
});
afterAll(() => server?.close());

const real = () => new Date(Date.now());
const request = (overrides = {}) => built({ now: () => real().getTime(), ...overrides });

/** Posts bytes with headers as they are, for requests the uploader would never send. */
async function post(body: Uint8Array, headers: Record<string, string>): Promise<{ status: number; rule: string | undefined; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/v1/telemetry`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
  const parsed = (await response.json()) as { error?: { rule?: string } } & Record<string, unknown>;
  return { status: response.status, rule: parsed.error?.rule, body: parsed };
}

async function resigned(r: TelemetryRequest, timestamp: number, secrets = [KEY_A]) {
  return { ...r.headers, ...(await signMessage({ id: r.messageId, timestamp, body: r.body, secrets })) };
}

describe('end to end over HTTP on 127.0.0.1', () => {
  it('listens on the loopback interface only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('delivers a window after two 503 answers, and logs all three attempts', async () => {
    overload.refuseNext(2);
    const r = await request();
    const result = await sendTelemetry(r, { baseUrl: server.url, ...noWait });
    expect(result).toMatchObject({ ok: true, status: 201, acceptedVersions: [1] });
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 201]);
    expect(result.attempts.slice(0, 2).map((a) => a.rule)).toEqual(['overloaded', 'overloaded']);
    const stored = await server.store.get(r.dedupeKey);
    expect(stored?.payload).toEqual(r.payload);
    expect(stored?.headers['x-telemetry-license-id']).toBe('lic-0042');
  });

  it('delivers an encrypted window the same way: decrypted after the signature, stored as the same payload', async () => {
    overload.refuseNext(1);
    const window = { ...counts(), periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-10-16T00:00:00Z' };
    const r = await built({ now: () => Date.now(), encrypt: true }, window);
    expect(r.headers['content-type']).toBe('application/jose');
    const result = await sendTelemetry(r, { baseUrl: server.url, ...noWait });
    expect(result).toMatchObject({ ok: true, status: 201 });
    expect(result.attempts.map((a) => a.status)).toEqual([503, 201]);
    // Stored as the payload: the envelope it came in is not kept.
    expect((await server.store.get(r.dedupeKey))?.payload).toEqual(r.payload);
    // The same window again, plain: one window, stored once, whatever the envelope.
    const plain = await sendTelemetry(await built({ now: () => Date.now() }, window), { baseUrl: server.url, ...noWait });
    expect(plain).toMatchObject({ ok: true, status: 200 });
  });

  it('stores a window sent twice once, under one dedupe key, and answers the repeat with 2xx', async () => {
    const window = { ...counts(), periodStart: '2026-12-01T00:00:00Z', periodEnd: '2026-12-16T00:00:00Z' };
    const key = dedupeKey('lic-0042', '2026-12-01T00:00:00Z', '2026-12-16T00:00:00Z');
    expect(await server.store.get(key)).toBeUndefined();
    const sent = await built({ now: () => Date.now() }, window);
    const first = await sendTelemetry(sent, { baseUrl: server.url, ...noWait });
    const second = await sendTelemetry(await built({ now: () => Date.now(), signingSecrets: [KEY_B] }, window), { baseUrl: server.url, ...noWait });
    expect([first.ok && first.status, second.ok && second.status]).toEqual([201, 200]);
    expect((await server.store.get(key))?.payload).toEqual(sent.payload);
  });

  it('answers 401 to a tampered body', async () => {
    const r = await request();
    const tampered = r.body.slice();
    tampered[tampered.indexOf(0x34)] = 0x35; // one digit of a count: 4 → 5
    expect(await post(tampered, { ...r.headers })).toMatchObject({ status: 401, rule: 'license-key-mismatch' });
  });

  it('answers 401 to an expired timestamp, telling the uploader its clock is off', async () => {
    const r = await request();
    const old = Math.floor(Date.now() / 1000) - 3600;
    const answer = await post(r.body, await resigned(r, old));
    expect(answer).toMatchObject({ status: 401, rule: 'timestamp-too-old' });
    expect(String((answer.body['error'] as { message: string }).message)).toMatch(/behind the receiver's clock.*Date header/);
  });

  it('lets an uploader with a slow clock correct it from the Date header and deliver', async () => {
    const window = { ...counts(), periodStart: '2027-01-01T00:00:00Z', periodEnd: '2027-01-16T00:00:00Z' };
    const slow = () => Date.now() - 3_600_000;
    const result = await sendTelemetry(await built({ now: slow }, window), { baseUrl: server.url, now: slow, ...noWait });
    expect(result.ok).toBe(true);
    expect(result.attempts.map((a) => [a.status, a.rule])).toEqual([[401, 'timestamp-too-old'], [201, undefined]]);
  });

  it('answers 401 to a revoked key', async () => {
    const r = await request({ signingSecrets: [KEY_REVOKED] });
    const result = await sendTelemetry(r, { baseUrl: server.url, ...noWait });
    expect(result).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
    expect(result.attempts).toHaveLength(1);
  });

  it('answers 422 to an unknown version, listing the supported ones', async () => {
    const body = utf8(JSON.stringify({ schemaVersion: 2, ...counts() }));
    const headers = {
      'content-type': 'application/json',
      'x-telemetry-customer': 'Example%20Holdings%20GmbH',
      'x-telemetry-license-id': 'lic-0042',
      'x-telemetry-schema-version': '2',
      ...(await signMessage({ id: await messageId(dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'), 'Example%20Holdings%20GmbH'), timestamp: Math.floor(Date.now() / 1000), body, secrets: [KEY_A] })),
    };
    const answer = await post(body, headers);
    expect(answer).toMatchObject({ status: 422, rule: 'unsupported-version', body: { error: { supportedVersions: [1] } } });
  });

  it('answers 413 to an oversized body', async () => {
    const r = await request();
    const body = new Uint8Array(70 * 1024).fill(0x20);
    expect(await post(body, await resigned(r, Math.floor(Date.now() / 1000)))).toMatchObject({ status: 413, rule: 'too-large' });
  });

  it('serves the schema with an ETag and answers 304 to a revalidation', async () => {
    const first = await fetch(`${server.url}/api/v1/telemetry/schema`, { signal: AbortSignal.timeout(5000) });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/schema+json');
    expect(((await first.json()) as { $id: string }).$id).toBe('urn:telemetry-contract:schema:v1');
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${server.url}/api/v1/telemetry/schema?version=1`, { headers: { 'if-none-match': etag }, signal: AbortSignal.timeout(5000) });
    expect(again.status).toBe(304);
  });

  it('tells the uploader which versions it accepts', async () => {
    expect(await discoverAcceptedVersions({ baseUrl: server.url, timeoutMs: 5000, allowHttpLoopback: true })).toEqual({ ok: true, versions: [1] });
  });
});
