/**
 * The administrator's two questions, asked of a real outbox folder and the
 * example server: `telemetry-outbox show` / `outbox.preview` ("what exactly do
 * you send about us?") and `telemetry-outbox test` / `outbox.testConnection`
 * ("is the connection right?"). Neither prints nor stores a secret or a
 * signature: every output and every file of the folder is searched for them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { sha256, toHex, utf8 } from '../../src/wire/bytes.js';
import { generateSecret } from '../../src/index.js';
import { deriveEncryptionKey } from '../../src/wire/jwe.js';
import { type CliIo, runOutboxCli } from '../../src/outbox/cli.js';
import type { OutboxRecord } from '../../src/outbox.js';
import { countingStore, watchedServer } from './processes.js';
import { CUSTOMER, KEY_A, KEY_B, LICENSE, scratchDir, testOutbox, windowCounts } from './support.js';
import { FIXTURE_SOFTWARE } from '../wire/support.js';

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
function folder() {
  const scratch = scratchDir('admin');
  cleanups.push(scratch.cleanup);
  return scratch.dir;
}

/** Everything the commands printed, for the secret search at the end of each test. */
let printed = '';
async function cli(args: string[], env: Record<string, string | undefined> = {}, now?: () => number): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env, ...(now ? { now } : {}) };
  const code = await runOutboxCli(args, io);
  printed += out + err;
  return { code, out, err };
}

/** Every file under `dir`, as text. */
function folderText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
}

/** The secrets and the signatures the server saw: none may appear in output or folder. */
const signatures: string[] = [];
function expectNothingSecret(...texts: string[]) {
  const haystack = texts.join('\n');
  for (const secret of [KEY_A, KEY_B, KEY_A.slice(6), KEY_B.slice(6), KEY_A.slice(6, 22)]) expect(haystack).not.toContain(secret);
  for (const signature of signatures) {
    expect(haystack).not.toContain(signature);
    for (const entry of signature.split(' ')) expect(haystack).not.toContain(entry.slice(3));
  }
}

const record = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, 'records', `${id}.json`), 'utf8')) as OutboxRecord;

describe('show and preview: what exactly is sent', () => {
  it('shows a delivered, a refused and a waiting window exactly as they travel, and the next one', async () => {
    signatures.length = 0;
    printed = '';
    let calls = 0;
    const srv = await watchedServer({
      answer: (req) => {
        signatures.push(String(req.headers['webhook-signature']));
        // The second window is refused for good; the rest goes to the example server's handler.
        return calls++ === 1 ? { status: 422, body: { error: { rule: 'invalid-payload', message: 'body: no (invalid-payload)' } } } : undefined;
      },
    });
    cleanups.push(srv.close);
    const dir = folder();
    const app = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const queued = await app.enqueue(windowCounts(i));
      if (queued.ok) ids.push(queued.messageId);
    }
    await app.flush();
    const waiting = await app.enqueue(windowCounts(3));
    if (!waiting.ok) throw new Error(waiting.error.message);
    expect(signatures.length).toBe(2);

    const delivered = await cli(['show', ids[0]!, '--dir', dir]);
    const stored = record(dir, ids[0]!);
    expect(delivered.code).toBe(0);
    expect(delivered.out).toBe(
      [
        `message id  ${ids[0]}`,
        'window      2026-01-02T00:00:00Z…2026-01-03T00:00:00Z',
        `state       delivered: delivered ${stored.delivered!.at} (201 stored)`,
        `body        ${stored.bytes} bytes, SHA-256 ${stored.bodySha256}, schema v1`,
        '',
        'POST /api/v1/telemetry',
        'content-type: application/json',
        `webhook-id: ${ids[0]}`,
        'webhook-timestamp: (the Unix time of each attempt)',
        `x-telemetry-customer: ${stored.customer}`,
        `x-telemetry-license-id: ${LICENSE}`,
        'x-telemetry-schema-version: 1',
        'user-agent: telemetry-contract',
        'accept: application/json',
        'accept-language: *',
        'accept-encoding: identity',
        'webhook-signature: (not shown: computed for each attempt from the signing secret)',
        '',
        JSON.stringify(JSON.parse(stored.body), null, 2),
        '',
      ].join('\n'),
    );
    // Masking is on: the customer header is the mask, as sent, and the name appears nowhere.
    expect(stored.customer).toMatch(/^anon-[0-9a-f]{32}-21$/);
    expect(delivered.out).not.toContain(CUSTOMER);
    // The very bytes the server received and stored.
    expect((await srv.store.get(stored.dedupeKey))?.payload).toEqual(JSON.parse(stored.body));

    const raw = await cli(['show', ids[0]!, '--dir', dir, '--raw']);
    expect(raw.out.endsWith(`\n\n${stored.body}`)).toBe(true);
    expect(toHex(sha256(utf8(raw.out.slice(raw.out.lastIndexOf('\n') + 1))))).toBe(stored.bodySha256);

    const refused = await cli(['show', ids[1]!, '--dir', dir]);
    expect(refused.out).toContain(`state       refused: refused ${record(dir, ids[1]!).failure!.at}: 422 invalid-payload: body: no (invalid-payload); telemetry-outbox retry ${ids[1]} once the cause is fixed\n`);

    const next = await cli(['show', '--next', '--dir', dir]);
    expect(next.out).toContain(`message id  ${waiting.messageId}\n`);
    expect(next.out).toContain(`state       waiting: waiting since ${record(dir, waiting.messageId).enqueuedAt}: not sent yet\n`);

    const json = JSON.parse((await cli(['show', ids[0]!, '--dir', dir, '--format', 'json'])).out) as Record<string, unknown>;
    expect(json).toMatchObject({ messageId: ids[0], state: 'delivered', body: stored.body, encrypted: false, headers: { 'webhook-timestamp': null, 'x-telemetry-customer': stored.customer } });
    expect(Object.keys(json['headers'] as object)).not.toContain('webhook-signature');

    await app.flush();
    expect(await cli(['show', '--next', '--dir', dir])).toMatchObject({ code: 0, out: 'no window waits; the next one is queued when the application closes its next window\n' });
    expect(JSON.parse((await cli(['show', '--next', '--dir', dir, '--format', 'json'])).out)).toEqual({ next: null });
    expectNothingSecret(printed, folderText(dir));
  });

  it('refuses an unknown id, a missing one, or an id and --next together, with exit 2', async () => {
    const dir = folder();
    await testOutbox(dir);
    for (const [args, message] of [
      [['show', `msg_${'0'.repeat(64)}`], 'no window with this id'],
      [['show', 'msg_nope'], 'the message id must be msg_ followed by 64 lowercase hex digits'],
      [['show'], 'show takes one message id, or --next'],
      [['show', `msg_${'0'.repeat(64)}`, '--next'], 'show takes one message id, or --next'],
    ] as const) {
      const run = await cli([...args, '--dir', dir]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err, args.join(' ')).toContain(message);
    }
  });

  it('says the body travels encrypted when the application encrypts', async () => {
    const dir = folder();
    const app = await testOutbox(dir, { encrypt: true });
    const queued = await app.enqueue(windowCounts(1));
    if (!queued.ok) throw new Error(queued.error.message);
    const shown = await cli(['show', queued.messageId, '--dir', dir]);
    expect(shown.out).toContain('encrypted   the body travels as a JWE (application/jose), encrypted afresh for each attempt; shown here as it is before encryption\n');
    expect(shown.out).toContain('content-type: application/jose\n');
  });

  it('preview: what enqueue would store and send, nothing stored; a duplicate and a conflict are told', async () => {
    const dir = folder();
    const app = await testOutbox(dir);
    const preview = await app.preview(windowCounts(1));
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview).toMatchObject({ duplicate: false, view: { state: 'preview', headers: { 'content-type': 'application/json', 'x-telemetry-license-id': LICENSE } } });
    expect(JSON.parse(preview.view.body)).toMatchObject({ schemaVersion: 1, featuresUsed: ['audit-log', 'sso'] });
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
    const queued = await app.enqueue(windowCounts(1));
    if (!queued.ok) throw new Error(queued.error.message);
    // The same bytes, the same id: the preview was exactly what enqueue stored.
    expect(queued.messageId).toBe(preview.view.messageId);
    expect(record(dir, queued.messageId).body).toBe(preview.view.body);
    expect(await app.preview(windowCounts(1))).toMatchObject({ ok: true, duplicate: true });
    expect(await app.preview(windowCounts(1, 99))).toMatchObject({ ok: false, error: { rule: 'window-conflict' } });
    expect(await app.preview({ ...windowCounts(2), activeSeats: -1 })).toMatchObject({ ok: false, error: { rule: 'invalid-payload' } });
  });
});

describe('test: is the connection right', () => {
  const { store, stores } = countingStore();
  let encrypting: Awaited<ReturnType<typeof startTelemetryServer>>;
  let gone: string;
  const serverKey = generateSecret(32);
  beforeAll(async () => {
    encrypting = await startTelemetryServer({ store, licenseKeys: new Map([[LICENSE, [{ id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], requireEncryption: true, encryptionKeys: [serverKey, await deriveEncryptionKey(KEY_A)], purgeIntervalMs: 0 });
    const closed = await startTelemetryServer({ store, licenseKeys: new Map([[LICENSE, [{ id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], purgeIntervalMs: 0, knownSoftware: FIXTURE_SOFTWARE });
    gone = closed.url;
    await closed.close();
  });
  afterAll(async () => {
    await encrypting?.close();
  });

  it('each diagnosis has its own exit code: connected 0, unreachable 3, signature refused 4, clock skew 5', async () => {
    printed = '';
    signatures.length = 0;
    // The example server's handler, watched: every probe's signature goes on the list searched for below.
    const watched = await watchedServer({ answer: (req) => void signatures.push(String(req.headers['webhook-signature'])) });
    cleanups.push(watched.close);
    const dir = folder();
    const app = await testOutbox(dir, { baseUrl: watched.url, fetch: undefined });
    const direct = await app.testConnection();
    expect(direct).toMatchObject({ ok: true, diagnosis: 'connected' });

    const ok = await cli(['test', '--dir', dir], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`^connected \\(exit 0\\)\\n  ${watched.url}/api/v1/telemetry: connected in \\d+ ms: the server verified the signature and accepts v1; nothing was stored \\(connected\\)\\n\\naddress     ${watched.url}/api/v1/telemetry\\nanswer      200 in \\d+ ms\\nclock       .+\\nversion     v1 sent; the server accepts 1\\nencryption  off\\n$`));

    const down = await cli(['test', '--dir', dir, '--base-url', gone], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(down.code).toBe(3);
    expect(down.out).toContain(`unreachable (exit 3)\n  ${gone}/api/v1/telemetry: cannot be reached: the connection to 127.0.0.1:${new URL(gone).port} was refused (ECONNREFUSED)`);

    const wrong = await cli(['test', '--dir', dir], { TELEMETRY_SIGNING_SECRETS: KEY_B });
    expect(wrong.code).toBe(4);
    expect(wrong.out).toContain('signature-refused (exit 4)\n');
    expect(wrong.out).toContain('the server refused the signature (license-key-mismatch)');

    const skewed = await cli(['test', '--dir', dir, '--format', 'json'], { TELEMETRY_SIGNING_SECRETS: KEY_A }, () => Date.now() - 3_600_000);
    expect(skewed.code).toBe(5);
    const result = JSON.parse(skewed.out) as { diagnosis: string; clockSkewSeconds: number; message: string };
    expect(result.diagnosis).toBe('clock-skew');
    expect(Math.abs(result.clockSkewSeconds + 3600)).toBeLessThanOrEqual(2);
    expect(result.message).toContain(`this machine's clock is ${-result.clockSkewSeconds} s behind the server's (by its Date header), more than the ±300 s the server allows`);

    const noSecret = await cli(['test', '--dir', dir]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toContain('test needs the signing secret(s): set TELEMETRY_SIGNING_SECRETS or TELEMETRY_SIGNING_SECRETS_FILE');
    expect(stores.size + watched.stores.size).toBe(0);
    expect(signatures.length).toBe(4);
    expectNothingSecret(printed, folderText(dir));
  });

  it('encryption required but off here exits 8; a key that does not match exits 9; the key comes from the environment', async () => {
    printed = '';
    const plain = folder();
    await testOutbox(plain, { baseUrl: encrypting.url, fetch: undefined });
    const off = await cli(['test', '--dir', plain], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(off.code).toBe(8);
    expect(off.out).toContain(`encryption-required (exit 8)\n  ${encrypting.url}/api/v1/telemetry: the server takes encrypted bodies only, and encryption is off here (encryption-required); turn it on (encrypt: true)\n`);

    // The application encrypts with a key of its own; the server holds another.
    const own = generateSecret(32);
    const encrypted = folder();
    await testOutbox(encrypted, { baseUrl: encrypting.url, fetch: undefined, encrypt: true, encryptionKey: own });
    const withoutKey = await cli(['test', '--dir', encrypted], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(withoutKey.code).toBe(2);
    expect(withoutKey.out).toMatch(/^not-configured \(exit 2\)\n  testConnection: encryptionKey \(the application's own, key id [0-9a-f]{16}\) must be known to test the connection/);
    const wrongKey = await cli(['test', '--dir', encrypted], { TELEMETRY_SIGNING_SECRETS: KEY_A, TELEMETRY_ENCRYPTION_KEY: serverKey });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.err).toMatch(/encryptionKey is not the key the application encrypts with \(its key id is [0-9a-f]{16}, this one's [0-9a-f]{16}\)/);
    const mismatch = await cli(['test', '--dir', encrypted], { TELEMETRY_SIGNING_SECRETS: KEY_A, TELEMETRY_ENCRYPTION_KEY: own });
    expect(mismatch.code).toBe(9);
    expect(mismatch.out).toContain('encryption-key-mismatch (exit 9)\n');
    expect(mismatch.out).toContain('(unknown-key-id): the encryption key does not match the server\'s (encryption-key-mismatch)');
    // The command's flush sends as the application does: encrypted, with the key from the environment.
    const app = await testOutbox(folder(), { baseUrl: encrypting.url, fetch: undefined, encrypt: true });
    await app.enqueue(windowCounts(1));
    const flushed = await cli(['flush', '--dir', app.location], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(flushed).toMatchObject({ code: 0, out: 'delivered 1, refused 0, still pending 0\n' });
    expect(stores.size).toBe(1);
    stores.clear();
    // With the server's key the same folder connects.
    const matching = folder();
    await testOutbox(matching, { baseUrl: encrypting.url, fetch: undefined, encrypt: true, encryptionKey: serverKey });
    const good = await cli(['test', '--dir', matching], { TELEMETRY_SIGNING_SECRETS: KEY_A, TELEMETRY_ENCRYPTION_KEY: serverKey });
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/\nencryption  on, key id [0-9a-f]{16}\n$/);
    expect(stores.size).toBe(0);
    for (const key of [own, serverKey]) expect(printed + folderText(encrypted) + folderText(matching)).not.toContain(key.slice(6));
    expectNothingSecret(printed, folderText(plain), folderText(encrypted));
  });
});
