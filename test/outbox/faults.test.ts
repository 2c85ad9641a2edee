/**
 * Faults an on-prem installation meets: a folder the uploader cannot write,
 * a damaged record, a full queue, a server that fails once, a server that
 * refuses. Each has a documented outcome and a message that says what to do,
 * and nothing already queued is lost.
 */
import { chmodSync, chownSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EnqueueResult, type FlushResult, type OutboxStatus, openOutbox } from '../../src/outbox.js';
import { KEY_A, scratchDir, testOutbox, windowCounts } from './support.js';
import { bundleChild, results, runChild, watchedServer } from './processes.js';

let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  child = await bundleChild();
});
afterAll(() => child?.cleanup());

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
function folder(): { parent: string; dir: string } {
  const scratch = scratchDir('faults');
  cleanups.push(scratch.cleanup);
  return scratch;
}
async function server(options: Parameters<typeof watchedServer>[0] = {}) {
  const running = await watchedServer(options);
  cleanups.push(running.close);
  return running;
}

/** Every file and folder under `root`, the root included. */
function tree(root: string): string[] {
  return [root, ...(readdirSync(root, { recursive: true }) as string[]).map((name) => join(root, name))];
}

const NOBODY = 65534;

describe('a folder the uploader can read but not write', () => {
  it('refuses to enqueue and to flush with storage-write and a fix, still reports status, and loses nothing', async () => {
    const { parent, dir } = folder();
    const srv = await server();
    const writer = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    for (const i of [1, 2]) await writer.enqueue(windowCounts(i));
    const before = readdirSync(join(dir, 'records')).map((name) => readFileSync(join(dir, 'records', name), 'utf8'));

    // Root writes anywhere: then the uploader runs as nobody, on a folder root owns and others may only read.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(parent, 0o755);
      for (const path of tree(dir)) chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
    } else {
      for (const path of tree(dir)) if (statSync(path).isDirectory()) chmodSync(path, 0o500);
    }
    cleanups.push(() => {
      for (const path of tree(dir)) if (statSync(path).isDirectory()) chmodSync(path, 0o700);
    });
    const as = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const config = { dir, secret: KEY_A, baseUrl: srv.url };

    const enqueue = runChild(child.file, 'enqueue', { ...config, windows: [3] }, as);
    await enqueue.exited;
    const [queued] = results<EnqueueResult>(enqueue);
    expect(queued).toMatchObject({ ok: false, error: { rule: 'storage-write' } });
    expect(!queued!.ok && queued!.error.message).toBe(`${dir}: cannot write the outbox: permission denied, EACCES (storage-write); make it writable for the user the uploader runs as. Windows already queued are kept`);

    const flush = runChild(child.file, 'flush', config, as);
    await flush.exited;
    const [flushed] = results<FlushResult>(flush);
    expect(flushed).toMatchObject({ ok: false, delivered: [], error: { rule: 'storage-write' } });
    expect(srv.requests()).toBe(0);

    const status = runChild(child.file, 'status', config, as);
    await status.exited;
    expect(results<OutboxStatus>(status)[0]).toMatchObject({ pending: 2, failed: 0 });

    expect(readdirSync(join(dir, 'records')).map((name) => readFileSync(join(dir, 'records', name), 'utf8'))).toEqual(before);
    for (const path of tree(dir)) if (statSync(path).isDirectory()) chmodSync(path, 0o700);
    if (asRoot) for (const path of tree(dir)) chownSync(path, 0, 0);
    const healed = await openOutbox({ dir, signingSecrets: [KEY_A], baseUrl: srv.url, allowHttpLoopback: true });
    expect(await healed.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }, { status: 201 }] });
  });
});

describe('a record file cut short', () => {
  it('is set aside in corrupt/ with a message naming it, counts against health, and the other windows are sent', async () => {
    const { dir } = folder();
    const srv = await server();
    const outbox = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    const ids: string[] = [];
    for (const i of [1, 2, 3]) {
      const queued = await outbox.enqueue(windowCounts(i));
      if (queued.ok) ids.push(queued.messageId);
    }
    const damaged = join(dir, 'records', `${ids[1]}.json`);
    truncateSync(damaged, Math.floor(statSync(damaged).size / 2));

    const reopened = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    expect(reopened.opened.setAside).toEqual([`${ids[1]}.json`]);
    const [kept] = readdirSync(join(dir, 'corrupt'));
    expect(kept).toMatch(new RegExp(`^\\d{8}T\\d{9}Z-${ids[1]}\\.json$`));
    const status = await reopened.status();
    expect(status).toMatchObject({ pending: 2, unreadable: 1 });
    expect(status.unreadableRecords).toEqual([{ name: `corrupt/${kept}`, message: `corrupt/${kept}: is not valid JSON (cut short?) (record-corrupt)` }]);
    expect(await reopened.health()).toMatchObject({ state: 'unhealthy', reason: expect.stringContaining('1 record file could not be read (set aside in corrupt/') });

    expect(await reopened.flush()).toMatchObject({ ok: true, delivered: [{ messageId: ids[0] }, { messageId: ids[2] }] });
    // The window of the damaged record can be queued again from its source.
    expect(await reopened.enqueue(windowCounts(2))).toMatchObject({ ok: true, duplicate: false, messageId: ids[1] });
  });

  it('a damaged record met by enqueue is set aside, and the window is stored afresh', async () => {
    const { dir } = folder();
    const outbox = await testOutbox(dir);
    const queued = await outbox.enqueue(windowCounts(1));
    writeFileSync(join(dir, 'records', `${queued.ok && queued.messageId}.json`), '{"format":1,"messageId":');
    expect(await outbox.enqueue(windowCounts(1))).toMatchObject({ ok: true, duplicate: false });
    expect(readdirSync(join(dir, 'corrupt'))).toHaveLength(1);
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ messageId: queued.ok && queued.messageId }] });
  });

  it('a record whose body no longer matches its digest is not sent', async () => {
    const { dir } = folder();
    const outbox = await testOutbox(dir);
    const queued = await outbox.enqueue(windowCounts(1));
    const file = join(dir, 'records', `${queued.ok && queued.messageId}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('\\"activeSeats\\":41', '\\"activeSeats\\":4100'));
    const reopened = await testOutbox(dir);
    expect((await reopened.status()).unreadableRecords[0]!.message).toMatch(/: has a body that does not match its SHA-256 \(record-corrupt\)$/);
    expect(await reopened.flush()).toMatchObject({ ok: true, delivered: [] });
  });
});

describe('a full queue', () => {
  it('refuses a new window with queue-full once maxPending windows wait, keeps those, and takes new ones after a flush', async () => {
    const { dir } = folder();
    const outbox = await testOutbox(dir, { maxPending: 3 });
    for (const i of [1, 2, 3]) expect(await outbox.enqueue(windowCounts(i))).toMatchObject({ ok: true });
    const full = await outbox.enqueue(windowCounts(4));
    expect(full).toMatchObject({ ok: false, error: { rule: 'queue-full' } });
    expect(!full.ok && full.error.message).toBe(`${dir}: 3 windows already wait, pending or refused, the limit (queue-full); nothing was added. Flush (is the server reachable?), retry or inspect refused windows, or raise maxPending`);
    // A window already queued is still a no-op, not a refusal.
    expect(await outbox.enqueue(windowCounts(2))).toMatchObject({ ok: true, duplicate: true });
    expect(readdirSync(join(dir, 'records'))).toHaveLength(3);
    expect(await outbox.flush()).toMatchObject({ ok: true });
    expect(await outbox.enqueue(windowCounts(4))).toMatchObject({ ok: true, duplicate: false });
  });
});

describe('a server that fails', () => {
  const internal = { status: 500, body: { error: { rule: 'internal', message: 'server: internal error (internal)' } } };

  it('500 then 201: delivered within one flush, both attempts in the log', async () => {
    const { dir } = folder();
    const srv = await server({ answer: (_req, i) => (i === 0 ? internal : undefined) });
    const outbox = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined, retries: 1 });
    await outbox.enqueue(windowCounts(1));
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
    const [entry] = await outbox.history();
    expect(entry).toMatchObject({ outcome: 'delivered', status: 201, attempts: [{ status: 500, rule: 'internal' }, { status: 201 }] });
  });

  it('500 with no retry left: the window stays pending with the reason, and the next flush delivers it', async () => {
    const { dir } = folder();
    const srv = await server({ answer: (_req, i) => (i === 0 ? internal : undefined) });
    const outbox = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined, retries: 0 });
    await outbox.enqueue(windowCounts(1));
    const first = await outbox.flush();
    expect(first).toMatchObject({ ok: false, pending: [{ status: 500, rule: 'retries-exhausted' }] });
    expect(first.pending[0]!.message).toBe('send: gave up after 1 attempt; the last failed with internal; the window is kept and sent again next time (retries-exhausted)');
    expect(await outbox.health()).toMatchObject({ state: 'unhealthy', reason: expect.stringContaining('the last transmission (less than a minute ago) failed: send: gave up after 1 attempt') });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
    expect((await outbox.history()).map((e) => [e.outcome, e.status])).toEqual([['delivered', 201], ['pending', 500]]);
    expect((await outbox.health()).state).toBe('healthy');
    expect(srv.stores.size).toBe(1);
  });

  it('422: the window moves to the failed list with the server\'s rule and message, stays there intact, and retry sends it once fixed', async () => {
    const { dir } = folder();
    let refusing = true;
    const refusal = { status: 422, body: { error: { rule: 'invalid-payload', message: '/activeSeats: must be <= 10, got the integer 41 (maximum)' } } };
    const srv = await server({ answer: () => (refusing ? refusal : undefined) });
    const outbox = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    const queued = await outbox.enqueue(windowCounts(1));
    if (!queued.ok) throw new Error('not queued');
    const body = JSON.parse(readFileSync(join(dir, 'records', `${queued.messageId}.json`), 'utf8')).body as string;
    expect(await outbox.flush()).toMatchObject({ ok: false, failed: [{ status: 422, rule: 'invalid-payload', message: '/activeSeats: must be <= 10, got the integer 41 (maximum)' }] });
    expect(srv.requests()).toBe(1);
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [], failed: [] });
    expect(srv.requests()).toBe(1);
    const status = await outbox.status();
    expect(status.failedWindows).toEqual([{ messageId: queued.messageId, window: queued.window, failure: expect.objectContaining({ status: 422, rule: 'invalid-payload' }) }]);
    expect(await outbox.health()).toMatchObject({ state: 'unhealthy', reason: '1 window refused by the server (the last: 422 invalid-payload); fix the cause, then retry it (telemetry-outbox retry)' });
    refusing = false;
    expect(await outbox.retry(queued.messageId)).toMatchObject({ ok: true });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ messageId: queued.messageId, status: 201 }] });
    expect(JSON.stringify((await srv.store.get(`lic-0042/${queued.window.start}/${queued.window.end}`))!.payload)).toBe(body);
  });
});
