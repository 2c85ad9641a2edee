import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage, openOutbox, type LogEntry, type OutboxRecord } from '../../src/outbox.js';
import { entryOfSend } from '../../src/outbox/transmission-log.js';
import { recordOf } from '../../src/outbox/record.js';
import { verifySignature } from '../../src/wire/verify-signature.js';
import { createTelemetryRequest, deriveMaskKey, maskCustomer } from '../../src/uploader.js';
import { CUSTOMER, KEY_A, KEY_B, LICENSE, noWait, scratchDir, scriptedFetch, stored, testOutbox, windowCounts } from './support.js';
import { FIXTURE_SOFTWARE } from '../wire/support.js';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});
function folder(): string {
  const scratch = scratchDir();
  cleanups.push(scratch.cleanup);
  return scratch.dir;
}

const records = (dir: string): OutboxRecord[] =>
  readdirSync(join(dir, 'records')).map((name) => JSON.parse(readFileSync(join(dir, 'records', name), 'utf8')) as OutboxRecord);
const logLines = (dir: string): LogEntry[] =>
  existsSync(join(dir, 'log.jsonl')) ? readFileSync(join(dir, 'log.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as LogEntry) : [];
const mode = (path: string) => statSync(path).mode & 0o777;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A clock the test moves. */
function clock(start = Date.UTC(2026, 10, 16, 1)) {
  let ms = start;
  return { now: () => ms, advance: (days: number) => void (ms += days * 86_400_000) };
}

describe('enqueue', () => {
  it('stores the window before returning its id: the body as createTelemetryRequest builds it, the masked customer, no secret; files 0600, folders 0700', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    const queued = await outbox.enqueue(windowCounts(1));
    expect(queued).toMatchObject({ ok: true, duplicate: false, state: 'pending', window: { start: '2026-01-02T00:00:00Z', end: '2026-01-03T00:00:00Z' } });
    const built = await createTelemetryRequest(windowCounts(1), { version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], maskCustomer: true });
    if (!built.ok || !queued.ok) throw new Error('building failed');
    expect(queued.messageId).toBe(built.request.messageId);

    const [record] = records(dir);
    expect(record).toMatchObject({
      format: 1,
      messageId: built.request.messageId,
      dedupeKey: built.request.dedupeKey,
      licenseId: LICENSE,
      customer: await maskCustomer(CUSTOMER, await deriveMaskKey(KEY_A)),
      schemaVersion: 1,
      body: text(built.request.body),
      bytes: built.request.body.byteLength,
      state: 'pending',
      attempts: 0,
    });
    const raw = readFileSync(join(dir, 'records', `${queued.messageId}.json`), 'utf8');
    for (const secret of [KEY_A, KEY_A.slice(6), await deriveMaskKey(KEY_A), CUSTOMER, encodeURIComponent(CUSTOMER), 'webhook-signature']) expect(raw).not.toContain(secret);

    expect(mode(dir)).toBe(0o700);
    for (const sub of ['records', 'tmp', 'corrupt']) expect(mode(join(dir, sub)), sub).toBe(0o700);
    expect(mode(join(dir, 'records', `${queued.messageId}.json`))).toBe(0o600);
    expect(mode(join(dir, 'outbox.json'))).toBe(0o600);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('stores the customer name percent-encoded when masking is off: what is stored is what is sent', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir, { maskCustomer: false });
    await outbox.enqueue(windowCounts(1));
    expect(records(dir)[0]!.customer).toBe(encodeURIComponent(CUSTOMER));
  });

  it('refuses invalid counts with the errors createTelemetryRequest gives, and stores nothing', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    const bad = { ...windowCounts(1), activeSeats: -1, userEmail: 'a@b.example' } as unknown as ReturnType<typeof windowCounts>;
    const queued = await outbox.enqueue(bad);
    const built = await createTelemetryRequest(bad, { version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A] });
    expect(queued.ok).toBe(false);
    expect(!queued.ok && queued.error).toEqual(!built.ok && built.error);
    expect(!queued.ok && queued.error.message).not.toContain('a@b.example');
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
  });

  it('changes nothing for the same window with the same bytes', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    const first = await outbox.enqueue(windowCounts(1));
    const before = readFileSync(join(dir, 'records', `${first.ok && first.messageId}.json`), 'utf8');
    // The same counts spelled otherwise: keys in another order, features repeated.
    const again = await outbox.enqueue({ ...(Object.fromEntries(Object.entries(windowCounts(1)).reverse()) as ReturnType<typeof windowCounts>), featuresUsed: ['audit-log', 'sso', 'audit-log'] });
    expect(again).toMatchObject({ ok: true, duplicate: true, messageId: first.ok && first.messageId });
    expect(readdirSync(join(dir, 'records'))).toHaveLength(1);
    expect(readFileSync(join(dir, 'records', `${first.ok && first.messageId}.json`), 'utf8')).toBe(before);
  });

  it('refuses the same window with other counts (window-conflict), pending or delivered, and keeps the first copy', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    const first = await outbox.enqueue(windowCounts(1, 40));
    const conflict = await outbox.enqueue(windowCounts(1, 41));
    expect(conflict).toMatchObject({ ok: false, error: { rule: 'window-conflict', messageId: first.ok && first.messageId } });
    expect(!conflict.ok && conflict.error.message).toMatch(/^lic-0042\/2026-01-02T00:00:00Z\/2026-01-03T00:00:00Z: this window is already in the outbox \(msg_[0-9a-f]{64}, pending since .*\) with other counts \(window-conflict\); the server keeps the first copy/);
    await outbox.flush();
    const afterDelivery = await outbox.enqueue(windowCounts(1, 41));
    expect(!afterDelivery.ok && afterDelivery.error.message).toMatch(/delivered .* with other counts \(window-conflict\)/);
    expect(JSON.parse(records(dir)[0]!.body)).toMatchObject({ activeSeats: 40 });
  });

  it('of two outboxes enqueuing one window with other counts at the same moment, one stores it and the other is refused', async () => {
    const dir = folder();
    const [a, b] = await Promise.all([testOutbox(dir), testOutbox(dir)]);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([a.enqueue(windowCounts(round, 1)), b.enqueue(windowCounts(round, 2))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.rule)).toEqual(['window-conflict']);
    }
    expect(readdirSync(join(dir, 'records'))).toHaveLength(5);
  });

  it('builds windows in the version the application names, or else the one the folder was created with; never in a default', async () => {
    const dir = folder();
    const created = await testOutbox(dir);
    expect(await created.enqueue(windowCounts(1))).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(join(dir, 'outbox.json'), 'utf8'))).toMatchObject({ schemaVersion: 1 });
    // The application's code names no version (or a process that never did, the command): the folder's stays.
    const { version: _, ...unnamed } = { version: 1, dir, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], baseUrl: 'https://telemetry.vendor.example', fetch: scriptedFetch([stored()]).fetch, ...noWait };
    const reopened = await openOutbox(unnamed);
    // @ts-expect-error an outbox opened without a version has no enqueue the types allow: its version is the folder's, unknown to them
    const queued = await reopened.enqueue(windowCounts(2));
    expect(queued).toMatchObject({ ok: true });
    expect(records(dir).map((r) => JSON.parse(r.body).schemaVersion)).toEqual([1, 1]);
    expect(JSON.parse(readFileSync(join(dir, 'outbox.json'), 'utf8'))).toMatchObject({ schemaVersion: 1 });
  });

  it('without a version named or remembered, refuses to build a window and says how to name one', async () => {
    const dir = folder();
    const unnamed = await openOutbox({ dir, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], baseUrl: 'https://telemetry.vendor.example' });
    // @ts-expect-error no version, no counts
    expect(await unnamed.enqueue(windowCounts(1))).toMatchObject({ ok: false, error: { rule: 'version-required', message: expect.stringContaining('as in openOutbox(…, { version: 1, … })') } });
    // @ts-expect-error no version, no counts
    expect(await unnamed.preview(windowCounts(1))).toMatchObject({ ok: false, error: { rule: 'version-required' } });
    expect(await unnamed.testConnection()).toMatchObject({ ok: false, diagnosis: 'not-configured', message: expect.stringContaining('testConnection: version must be known') });
    expect(JSON.parse(readFileSync(join(dir, 'outbox.json'), 'utf8'))).not.toHaveProperty('schemaVersion');
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
  });

  it('says what is missing to build a window, and queues nothing while telemetry is disabled', async () => {
    const dir = folder();
    const reader = await openOutbox({ dir, version: 1 });
    expect(await reader.enqueue(windowCounts(1))).toMatchObject({ ok: false, error: { rule: 'not-configured', message: 'enqueue: licenseId, customer, signingSecrets must be given to openOutbox to build a window (not-configured)' } });
    const off = await testOutbox(dir, { enabled: false });
    expect(await off.enqueue(windowCounts(1))).toMatchObject({ ok: false, error: { rule: 'disabled' } });
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
  });
});

describe('flush', () => {
  it('sends the oldest window first, each with its stored bytes and id and a fresh signature per attempt, and marks them delivered', async () => {
    const dir = folder();
    const time = clock();
    const { fetch, calls } = scriptedFetch([{ status: 503, headers: { 'retry-after': '0' } }, stored()]);
    // Every reading of the clock moves it a second on, so each attempt is signed at its own time.
    const ticking = () => (time.advance(1 / 86_400), time.now());
    const outbox = await testOutbox(dir, { fetch, now: ticking });
    const ids: string[] = [];
    for (const i of [5, 2, 9]) {
      const queued = await outbox.enqueue(windowCounts(i));
      if (queued.ok) ids.push(queued.messageId);
      time.advance(0.01);
    }
    const result = await outbox.flush();
    expect(result).toMatchObject({ ok: true, failed: [], pending: [] });
    expect(result.delivered.map((w) => w.messageId)).toEqual(ids);
    expect(calls.map((c) => c.headers['webhook-id'])).toEqual([ids[0], ids[0], ids[1], ids[2]]);
    const byId = new Map(records(dir).map((r) => [r.messageId, r]));
    for (const call of calls) {
      const record = byId.get(call.headers['webhook-id']!)!;
      expect(text(call.body)).toBe(record.body);
      expect(call.headers['x-telemetry-customer']).toBe(record.customer);
      const verified = await verifySignature(call.headers, call.body, { keys: [{ id: 'a', secret: KEY_A }], now: ticking });
      expect(verified.ok).toBe(true);
    }
    expect(calls[1]!.headers['webhook-timestamp']).not.toBe(calls[0]!.headers['webhook-timestamp']);
    expect(calls[1]!.headers['webhook-signature']).not.toBe(calls[0]!.headers['webhook-signature']);
    expect(records(dir).map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(byId.get(ids[0]!)!.attempts).toBe(2);
  });

  it('with encrypt, keeps the JSON it built and sends it as a JWE, encrypted afresh by every flush, which ingest reads', async () => {
    const dir = folder();
    const { fetch, calls } = scriptedFetch([{ status: 503 }, { status: 503 }, stored()]);
    const outbox = await testOutbox(dir, { fetch, encrypt: true, retries: 1 });
    const queued = await outbox.enqueue(windowCounts(1));
    expect(await outbox.enqueue(windowCounts(1))).toMatchObject({ ok: true, duplicate: true });
    expect(await outbox.flush()).toMatchObject({ ok: false, pending: [{ messageId: queued.ok && queued.messageId }] });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ messageId: queued.ok && queued.messageId }] });
    const [record] = records(dir);
    expect(JSON.parse(record!.body)).toMatchObject({ schemaVersion: 1 });
    expect(calls.map((c) => c.headers['content-type'])).toEqual(['application/jose', 'application/jose', 'application/jose']);
    const iv = (i: number) => text(calls[i]!.body).split('.')[2];
    // A retry within one flush resends the same bytes; the next flush encrypts again, with a new IV.
    expect(iv(1)).toBe(iv(0));
    expect(iv(2)).not.toBe(iv(0));
    const { ingest } = await import('../../src/server.js');
    const received = await ingest({ headers: calls[2]!.headers, body: calls[2]!.body }, { licenseKeys: new Map([[LICENSE, [{ id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], knownSoftware: FIXTURE_SOFTWARE });
    expect(received).toMatchObject({ ok: true, encrypted: true, payload: JSON.parse(record!.body) });
    await expect(testOutbox(folder(), { encryptionKey: `whsec_${Buffer.alloc(48).toString('base64')}` })).rejects.toThrow(/^openOutbox: encryptionKey must hold exactly 32 bytes/);
  });

  it('after a restart, an outbox opened with only the secrets and the server address sends the stored window, masked as it was built', async () => {
    const dir = folder();
    const writer = await testOutbox(dir, { fetch: scriptedFetch([new TypeError('fetch failed')]).fetch, retries: 0 });
    await writer.enqueue(windowCounts(1));
    expect((await writer.flush()).pending).toHaveLength(1);
    const { fetch, calls } = scriptedFetch([stored()]);
    // Rotated secrets: the new one first, the old one still signing.
    const restarted = await openOutbox({ dir, signingSecrets: [KEY_B, KEY_A], fetch, ...noWait });
    expect(await restarted.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
    const [record] = records(dir);
    expect(text(calls[0]!.body)).toBe(record!.body);
    expect(calls[0]!.headers['x-telemetry-customer']).toBe(await maskCustomer(CUSTOMER, await deriveMaskKey(KEY_A)));
    expect(calls[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(calls[0]!.url).toBe('https://telemetry.vendor.example/api/v1/telemetry');
  });

  it('moves a window the server refuses for good (422) to the failed list, with status, rule and message, and goes on with the next', async () => {
    const dir = folder();
    const { fetch } = scriptedFetch((call, i) => (i === 0 ? { status: 422, body: { error: { rule: 'invalid-payload', message: '/activeSeats: too many (invalid-payload)' } } } : stored()));
    const outbox = await testOutbox(dir, { fetch });
    await outbox.enqueue(windowCounts(1));
    await outbox.enqueue(windowCounts(2));
    const result = await outbox.flush();
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual([expect.objectContaining({ status: 422, rule: 'invalid-payload', message: '/activeSeats: too many (invalid-payload)' })]);
    expect(result.delivered).toHaveLength(1);
    const status = await outbox.status();
    expect(status).toMatchObject({ pending: 0, failed: 1, delivered: 1 });
    expect(status.failedWindows[0]!.failure).toMatchObject({ status: 422, rule: 'invalid-payload' });
  });

  it('treats 409 window-conflict as final: the window is failed, sent once, and the transmission log says why', async () => {
    const dir = folder();
    const message = 'lic-0042/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z: this window is already stored with another body; a window is reported once (window-conflict)';
    const { fetch, calls } = scriptedFetch((_call, i) => (i === 0 ? { status: 409, body: { error: { rule: 'window-conflict', message } } } : stored()));
    const outbox = await testOutbox(dir, { fetch, retries: 5 });
    await outbox.enqueue(windowCounts(1));
    await outbox.enqueue(windowCounts(2));
    const result = await outbox.flush();
    expect(result.failed).toEqual([expect.objectContaining({ status: 409, rule: 'window-conflict', message })]);
    expect(result.delivered).toHaveLength(1);
    expect(calls).toHaveLength(2);
    const [entry] = (await outbox.history()).filter((e) => e.outcome === 'failed');
    expect(entry).toMatchObject({ outcome: 'failed', status: 409, rule: 'window-conflict', message, attempts: [{ status: 409, rule: 'window-conflict' }] });
    // Not sent again by the next flush: a conflict does not go away by waiting.
    await outbox.flush();
    expect(calls).toHaveLength(2);
  });

  it('keeps windows pending when the credentials or the address are wrong (401, 404), and stops the round', async () => {
    for (const [status, rule] of [[401, 'license-key-mismatch'], [404, 'not-found']] as const) {
      const dir = folder();
      const { fetch, calls } = scriptedFetch([{ status, body: { error: { rule, message: `x (${rule})` } } }]);
      const outbox = await testOutbox(dir, { fetch });
      await outbox.enqueue(windowCounts(1));
      await outbox.enqueue(windowCounts(2));
      const result = await outbox.flush();
      expect(result.failed).toEqual([]);
      expect(result.pending.map((w) => w.rule)).toEqual([rule, 'not-tried']);
      expect(calls).toHaveLength(1);
      expect((await outbox.status()).pending).toBe(2);
    }
  });

  it('keeps a window pending when no answer comes, stops the round, and delivers it on the next flush', async () => {
    const dir = folder();
    let down = true;
    const { fetch, calls } = scriptedFetch(() => (down ? new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }) : stored()));
    const outbox = await testOutbox(dir, { fetch, retries: 2 });
    await outbox.enqueue(windowCounts(1));
    await outbox.enqueue(windowCounts(2));
    const first = await outbox.flush();
    expect(first).toMatchObject({ ok: false, delivered: [], failed: [] });
    expect(first.pending.map((w) => w.rule)).toEqual(['retries-exhausted', 'not-tried']);
    expect(calls).toHaveLength(3);
    expect(records(dir).map((r) => [r.state, r.attempts])).toEqual(expect.arrayContaining([['pending', 3], ['pending', 0]]));
    down = false;
    expect(await outbox.flush()).toMatchObject({ ok: true, pending: [] });
    expect(records(dir).every((r) => r.state === 'delivered')).toBe(true);
  });

  it('does not let a window that keeps getting 500 hold back the next one', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir, { fetch: scriptedFetch((call) => (call.body.length > 0 && text(call.body).includes('"activeSeats":1,') ? { status: 500 } : stored())).fetch, retries: 1 });
    await outbox.enqueue(windowCounts(1, 1));
    await outbox.enqueue(windowCounts(2, 2));
    const result = await outbox.flush();
    expect(result.pending.map((w) => [w.status, w.rule])).toEqual([[500, 'retries-exhausted']]);
    expect(result.delivered).toHaveLength(1);
  });

  it('runs two flush() calls of one outbox one after the other: each window is sent once', async () => {
    const dir = folder();
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const outbox = await testOutbox(dir, {
      fetch: async (_url, init) => {
        inFlight++;
        most = Math.max(most, inFlight);
        seen.push(init.headers['webhook-id']!);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return new Response('{}', { status: 201 });
      },
    });
    for (let i = 0; i < 4; i++) await outbox.enqueue(windowCounts(i));
    const [a, b] = await Promise.all([outbox.flush(), outbox.flush()]);
    expect(a.delivered).toHaveLength(4);
    expect(b).toMatchObject({ ok: true, delivered: [] });
    expect(new Set(seen).size).toBe(seen.length);
    expect(most).toBe(1);
  });

  it('returns busy and sends nothing while another process holds the lock', async () => {
    const dir = folder();
    const { fetch, calls } = scriptedFetch([stored()]);
    const outbox = await testOutbox(dir, { fetch });
    await outbox.enqueue(windowCounts(1));
    const held = await fileStorage(dir).lock();
    if (!held.ok) throw new Error('lock not taken');
    const result = await outbox.flush();
    expect(result).toMatchObject({ ok: false, error: { rule: 'busy', holder: { pid: process.pid, host: hostname() } } });
    expect(result.error?.message).toMatch(/: another flush is running \(process \d+ on .* since .*\) \(busy\)/);
    expect(calls).toHaveLength(0);
    await held.lock.release();
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
  });

  it('takes over a lock left by a killed process instead of waiting for it', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    await outbox.enqueue(windowCounts(1));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'flush.lock'), JSON.stringify({ pid: Number(gone.stdout), host: hostname(), token: 'dead', since: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
    expect(existsSync(join(dir, 'flush.lock'))).toBe(false);
  });

  it('takes over a lock whose holder stopped refreshing it for lockStaleMs, even when a process with its id lives', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir, { lockStaleMs: 1000 });
    await outbox.enqueue(windowCounts(1));
    writeFileSync(join(dir, 'flush.lock'), JSON.stringify({ pid: process.pid, host: 'another-host', token: 'old', since: '2026-01-01T00:00:00.000Z' }));
    expect(await outbox.flush()).toMatchObject({ ok: false, error: { rule: 'busy' } });
    const past = new Date(Date.now() - 5000);
    utimesSync(join(dir, 'flush.lock'), past, past);
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
  });

  it('says what is missing to send', async () => {
    const dir = folder();
    const outbox = await openOutbox({ dir });
    expect(await outbox.flush()).toMatchObject({ ok: false, error: { rule: 'not-configured', message: 'flush: baseUrl and signingSecrets must be given to send (not-configured)' } });
  });
});

describe('the transmission log', () => {
  it('is JSON Lines: time, message id, window, outcome, status, bytes, attempts with status and rule; never a secret, a signature, a header value or the body', async () => {
    const dir = folder();
    const { fetch, calls } = scriptedFetch([{ status: 503, body: { error: { rule: 'unavailable', message: 'busy (unavailable)' } } }, stored()]);
    const outbox = await testOutbox(dir, { fetch });
    const queued = await outbox.enqueue(windowCounts(1));
    await outbox.flush();
    const [entry] = logLines(dir);
    expect(entry).toEqual({
      time: expect.any(String),
      messageId: queued.ok && queued.messageId,
      window: { start: '2026-01-02T00:00:00Z', end: '2026-01-03T00:00:00Z' },
      outcome: 'delivered',
      status: 201,
      bytes: records(dir)[0]!.bytes,
      schemaVersion: 1,
      attempts: [
        { at: expect.any(String), status: 503, rule: 'unavailable', schemaVersion: 1 },
        { at: expect.any(String), status: 201, schemaVersion: 1 },
      ],
    });
    const raw = readFileSync(join(dir, 'log.jsonl'), 'utf8');
    for (const secret of [KEY_A, KEY_A.slice(6), CUSTOMER, records(dir)[0]!.customer, records(dir)[0]!.body, '"activeSeats"', ...calls.map((c) => c.headers['webhook-signature']!)]) {
      expect(raw).not.toContain(secret);
    }
  });

  it('records the version sent, a projection and a deprecation the server announced', async () => {
    const dir = folder();
    const { fetch } = scriptedFetch([{ status: 201, headers: { deprecation: '@1796083200', sunset: 'Mon, 31 May 2027 00:00:00 GMT' }, body: {} }]);
    const outbox = await testOutbox(dir, { fetch });
    await outbox.enqueue(windowCounts(1));
    await outbox.flush();
    expect(logLines(dir)[0]).toMatchObject({ schemaVersion: 1, deprecation: { version: 1, deprecatedAt: '2026-12-01T00:00:00.000Z', sunset: '2027-05-31T00:00:00.000Z' } });
    expect(records(dir)[0]!.delivered).toMatchObject({ status: 201, schemaVersion: 1, deprecation: { version: 1 } });
    // This package knows one version; a projection comes from sendTelemetry as it would for a v2 report sent as v1.
    const built = await createTelemetryRequest(windowCounts(2), { version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A] });
    if (!built.ok) throw new Error(built.error.message);
    const projected = entryOfSend(recordOf(built.request, '2026-11-16T00:00:00.000Z'), {
      ok: true,
      status: 201,
      schemaVersion: 1,
      projection: { from: 2, to: 1, dropped: ['environmentPairs'] },
      attempts: [
        { attempt: 1, at: '2026-11-16T00:00:00.000Z', timestamp: 1, schemaVersion: 2, status: 422, rule: 'unsupported-version', error: 'no', projectedTo: 1 },
        { attempt: 2, at: '2026-11-16T00:00:01.000Z', timestamp: 2, schemaVersion: 1, status: 201 },
      ],
    }, 'delivered', '2026-11-16T00:00:01.000Z');
    expect(projected).toMatchObject({ schemaVersion: 1, projection: { from: 2, to: 1, dropped: ['environmentPairs'] }, attempts: [{ status: 422, rule: 'unsupported-version', schemaVersion: 2, projectedTo: 1 }, { status: 201, schemaVersion: 1 }] });
    expect(JSON.stringify(projected)).not.toContain('timestamp');
  });

  it('history reads it newest first, from `since` on, at most `limit` entries', async () => {
    const dir = folder();
    const time = clock();
    const outbox = await testOutbox(dir, { now: time.now });
    for (let i = 0; i < 5; i++) {
      await outbox.enqueue(windowCounts(i));
      await outbox.flush();
      time.advance(1);
    }
    const all = await outbox.history();
    expect(all.map((e) => e.window.start)).toEqual(['2026-01-05T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-03T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z']);
    expect((await outbox.history({ limit: 2 })).map((e) => e.window.start)).toEqual(['2026-01-05T00:00:00Z', '2026-01-04T00:00:00Z']);
    expect(await outbox.history({ since: new Date(time.now() - 2.5 * 86_400_000) })).toHaveLength(2);
    await expect(outbox.history({ limit: 0 })).rejects.toThrow('history: limit must be a positive integer, got 0 (invalid-option)');
  });
});

describe('retry', () => {
  it('puts a refused window back; the log says so; the next flush delivers it', async () => {
    const dir = folder();
    let refuse = true;
    const outbox = await testOutbox(dir, { fetch: scriptedFetch(() => (refuse ? { status: 422, body: { error: { rule: 'invalid-payload', message: 'no (invalid-payload)' } } } : stored())).fetch });
    const queued = await outbox.enqueue(windowCounts(1));
    if (!queued.ok) throw new Error('not queued');
    await outbox.flush();
    refuse = false;
    expect(await outbox.retry(queued.messageId)).toEqual({ ok: true, messageId: queued.messageId, window: queued.window, state: 'pending' });
    expect(logLines(dir).map((e) => e.outcome)).toEqual(['failed', 'requeued']);
    expect(records(dir)[0]).toMatchObject({ state: 'pending', lastError: { status: 422, rule: 'invalid-payload' } });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ messageId: queued.messageId }] });
  });

  it('says so for an unknown id and for a delivered window', async () => {
    const dir = folder();
    const outbox = await testOutbox(dir);
    const queued = await outbox.enqueue(windowCounts(1));
    await outbox.flush();
    const unknown = `msg_${'0'.repeat(64)}`;
    expect(await outbox.retry(unknown)).toMatchObject({ ok: false, error: { rule: 'unknown-window', message: `${unknown}: no window with this id in ${dir} (unknown-window)` } });
    expect(await outbox.retry(queued.ok ? queued.messageId : '')).toMatchObject({ ok: false, error: { rule: 'not-failed' } });
    expect(await outbox.retry('42')).toMatchObject({ ok: false, error: { rule: 'unknown-window' } });
  });
});

describe('retention and status', () => {
  it('purges log entries and delivered windows older than retentionDays, on open and on flush; waiting and refused windows stay', async () => {
    const dir = folder();
    const time = clock();
    let refuse = true;
    const fetch = scriptedFetch(() => (refuse ? { status: 422, body: { error: { rule: 'invalid-payload', message: 'no' } } } : stored())).fetch;
    const outbox = await testOutbox(dir, { now: time.now, retentionDays: 7, fetch });
    await outbox.enqueue(windowCounts(1));
    await outbox.flush(); // refused
    refuse = false;
    await outbox.enqueue(windowCounts(2));
    await outbox.flush(); // delivered
    time.advance(6);
    await outbox.enqueue(windowCounts(3)); // stays pending
    expect(await outbox.status()).toMatchObject({ pending: 1, failed: 1, delivered: 1 });

    time.advance(2);
    const reopened = await testOutbox(dir, { now: time.now, retentionDays: 7, fetch: scriptedFetch([new TypeError('fetch failed')]).fetch, retries: 0 });
    expect(reopened.opened.purged).toEqual({ records: 1, logEntries: 2 });
    expect(await reopened.status()).toMatchObject({ pending: 1, failed: 1, delivered: 0 });

    await reopened.flush();
    time.advance(8);
    const later = await testOutbox(dir, { now: time.now, retentionDays: 7, fetch: scriptedFetch([new TypeError('fetch failed')]).fetch, retries: 0, saveSettings: false });
    expect(later.opened.purged.logEntries).toBe(1);
    expect(await later.status()).toMatchObject({ pending: 1, failed: 1 });
  });

  it('refuses a retention other than 7, 30, 90 or 365 days, and other bad options, with the option named', async () => {
    const dir = folder();
    await expect(testOutbox(dir, { retentionDays: 14 as 7 })).rejects.toThrow('openOutbox: retentionDays must be one of 7, 30, 90, 365, got 14 (invalid-option)');
    await expect(testOutbox(dir, { signingSecrets: ['nope'] })).rejects.toThrow('openOutbox: signingSecrets must be "whsec_" followed by base64, got a string without the prefix (secret-format) (invalid-option)');
    await expect(testOutbox(dir, { baseUrl: 'https://user:hunter2@telemetry.example' })).rejects.toThrow(/baseUrl: must not carry a user name or password/);
    await expect(openOutbox({ licenseId: LICENSE } as never)).rejects.toThrow('openOutbox: dir or storage: give exactly one, where the outbox keeps its windows (invalid-option)');
  });

  it('keeps the settings the application opened it with in outbox.json, without a secret', async () => {
    const dir = folder();
    await testOutbox(dir, { retentionDays: 90, signingSecrets: [KEY_A, KEY_B] });
    const settings = JSON.parse(readFileSync(join(dir, 'outbox.json'), 'utf8')) as Record<string, unknown>;
    // The customer header as sent: the mask, since the test outbox masks; the command's connection test sends it.
    expect(settings).toEqual({
      baseUrl: 'https://telemetry.vendor.example',
      // The test outbox allows loopback http: for its local servers; the command may then use it too.
      allowHttpLoopback: true,
      retentionDays: 90,
      maxPending: 1000,
      enabled: true,
      signingKeys: 2,
      licenseId: LICENSE,
      customerHeader: expect.stringMatching(/^anon-[0-9a-f]{32}-\d+$/),
      schemaVersion: 1,
    });
    for (const secret of [KEY_A, KEY_B]) expect(readFileSync(join(dir, 'outbox.json'), 'utf8')).not.toContain(secret.slice(6));
    const reader = await openOutbox({ dir });
    expect(await reader.status()).toMatchObject({ retentionDays: 90, baseUrl: 'https://telemetry.vendor.example' });
  });

  it('tightens an existing folder to 0700', async () => {
    const dir = folder();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await testOutbox(dir);
    expect(mode(dir)).toBe(0o700);
  });
});
