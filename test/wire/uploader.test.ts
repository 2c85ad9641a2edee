import { describe, expect, it } from 'vitest';
import { createTelemetryRequest, discoverAcceptedVersions, type FetchLike, sendTelemetry, type TelemetryCounts } from '../../src/uploader.js';
import { verifySignature } from '../../src/wire/verify-signature.js';
import { KEY_A, KEY_B, NOW_MS, baseOptions, built, counts } from './support.js';

type Call = { url: string; method: string; headers: Record<string, string>; body?: Uint8Array };

/** A fetch that answers from a script, one entry per call, and records each call. */
function scriptedFetch(script: Array<{ status: number; headers?: Record<string, string>; body?: unknown } | Error>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}) });
    const next = script[Math.min(calls.length - 1, script.length - 1)]!;
    if (next instanceof Error) throw next;
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status, headers: next.headers ?? {} });
  };
  return { fetch, calls };
}

const noWait = { sleep: async () => {}, delays: () => 0 };

describe('createTelemetryRequest', () => {
  it('fills schemaVersion, sorts and dedupes featuresUsed, and serializes in schema order', async () => {
    const request = await built();
    expect(request.payload).toMatchObject({ schemaVersion: 1, featuresUsed: ['audit-log', 'sso'] });
    const text = new TextDecoder().decode(request.body);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'schemaVersion', 'periodStart', 'periodEnd', 'activeSeats', 'policiesActive', 'policyExecutionsCount',
      'totalProvisionedSeats', 'seatLimitHit', 'featuresUsed', 'appVersion', 'nodeVersion',
    ]);
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/telemetry', dedupeKey: 'lic-0042/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z' });
  });

  it('gives the same body bytes for the same counts in any key and feature order', async () => {
    const shuffled = Object.fromEntries(Object.entries(counts()).reverse()) as TelemetryCounts<1>;
    const a = await built();
    const b = await built({}, { ...shuffled, featuresUsed: ['sso', 'sso', 'audit-log'] });
    expect(Buffer.from(b.body).equals(Buffer.from(a.body))).toBe(true);
  });

  it('refuses to build an invalid payload and lists every problem', async () => {
    const result = await createTelemetryRequest({ ...counts(), activeSeats: -1, periodEnd: '2026-10-01T00:00:00Z' }, baseOptions());
    expect(result).toMatchObject({ ok: false, error: { rule: 'invalid-payload' } });
    expect(!result.ok && result.error.errors?.map((e) => e.rule)).toEqual(['minimum', 'period-order']);
  });

  it('refuses an unknown field instead of dropping it', async () => {
    const result = await createTelemetryRequest({ ...counts(), userEmail: 'a@b.c' } as TelemetryCounts<1>, baseOptions());
    expect(result).toMatchObject({ ok: false, error: { errors: [{ path: '/userEmail', rule: 'additionalProperties' }] } });
    // A "__proto__" member, as JSON.parse makes it from a configuration file, is a field too: refused, not swallowed.
    const parsed = JSON.parse(`{"__proto__": {"activeSeats": 1}, ${JSON.stringify(counts()).slice(1)}`) as TelemetryCounts<1>;
    expect(await createTelemetryRequest(parsed, baseOptions())).toMatchObject({ ok: false, error: { errors: [{ path: '/__proto__', rule: 'additionalProperties' }] } });
    expect(!result.ok && result.error.message).not.toContain('a@b.c');
  });

  it('builds only the version the application names: without one nothing is built, at compile time and at run time', async () => {
    const { version: _, ...unnamed } = baseOptions();
    // @ts-expect-error a version is required: a default would move under the installation with the next package release
    const result = await createTelemetryRequest(counts(), unnamed);
    expect(result).toMatchObject({ ok: false, error: { rule: 'version-required', supportedVersions: [1] } });
    expect(!result.ok && result.error.message).toBe('version: is required: name the schema version the installation sends, as in createTelemetryRequest(…, { version: 1, … }); a default would change what it sends whenever the package is upgraded (version-required)');
    const { activeSeats: __, ...missing } = counts();
    // @ts-expect-error the counts are typed as the named version's: a required field left out does not compile
    expect(await createTelemetryRequest(missing, baseOptions())).toMatchObject({ ok: false, error: { errors: [{ path: '/activeSeats', rule: 'required' }] } });
  });

  it('refuses a version the server does not accept, building nothing', async () => {
    const result = await createTelemetryRequest(counts(), { ...baseOptions(), acceptedVersions: [2, 3] });
    expect(result).toMatchObject({ ok: false, error: { rule: 'unsupported-version', supportedVersions: [2, 3] } });
  });

  it('refuses a bad license id, a bad secret and a bad customer name with typed errors', async () => {
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), licenseId: 'has space' })).toMatchObject({ ok: false, error: { rule: 'invalid-header' } });
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), signingSecrets: ['whsec_short'] })).toMatchObject({ ok: false, error: { rule: 'secret-format' } });
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), signingSecrets: [] })).toMatchObject({ ok: false, error: { rule: 'secret-count' } });
    expect(await createTelemetryRequest(counts(), { ...baseOptions(), customer: '' })).toMatchObject({ ok: false, error: { rule: 'customer-name' } });
  });

  it('sends the customer name percent-encoded, or masked when asked by option or by TELEMETRY_MASK_CUSTOMER=1', async () => {
    expect((await built({ customer: 'Müller KG' })).headers['x-telemetry-customer']).toBe('M%C3%BCller%20KG');
    expect((await built({ maskCustomer: true })).headers['x-telemetry-customer']).toMatch(/^anon-[0-9a-f]{32}-21$/);
    const { maskCustomer: _, ...withoutOption } = baseOptions();
    const fromEnv = await createTelemetryRequest(counts(), { ...withoutOption, env: { TELEMETRY_MASK_CUSTOMER: '1' } });
    expect(fromEnv.ok && fromEnv.request.headers['x-telemetry-customer']).toMatch(/^anon-/);
    const notAsked = await createTelemetryRequest(counts(), { ...withoutOption, env: {} });
    expect(notAsked.ok && notAsked.request.headers['x-telemetry-customer']).toBe('Example%20Holdings%20GmbH');
  });

  it('reads masking from the environment variable a product names, instead of TELEMETRY_MASK_CUSTOMER', async () => {
    const { maskCustomer: _, ...withoutOption } = baseOptions();
    const named = { ...withoutOption, maskEnvVariable: 'ASTER_TELEMETRY_MASK_CUSTOMER' };
    const masked = await createTelemetryRequest(counts(), { ...named, env: { ASTER_TELEMETRY_MASK_CUSTOMER: '1' } });
    expect(masked.ok && masked.request.headers['x-telemetry-customer']).toMatch(/^anon-[0-9a-f]{32}-21$/);
    // The default name no longer decides once another is named.
    const byDefaultName = await createTelemetryRequest(counts(), { ...named, env: { TELEMETRY_MASK_CUSTOMER: '1' } });
    expect(byDefaultName.ok && byDefaultName.request.headers['x-telemetry-customer']).toBe('Example%20Holdings%20GmbH');
    // Without `env`, the process environment's variable of that name.
    process.env['ASTER_TELEMETRY_MASK_CUSTOMER'] = 'yes';
    try {
      const fromProcess = await createTelemetryRequest(counts(), named);
      expect(fromProcess.ok && fromProcess.request.headers['x-telemetry-customer']).toMatch(/^anon-/);
    } finally {
      delete process.env['ASTER_TELEMETRY_MASK_CUSTOMER'];
    }
    expect(await createTelemetryRequest(counts(), { ...named, maskEnvVariable: 'NOT A NAME' })).toMatchObject({ ok: false, error: { rule: 'mask-env-variable', message: expect.stringMatching(/^maskEnvVariable: must be an environment variable name/) } });
  });

  it('signs with every secret of a rotation and keeps the secrets out of the request object', async () => {
    const request = await built({ signingSecrets: [KEY_B, KEY_A] });
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(JSON.stringify(request)).not.toContain(KEY_A.slice(6));
    expect(JSON.stringify(request)).not.toContain(KEY_B.slice(6));
  });
});

describe('sendTelemetry', () => {
  it('replays the identical body under the same id with a new timestamp and signature per attempt, until a 2xx', async () => {
    const request = await built();
    const { fetch, calls } = scriptedFetch([{ status: 503 }, { status: 503 }, { status: 201 }]);
    let clock = NOW_MS;
    const result = await sendTelemetry(request, { baseUrl: 'https://ingest.invalid/', fetch, now: () => (clock += 2000), ...noWait });
    expect(result).toMatchObject({ ok: true, status: 201 });
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 201]);
    expect(calls.map((c) => c.url)).toEqual(Array(3).fill('https://ingest.invalid/api/v1/telemetry'));
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(new Set(calls.map((c) => c.headers['webhook-timestamp'])).size).toBe(3);
    expect(new Set(calls.map((c) => c.headers['webhook-signature'])).size).toBe(3);
    for (const call of calls) {
      expect(Buffer.from(call.body!).equals(Buffer.from(request.body))).toBe(true);
      const check = await verifySignature(call.headers, call.body!, { keys: [{ id: 'a', secret: KEY_A }], now: () => Number(call.headers['webhook-timestamp']) * 1000 });
      expect(check.ok).toBe(true);
    }
  });

  it('records every attempt with its time, status and error for a transmission log', async () => {
    const { fetch } = scriptedFetch([{ status: 503, body: { error: { rule: 'unavailable', message: 'server: busy (unavailable)' } } }, { status: 200 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, now: () => NOW_MS, ...noWait });
    expect(result.attempts).toEqual([
      { attempt: 1, at: '2026-11-16T01:00:00.000Z', timestamp: NOW_MS / 1000, schemaVersion: 1, status: 503, rule: 'unavailable', error: 'server: busy (unavailable)', delayMs: 0 },
      { attempt: 2, at: '2026-11-16T01:00:00.000Z', timestamp: NOW_MS / 1000, schemaVersion: 1, status: 200 },
    ]);
  });

  it('stops at a status retrying cannot fix and returns the server error', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 422, body: { error: { rule: 'invalid-payload', message: 'body: 1 problem (invalid-payload)' } } }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, ...noWait });
    expect(result).toMatchObject({ ok: false, status: 422, error: { rule: 'invalid-payload' } });
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['unsupported-media-type', { 'accept-post': 'application/json' }],
    ['unsupported-content-encoding', { 'accept-encoding': 'identity' }],
  ])('takes 415 %s as final: the same bytes and headers would be refused again', async (rule, headers) => {
    const { fetch, calls } = scriptedFetch([{ status: 415, headers, body: { error: { rule, message: `content-type: … (${rule})` } } }, { status: 201 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, ...noWait });
    expect(result).toMatchObject({ ok: false, status: 415, error: { rule } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['content-type']).toBe('application/json');
  });

  it('gives up after the configured retries and says so', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 500 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, retries: 2, ...noWait });
    expect(result).toMatchObject({ ok: false, status: 500, error: { rule: 'retries-exhausted' } });
    expect(calls).toHaveLength(3);
  });

  it('retries network failures and records them without an HTTP status', async () => {
    const { fetch } = scriptedFetch([Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), { status: 201 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, ...noWait });
    expect(result.ok).toBe(true);
    expect(result.attempts[0]).toMatchObject({ rule: 'network-error', error: expect.stringContaining('ECONNREFUSED') });
    expect(result.attempts[0]!.status).toBeUndefined();
  });

  it('backs off with the injected delays, and follows Retry-After when the server sends it', async () => {
    const { fetch } = scriptedFetch([{ status: 503 }, { status: 429, headers: { 'retry-after': '7' } }, { status: 503 }, { status: 201 }]);
    const waited: number[] = [];
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, delays: (n) => 1000 * 2 ** (n - 1), sleep: async (ms) => void waited.push(ms) });
    expect(result.ok).toBe(true);
    expect(waited).toEqual([1000, 7000, 4000]);
  });

  it('corrects its clock once from the server Date header after a timestamp error, and then succeeds', async () => {
    const serverNow = NOW_MS + 3_600_000;
    const skewError = { status: 401, headers: { date: new Date(serverNow).toUTCString() }, body: { error: { rule: 'timestamp-too-old', message: 'webhook-timestamp: … (timestamp-too-old)' } } };
    const { fetch, calls } = scriptedFetch([skewError, { status: 201 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, now: () => NOW_MS, ...noWait });
    expect(result.ok).toBe(true);
    expect(calls.map((c) => Number(c.headers['webhook-timestamp']))).toEqual([NOW_MS / 1000, serverNow / 1000]);
  });

  it('does not keep retrying a timestamp error once the clock was corrected', async () => {
    const skewError = { status: 401, headers: { date: new Date(NOW_MS + 3_600_000).toUTCString() }, body: { error: { rule: 'timestamp-too-old', message: 'x (timestamp-too-old)' } } };
    const { fetch, calls } = scriptedFetch([skewError]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, now: () => NOW_MS, ...noWait });
    expect(result).toMatchObject({ ok: false, status: 401, error: { rule: 'timestamp-too-old' } });
    expect(calls).toHaveLength(2);
  });

  it('refuses to send a version the server does not accept: nothing is sent', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 201 }]);
    const result = await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, acceptedVersions: [2], ...noWait });
    expect(result).toMatchObject({ ok: false, error: { rule: 'unsupported-version', supportedVersions: [2] }, attempts: [] });
    expect(calls).toHaveLength(0);
  });

  it('reports the versions the server states it accepts', async () => {
    const { fetch } = scriptedFetch([{ status: 201, headers: { 'x-telemetry-accepted-versions': '1, 2' } }]);
    expect(await sendTelemetry(await built(), { baseUrl: 'https://ingest.invalid', fetch, ...noWait })).toMatchObject({ ok: true, acceptedVersions: [1, 2] });
  });
});

describe('discoverAcceptedVersions', () => {
  it('reads the accepted versions from a HEAD of the schema endpoint', async () => {
    const { fetch, calls } = scriptedFetch([{ status: 200, headers: { 'x-telemetry-accepted-versions': '1' } }]);
    expect(await discoverAcceptedVersions({ baseUrl: 'https://ingest.invalid', fetch })).toEqual({ ok: true, versions: [1] });
    expect(calls[0]).toMatchObject({ method: 'HEAD', url: 'https://ingest.invalid/api/v1/telemetry/schema' });
  });

  it('fails with a typed error when the server does not say', async () => {
    const { fetch } = scriptedFetch([{ status: 200 }]);
    expect(await discoverAcceptedVersions({ baseUrl: 'https://ingest.invalid', fetch })).toMatchObject({ ok: false, error: { rule: 'no-accepted-versions' } });
  });
});
