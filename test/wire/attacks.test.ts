/**
 * Reports that try to carry chosen data, sent to the real example server and
 * its real store (PGlite), the way a deployment would send them or the way a
 * tampering sender could: each is refused with a rule of its own (or, for a
 * value only the vendor can place, taken without that value), and nothing of
 * it is stored. The promises of docs/telemetry.md name these tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { openOutbox } from '../../src/outbox.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { type TelemetryCounts, createTelemetryRequest, dedupeKey, discoverAcceptedVersions, messageId, sendTelemetry, signMessage, testConnection } from '../../src/uploader.js';
import { utf8 } from '../../src/wire/bytes.js';
import { maskCustomer } from '../../src/wire/mask.js';
import { deriveMaskKey } from '../../src/wire/mask.js';
import { openPglite } from '../support/databases.js';
import { KEY_A, KEY_B, counts } from './support.js';
import { refusingAdmission } from '../support/refusing-admission.js';
import { testKeyring } from '../support/keyring.js';

const LICENSE = 'lic-attack';
const OTHER = 'lic-other';
const CUSTOMER = 'Example Holdings GmbH';
const LISTED_BUILD = '0123456789abcdef0123456789abcdef01234567';

let db: PGlite;
let server: Awaited<ReturnType<typeof startTelemetryServer>>;
const overload = refusingAdmission();
const dev = { allowHttpLoopback: true, sleep: async () => {}, delays: () => 0, timeoutMs: 5000, retries: 0 } as const;

beforeAll(async () => {
  db = await openPglite();
  const store = createPostgresStore(db, { keyring: testKeyring });
  await store.migrate();
  server = await startTelemetryServer({
    store,
    licenseKeys: new Map([
      [LICENSE, [{ id: 'k1', secret: KEY_A }]],
      [OTHER, [{ id: 'k1', secret: KEY_B }]],
    ]),
    acceptedVersions: [1],
    knownSoftware: { builds: [LISTED_BUILD] },
    admission: overload.admission,
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.close();
});

/** Every stored row of the license, reports and windows, as text: what "nothing stored" is checked against. */
async function storedText(license = LICENSE): Promise<{ reports: number; windows: number; text: string }> {
  const reports = await db.query<Record<string, unknown>>(`SELECT * FROM telemetry_reports WHERE license_id = $1`, [license]);
  const windows = await db.query<Record<string, unknown>>(`SELECT * FROM telemetry_windows WHERE license_id = $1`, [license]);
  return { reports: reports.rows.length, windows: windows.rows.length, text: JSON.stringify([reports.rows, windows.rows]) };
}

/** Counts of one window, as the uploader would send them (features sorted, each once), with a build the vendor lists. */
const window = (start: string, end: string, extra: Partial<Record<string, unknown>> = {}): TelemetryCounts<1> =>
  ({ ...counts(), featuresUsed: ['audit-log', 'sso'], appVersion: LISTED_BUILD, periodStart: start, periodEnd: end, ...extra }) as TelemetryCounts<1>;
const options = (overrides = {}) => ({ version: 1 as const, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], maskCustomer: false, ...overrides });

/** Sends counts as this package's uploader would: built, then sent; the build's refusal when it refuses. */
async function send(c: TelemetryCounts<1>, overrides = {}) {
  const built = await createTelemetryRequest(c, options(overrides));
  if (!built.ok) return { built: false as const, error: built.error };
  return { built: true as const, result: await sendTelemetry(built.request, { baseUrl: server.url, ...dev }), request: built.request };
}

/**
 * Posts a payload the uploader would refuse to build, signed with the license's key as a tampering
 * sender could, the message id computed for its window where it has one.
 */
async function forge(payload: Record<string, unknown>, headers: Record<string, string> = {}, { id }: { id?: string } = {}) {
  const body = utf8(JSON.stringify({ schemaVersion: 1, ...payload }));
  let key: string;
  try {
    key = dedupeKey(LICENSE, String(payload['periodStart']), String(payload['periodEnd']));
  } catch {
    key = `${LICENSE}/no-window`;
  }
  const customer = headers['x-telemetry-customer'] ?? encodeURIComponent(CUSTOMER);
  const messageIdValue = id ?? (await messageId(key, /^[A-Za-z0-9%._~!*'()-]{1,768}$/.test(customer) ? customer : 'x'));
  const signed = await signMessage({ id: messageIdValue, timestamp: Math.floor(Date.now() / 1000), body, secrets: [KEY_A] });
  const response = await fetch(`${server.url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telemetry-customer': customer, 'x-telemetry-license-id': LICENSE, 'x-telemetry-schema-version': '1', ...signed, ...headers },
    body,
    signal: AbortSignal.timeout(5000),
  });
  const answer = (await response.json()) as { error?: { rule?: string; message?: string; errors?: Array<{ path: string; rule: string }> } };
  return { status: response.status, rule: answer.error?.rule, message: answer.error?.message ?? '', errors: answer.error?.errors ?? [], raw: JSON.stringify(answer) };
}

describe('a window carries the day and nothing else', () => {
  it('refuses a window shorter than a day, and stores nothing', async () => {
    const before = await storedText();
    // Half a day: the end is no midnight, so the uploader builds nothing and the server refuses it.
    const half = await send(window('2026-03-01T00:00:00Z', '2026-03-01T12:00:00Z'));
    expect(half).toMatchObject({ built: false, error: { rule: 'invalid-payload' } });
    const forged = await forge(window('2026-03-01T00:00:00Z', '2026-03-01T12:00:00Z'));
    expect(forged).toMatchObject({ status: 422, rule: 'invalid-payload' });
    expect(forged.errors).toEqual([{ path: '/periodEnd', rule: 'pattern', message: expect.stringContaining('a UTC midnight') }]);
    // No time at all: the same midnight twice.
    const empty = await forge(window('2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'));
    expect(empty).toMatchObject({ status: 422, rule: 'invalid-payload', errors: [{ path: '/periodEnd', rule: 'period-order' }] });
    expect(await storedText()).toEqual(before);
    // One day is the shortest window there is, and it is stored.
    const day = await send(window('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'));
    expect(day).toMatchObject({ built: true, result: { ok: true, status: 201 } });
  });

  it('refuses a window whose bounds are not UTC midnights, and stores nothing', async () => {
    const before = await storedText();
    const bounds: Array<[string, string]> = [
      ['2026-05-01T06:00:00Z', '2026-05-02T06:00:00Z'],
      ['2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00Z'],
      ['2026-05-01T00:00:00.000000001Z', '2026-05-02T00:00:00Z'],
      ['2026-05-01T00:00:00+00:00', '2026-05-02T00:00:00Z'],
      ['2026-04-30T22:00:00-02:00', '2026-05-02T00:00:00Z'],
      ['1999-12-31T00:00:00Z', '2026-05-02T00:00:00Z'],
      ['2026-05-01T00:00:00Z', '2100-01-01T00:00:00Z'],
      ['2026-05-01T00:00:00Z', '2026-02-30T00:00:00Z'],
    ];
    for (const [start, end] of bounds) {
      expect(await send(window(start, end))).toMatchObject({ built: false, error: { rule: 'invalid-payload' } });
      const forged = await forge(window(start, end));
      expect(forged).toMatchObject({ status: 422, rule: 'invalid-payload' });
      expect(forged.errors.map((e) => e.rule)).toEqual(expect.arrayContaining([expect.stringMatching(/^(pattern|format|maxLength)$/)]));
    }
    expect(await storedText()).toEqual(before);
  });

  it('refuses a window that overlaps a stored window of the license, and stores nothing', async () => {
    expect(await send(window('2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z'))).toMatchObject({ result: { ok: true, status: 201 } });
    const before = await storedText();
    for (const [start, end] of [
      ['2026-06-07T00:00:00Z', '2026-06-14T00:00:00Z'],
      ['2026-05-25T00:00:00Z', '2026-06-02T00:00:00Z'],
      ['2026-06-03T00:00:00Z', '2026-06-04T00:00:00Z'],
      ['2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z'],
    ] as const) {
      const sent = await send(window(start, end));
      expect(sent).toMatchObject({ built: true, result: { ok: false, status: 409, error: { rule: 'window-overlap' } } });
      expect(sent.built && (await server.store.get(sent.request.dedupeKey))).toBeUndefined();
    }
    expect(await storedText()).toEqual(before);
    // The days that follow, and the same days of another license, are windows of their own.
    expect(await send(window('2026-06-08T00:00:00Z', '2026-06-15T00:00:00Z'))).toMatchObject({ result: { ok: true, status: 201 } });
    expect(await send(window('2026-06-07T00:00:00Z', '2026-06-14T00:00:00Z'), { licenseId: OTHER, signingSecrets: [KEY_B] })).toMatchObject({ result: { ok: true, status: 201 } });
    // The same window again is no overlap: it is the stored one, answered as stored.
    expect(await send(window('2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z'))).toMatchObject({ result: { ok: true, status: 200 } });
  });
});

describe('no string of a report carries chosen text', () => {
  const TEXT = 'alice.smith@example.com';
  const hexOf = (text: string) => [...utf8(text)].map((b) => b.toString(16).padStart(2, '0')).join('');

  it('refuses free text in every string the contract has, and stores nothing', async () => {
    const before = await storedText();
    const base = window('2026-07-01T00:00:00Z', '2026-07-02T00:00:00Z');
    const cases: Array<[string, () => ReturnType<typeof forge>, number, string]> = [
      ['periodStart', () => forge({ ...base, periodStart: `2026-07-01T${TEXT}` }), 422, 'invalid-payload'],
      ['periodEnd', () => forge({ ...base, periodEnd: TEXT }), 422, 'invalid-payload'],
      ['featuresUsed', () => forge({ ...base, featuresUsed: [TEXT] }), 422, 'invalid-payload'],
      ['appVersion', () => forge({ ...base, appVersion: TEXT }), 422, 'invalid-payload'],
      ['nodeVersion', () => forge({ ...base, nodeVersion: TEXT }), 422, 'invalid-payload'],
      ['an unknown field', () => forge({ ...base, userEmail: TEXT }), 422, 'invalid-payload'],
      ['content-type, not even a media type', () => forge(base, { 'content-type': `application/json; name=${TEXT}` }), 415, 'unsupported-media-type'],
      ['content-type, a parameter of its own', () => forge(base, { 'content-type': 'application/json; name=alice.smith' }), 400, 'invalid-header'],
      ['x-telemetry-customer', () => forge(base, { 'x-telemetry-customer': TEXT.replace('@', '%40') + '%20' + 'x'.repeat(800) }), 400, 'invalid-header'],
      ['x-telemetry-license-id', () => forge(base, { 'x-telemetry-license-id': 'alice.smith' }), 401, 'license-key-mismatch'],
      ['x-telemetry-schema-version', () => forge(base, { 'x-telemetry-schema-version': '1337' }), 422, 'unsupported-version'],
      ['webhook-id', () => forge(base, {}, { id: `msg_${hexOf('alice.smith@example.com, +49 151 12345678').slice(0, 64).padEnd(64, '0')}` }), 422, 'message-id-mismatch'],
      ['webhook-timestamp', () => forge(base, { 'webhook-timestamp': '490151123456' }), 401, 'timestamp-too-new'],
      ['webhook-signature', () => forge(base, { 'webhook-signature': `v1,${btoa(TEXT.padEnd(32, '.')).slice(0, 43)}=` }), 401, 'license-key-mismatch'],
    ];
    for (const [where, attempt, status, rule] of cases) {
      const answer = await attempt();
      expect({ where, status: answer.status, rule: answer.rule }).toEqual({ where, status, rule });
      // The refusal names the rule and the place, never the text.
      expect(answer.raw).not.toContain('alice');
    }
    expect(await storedText()).toEqual(before);
    expect((await storedText()).text).not.toContain('alice');
  });

  it('stores no appVersion the vendor does not list, and no nodeVersion it does not know', async () => {
    // 40 hex digits can spell 20 bytes of anything: "alice.smith@ex.com" here.
    const chosen = hexOf('alice.smith@ex.com').padEnd(40, '0');
    const sent = await send(window('2026-08-01T00:00:00Z', '2026-08-02T00:00:00Z', { appVersion: chosen, nodeVersion: '999' }));
    expect(sent).toMatchObject({ built: true, result: { ok: true, status: 201 } });
    const stored = await server.store.get(sent.built ? sent.request.dedupeKey : '');
    expect(stored?.payload).not.toHaveProperty('appVersion');
    expect(stored?.payload).not.toHaveProperty('nodeVersion');
    expect(stored?.payload).toMatchObject({ activeSeats: 42, periodStart: '2026-08-01T00:00:00Z' });
    expect((await storedText()).text).not.toContain(chosen);
    // What the vendor can place is kept.
    const placed = await send(window('2026-08-02T00:00:00Z', '2026-08-03T00:00:00Z', { appVersion: LISTED_BUILD, nodeVersion: '22' }));
    expect((await server.store.get(placed.built ? placed.request.dedupeKey : ''))?.payload).toMatchObject({ appVersion: LISTED_BUILD, nodeVersion: '22' });
  });

  it('echoes no more of a refused member name than a short identifier', async () => {
    const long = `${TEXT}.${'x'.repeat(4000)}`;
    const base = window('2026-09-01T00:00:00Z', '2026-09-02T00:00:00Z');
    const unknown = await forge({ ...base, [long]: 1 });
    expect(unknown).toMatchObject({ status: 422, rule: 'invalid-payload' });
    expect(unknown.errors).toEqual([{ path: '/<a name of 4024 characters>', rule: 'additionalProperties', message: expect.stringContaining('a name of 4024 characters') }]);
    expect(unknown.raw).not.toContain('alice');
    // A repeated member, which JSON.parse would merge silently: named by its length too.
    const body = `{"schemaVersion":1,"${TEXT}":1,"${TEXT}":2}`;
    const signed = await signMessage({ id: `msg_${'0'.repeat(64)}`, timestamp: Math.floor(Date.now() / 1000), body: utf8(body), secrets: [KEY_A] });
    const response = await fetch(`${server.url}/api/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telemetry-customer': 'x', 'x-telemetry-license-id': LICENSE, 'x-telemetry-schema-version': '1', ...signed },
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain('duplicate-key');
    expect(text).not.toContain('alice');
  });
});

describe('the uploader keeps its own promises', () => {
  it('refuses to send to an http:// address of a remote host, and sends nothing', async () => {
    const calls: string[] = [];
    const spy = (async (url: string) => {
      calls.push(url);
      return new Response(null, { status: 201 });
    }) as never;
    const built = await createTelemetryRequest(window('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z'), options());
    if (!built.ok) throw new Error(built.error.message);
    for (const allowHttpLoopback of [false, true]) {
      const sent = await sendTelemetry(built.request, { baseUrl: 'http://telemetry.vendor.example', fetch: spy, allowHttpLoopback });
      expect(sent).toMatchObject({ ok: false, error: { rule: 'https-only', message: expect.stringContaining('https-only') }, attempts: [] });
    }
    expect(await discoverAcceptedVersions({ baseUrl: 'http://telemetry.vendor.example', fetch: spy })).toMatchObject({ ok: false, error: { rule: 'https-only' } });
    const test = await testConnection({ baseUrl: 'http://telemetry.vendor.example', fetch: spy, ...options() });
    expect(test).toMatchObject({ ok: false, diagnosis: 'not-configured', rule: 'https-only' });
    // Loopback without the option is refused too, and the message says how to allow it for development.
    const local = await sendTelemetry(built.request, { baseUrl: server.url, fetch: spy });
    expect(local).toMatchObject({ ok: false, error: { rule: 'https-only', message: expect.stringContaining('allowHttpLoopback: true') } });
    const dir = mkdtempSync(join(tmpdir(), 'telemetry-https-only-'));
    try {
      await expect(openOutbox({ dir, baseUrl: 'http://telemetry.vendor.example', ...options(), fetch: spy })).rejects.toMatchObject({ rule: 'https-only' });
      await expect(openOutbox({ dir, baseUrl: 'http://telemetry.vendor.example', allowHttpLoopback: true, ...options(), fetch: spy })).rejects.toMatchObject({ rule: 'https-only' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(calls).toEqual([]);
    // https: and, asked for by name, loopback http: go out.
    expect(await sendTelemetry(built.request, { baseUrl: 'https://telemetry.vendor.example', fetch: spy })).toMatchObject({ ok: true });
    expect(await sendTelemetry(built.request, { baseUrl: server.url, ...dev })).toMatchObject({ ok: true, status: 201 });
  });

  it('sends a window queued before masking was switched on under the mask, and never in two forms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'telemetry-masking-'));
    const outbox = (env: Record<string, string>) =>
      openOutbox({ dir, ...options({ maskCustomer: undefined }), env, baseUrl: server.url, allowHttpLoopback: true, retries: 0, sleep: async () => {}, delays: () => 0 });
    const named = encodeURIComponent(CUSTOMER);
    const masked = await maskCustomer(CUSTOMER, await deriveMaskKey(KEY_A));
    try {
      // Masking off: one window is delivered, one is tried while the server is busy, one only queued.
      const before = await outbox({});
      const delivered = window('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z');
      expect(await before.enqueue(delivered)).toMatchObject({ ok: true });
      expect(await before.flush()).toMatchObject({ ok: true });
      const busy = await before.enqueue(window('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z'));
      overload.refuseNext(1);
      expect(await before.flush()).toMatchObject({ ok: false, pending: [{ status: 503 }] });
      const queued = await before.enqueue(window('2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z'));
      expect(queued).toMatchObject({ ok: true });

      // The customer asks for masking; the application starts again with it.
      const after = await outbox({ TELEMETRY_MASK_CUSTOMER: '1' });
      // The window already delivered is the same window: not queued again, not sent again under the mask.
      expect(await after.enqueue(delivered)).toMatchObject({ ok: true, duplicate: true, state: 'delivered' });
      const flushed = await after.flush();
      expect(flushed).toMatchObject({ ok: true });
      const key = (start: string, end: string) => dedupeKey(LICENSE, start, end);
      const customerOf = async (start: string, end: string) => (await server.store.get(key(start, end)))?.headers['x-telemetry-customer'];
      expect(await customerOf('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toBe(named);
      // Tried before the switch: it keeps the form it was first sent in.
      expect(await customerOf('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z')).toBe(named);
      // Never sent before the switch: it goes out masked, under the message id of its masked form.
      expect(await customerOf('2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z')).toBe(masked);
      const reformed = (await after.history()).find((e) => e.outcome === 're-formed');
      const maskedId = await messageId(key('2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z'), masked);
      expect(reformed).toMatchObject({ messageId: queued.ok ? queued.messageId : '', rule: 'masking-changed', message: expect.stringContaining(maskedId) });
      expect(flushed.delivered.map((w) => w.messageId)).toEqual([busy.ok ? busy.messageId : '', maskedId]);
      expect((await server.store.get(key('2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z')))?.headers['webhook-id']).toBe(maskedId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fixes the form when a window is written into a bundle, as a first send does: the bundle and a later flush carry one form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'telemetry-masking-export-'));
    const outbox = (env: Record<string, string>) =>
      openOutbox({ dir, ...options({ maskCustomer: undefined }), env, baseUrl: server.url, allowHttpLoopback: true, retries: 0, sleep: async () => {}, delays: () => 0 });
    const masked = await maskCustomer(CUSTOMER, await deriveMaskKey(KEY_A));
    const key = dedupeKey(LICENSE, '2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z');
    try {
      expect(await (await outbox({})).enqueue(window('2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z'))).toMatchObject({ ok: true });
      // Masking is switched on, and the window leaves in a bundle first.
      const exported = await (await outbox({ TELEMETRY_MASK_CUSTOMER: '1' })).exportBundle();
      const maskedId = await messageId(key, masked);
      expect(exported).toMatchObject({ ok: true, windows: [{ messageId: maskedId }] });
      expect(exported.ok && exported.bundle?.windows[0]?.headers['x-telemetry-customer']).toBe(masked);
      // Masking is switched off again before the network comes back: the window keeps the form the bundle carries.
      const again = await outbox({});
      expect(await again.flush()).toMatchObject({ ok: true, delivered: [{ messageId: maskedId, status: 201 }] });
      expect((await server.store.get(key))?.headers['x-telemetry-customer']).toBe(masked);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
