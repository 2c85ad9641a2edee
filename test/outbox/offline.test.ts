/**
 * The outbox without a network, and with one now and then: windows exported
 * into a bundle, uploaded to the example server's bundle route, the signed
 * receipt imported; flushes before, between and after, and failures in the
 * middle of an import. Whatever the order, each window is stored by the
 * server once and ends delivered. Then a window conflict, resolved both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { type OutboxOptions, type OutboxStorage, fileStorage, openOutbox } from '../../src/outbox.js';
import { BUNDLE_MEDIA_TYPE, BUNDLE_PATH, generateReceiptKey } from '../../src/server.js';
import { type PostgresStore, createPostgresStore } from '../../src/store-postgres.js';
import { reportDigest } from '../../src/store/report-digest.js';
import { openPglite } from '../support/databases.js';
import { FIXTURE_SOFTWARE } from '../wire/support.js';
import { CUSTOMER, KEY_A, LICENSE, noWait, scratchDir } from './support.js';
import { dayCounts } from './windows.js';
import { testKeyring } from '../support/keyring.js';

type Server = Awaited<ReturnType<typeof startTelemetryServer>>;
let store: PostgresStore;
let strict: Server;
let lenient: Server;
let receiptKeys: string[];
let close: () => Promise<void>;
const requests: string[] = [];

beforeAll(async () => {
  const db = await openPglite();
  store = createPostgresStore(db, { keyring: testKeyring });
  await store.migrate();
  const key = await generateReceiptKey();
  receiptKeys = [key.publicKey];
  const common = { store, licenseKeys: new Map([[LICENSE, [{ id: 'k1', secret: KEY_A }]]]), acceptedVersions: [1], knownSoftware: FIXTURE_SOFTWARE, receiptKey: key.privateKey, purgeIntervalMs: 0 };
  strict = await startTelemetryServer(common);
  lenient = await startTelemetryServer({ ...common, allowSupersede: true });
  for (const server of [strict, lenient]) server.server.prependListener('request', (req) => void requests.push(`${req.method} ${req.url}`));
  close = async () => {
    await strict.close();
    await lenient.close();
    await db.close();
  };
}, 60_000);
afterAll(() => close?.());

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function folder() {
  const scratch = scratchDir('offline');
  cleanups.push(scratch.cleanup);
  return scratch;
}

const open = (dir: string, server: Server = strict, extra: Partial<OutboxOptions> = {}) =>
  openOutbox({ dir, version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], maskCustomer: true, baseUrl: server.url, allowHttpLoopback: true, receiptKeys, retries: 0, ...noWait, ...extra });
/** What the administrator does at the vendor's upload page with the file: POST it, keep the answer as the receipt. */
async function upload(file: string, server: Server = strict): Promise<unknown> {
  const response = await fetch(`${server.url}${BUNDLE_PATH}`, { method: 'POST', headers: { 'content-type': BUNDLE_MEDIA_TYPE }, body: readFileSync(file) });
  expect(response.status).toBe(200);
  return response.json();
}
const stored = async (i: number) => store.get(`${LICENSE}/${dayCounts(i).periodStart}/${dayCounts(i).periodEnd}`);

describe('offline and online, in any order', () => {
  it('export, upload, import: exactly the windows the receipt names are delivered, and a later flush sends nothing', async () => {
    const { parent, dir } = folder();
    const outbox = await open(dir);
    for (const i of [0, 1, 2]) await outbox.enqueue(dayCounts(i));
    const exported = await outbox.exportBundle({ file: join(parent, 'bundle.json') });
    expect(exported).toMatchObject({ ok: true, left: 0 });
    expect((await outbox.status()).exported).toBe(3);
    // A window queued after the export is not in the bundle, and the receipt does not touch it.
    await outbox.enqueue(dayCounts(3));
    const receipt = await upload(join(parent, 'bundle.json'));
    const imported = await outbox.importReceipt(receipt);
    expect(imported.ok && imported.windows.map((w) => `${w.outcome} ${w.status}`)).toEqual(['delivered 201', 'delivered 201', 'delivered 201']);
    expect(await outbox.status()).toMatchObject({ delivered: 3, pending: 1, exported: 0 });
    const twice = await outbox.importReceipt(receipt);
    expect(twice.ok && twice.windows.map((w) => w.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    requests.length = 0;
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ window: { start: dayCounts(3).periodStart } }] });
    expect(requests).toEqual(['POST /api/v1/telemetry']);
    const log = await outbox.history();
    expect(log.filter((e) => e.outcome === 'delivered' && e.bundleId === (exported.ok ? exported.bundleId : '')).length).toBe(3);
  });

  it('export, then a flush before the bundle arrives, then the upload and the import: stored once, nothing marked twice', async () => {
    const { parent, dir } = folder();
    const outbox = await open(dir);
    for (const i of [10, 11]) await outbox.enqueue(dayCounts(i));
    await outbox.exportBundle({ file: join(parent, 'bundle.json') });
    const flushed = await outbox.flush();
    expect(flushed.delivered.map((w) => w.status)).toEqual([201, 201]);
    const receipt = await upload(join(parent, 'bundle.json'));
    // The server had both from the flush: the bundle stores nothing new.
    expect((receipt as { windows: Array<{ status: number }> }).windows.map((w) => w.status)).toEqual([200, 200]);
    const imported = await outbox.importReceipt(receipt);
    expect(imported.ok && imported.windows.map((w) => w.outcome)).toEqual(['unchanged', 'unchanged']);
    expect((await outbox.history()).filter((e) => e.outcome === 'delivered').length).toBe(2);
    expect((await stored(10))?.payload).toMatchObject({ activeSeats: dayCounts(10).activeSeats });
  });

  it('export, upload, then a flush before the receipt is imported: the server answers 200, the receipt changes nothing', async () => {
    const { parent, dir } = folder();
    const outbox = await open(dir);
    await outbox.enqueue(dayCounts(20));
    await outbox.exportBundle({ file: join(parent, 'bundle.json') });
    const receipt = await upload(join(parent, 'bundle.json'));
    expect((await outbox.flush()).delivered.map((w) => w.status)).toEqual([200]);
    const imported = await outbox.importReceipt(receipt);
    expect(imported.ok && imported.windows[0]).toMatchObject({ outcome: 'unchanged', status: 201 });
    expect(await outbox.health()).toMatchObject({ state: 'healthy' });
  });

  it('an import that fails in the middle (a full disk) leaves the rest waiting; importing again finishes it, nothing logged twice', async () => {
    const { parent, dir } = folder();
    let replaces = 0;
    const files = fileStorage(dir);
    const failing: OutboxStorage = { ...files, location: files.location, replace: async (record) => (++replaces === 8 ? Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' })) : files.replace(record)) };
    await (await open(dir)).enqueue(dayCounts(30)).then(async () => {
      const first = await open(dir);
      for (const i of [31, 32]) await first.enqueue(dayCounts(i));
    });
    const outbox = await open(dir, strict, { storage: failing, dir: undefined });
    await outbox.exportBundle({ file: join(parent, 'bundle.json') });
    const receipt = await upload(join(parent, 'bundle.json'));
    // Replaces 1-3 fixed the windows' customer header (as a first send does), 4-6 marked the export; the eighth, the
    // second window's delivery, fails.
    const broken = await outbox.importReceipt(receipt);
    expect(broken).toMatchObject({ ok: false, error: { rule: 'storage-write' } });
    expect(await outbox.status()).toMatchObject({ delivered: 1, pending: 2 });
    const again = await outbox.importReceipt(receipt);
    expect(again.ok && again.windows.map((w) => w.outcome)).toEqual(['unchanged', 'delivered', 'delivered']);
    const deliveries = (await outbox.history()).filter((e) => e.outcome === 'delivered').map((e) => e.messageId);
    // The failed write's log line came first, as a flush's does; the window was delivered on the second import.
    expect(new Set(deliveries).size).toBe(3);
    expect(deliveries.length).toBe(4);
  });

  it('refuses a receipt someone edited, one for another license, and one without a receipt key to check it; nothing changes', async () => {
    const { parent, dir } = folder();
    const outbox = await open(dir);
    await outbox.enqueue(dayCounts(40));
    await outbox.exportBundle({ file: join(parent, 'bundle.json') });
    const receipt = (await upload(join(parent, 'bundle.json'))) as { windows: Array<{ status: number }> };
    expect(await outbox.importReceipt({ ...receipt, windows: receipt.windows.map((w) => ({ ...w, status: 409 })) })).toMatchObject({ ok: false, error: { rule: 'receipt-forged' } });
    const other = await openOutbox({ dir: join(parent, 'other'), version: 1, licenseId: 'lic-0099', customer: CUSTOMER, signingSecrets: [KEY_A], receiptKeys });
    expect(await other.importReceipt(receipt)).toMatchObject({ ok: false, error: { rule: 'receipt-license-mismatch' } });
    const blind = await openOutbox({ dir: join(parent, 'blind'), version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A] });
    expect(await blind.importReceipt(receipt)).toMatchObject({ ok: false, error: { rule: 'not-configured' } });
    expect(await outbox.status()).toMatchObject({ pending: 1, delivered: 0 });
  });
});

describe('a window conflict', () => {
  /** An outbox whose day-`i` window the server already holds with other counts, refused by a flush, beside a delivered window. */
  async function conflicted(i: number, server: Server) {
    const { dir, parent } = folder();
    const first = await openOutbox({ dir: join(parent, 'first'), version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], maskCustomer: true, baseUrl: server.url, allowHttpLoopback: true, ...noWait });
    await first.enqueue(dayCounts(i, 10));
    await first.flush();
    const outbox = await open(dir, server);
    await outbox.enqueue(dayCounts(i + 1));
    const queued = await outbox.enqueue(dayCounts(i, 11));
    const flushed = await outbox.flush();
    expect(flushed.failed).toMatchObject([{ status: 409, rule: 'window-conflict' }]);
    expect(await outbox.health()).toMatchObject({ state: 'unhealthy', reason: expect.stringContaining('409 window-conflict') });
    return { outbox, messageId: queued.ok ? queued.messageId : '', dir };
  }

  it('is resolved by discarding the local window: the reason is in the log, health recovers, the server keeps its report', async () => {
    const { outbox, messageId } = await conflicted(50, strict);
    expect(await outbox.discard(messageId, { reason: '' })).toMatchObject({ ok: false, error: { rule: 'reason-required' } });
    expect(await outbox.discard(messageId, { reason: 'counted twice by the old agent; CHG-118 reviewed by J. Doe' })).toMatchObject({ ok: true, state: 'discarded' });
    expect(await outbox.health()).toMatchObject({ state: 'healthy' });
    expect(await outbox.status()).toMatchObject({ failed: 0, discarded: 1 });
    expect((await outbox.history())[0]).toMatchObject({ outcome: 'discarded', messageId, reason: 'counted twice by the old agent; CHG-118 reviewed by J. Doe', rule: 'window-conflict' });
    expect((await stored(50))?.payload).toMatchObject({ activeSeats: 10 });
    expect(await outbox.discard(messageId, { reason: 'again' })).toMatchObject({ ok: false, error: { rule: 'not-failed' } });
  });

  it('is resolved by a correction where the server takes them: the stored report is replaced, and both sides record it', async () => {
    const { outbox, messageId } = await conflicted(60, lenient);
    const digest = reportDigest({ schemaVersion: 1, ...dayCounts(60, 10), featuresUsed: ['audit-log', 'sso'] } as never);
    expect((await outbox.status()).failedWindows[0]?.failure).toMatchObject({ storedDigest: digest });
    expect(await outbox.supersede(messageId, { reason: 'seat count fixed after audit AUD-7' })).toMatchObject({ ok: true, state: 'pending', supersedes: digest });
    requests.length = 0;
    const flushed = await outbox.flush();
    expect(flushed).toMatchObject({ ok: true, delivered: [{ messageId, status: 200 }] });
    expect(requests).toEqual(['POST /api/v1/telemetry/bundles']);
    expect(await outbox.health()).toMatchObject({ state: 'healthy' });
    const report = await stored(60);
    expect(report).toMatchObject({ payload: { activeSeats: 11 }, supersessions: [{ previousDigest: digest, keyId: 'k1' }] });
    const log = await outbox.history();
    expect(log.slice(0, 2)).toMatchObject([
      { outcome: 'delivered', messageId, supersedes: digest, status: 200 },
      { outcome: 'requeued', messageId, supersedes: digest, reason: 'seat count fixed after audit AUD-7' },
    ]);
    const shown = await outbox.show(messageId);
    expect(shown.ok && shown.view.stateText).toContain(`superseding the stored report ${digest}`);
  });

  it('stays refused where the server takes no corrections (supersede-refused), and is then discarded', async () => {
    const { outbox, messageId } = await conflicted(70, strict);
    await outbox.supersede(messageId, { reason: 'seat count fixed' });
    const flushed = await outbox.flush();
    expect(flushed.failed).toMatchObject([{ messageId, status: 409, rule: 'supersede-refused' }]);
    expect((await stored(70))?.payload).toMatchObject({ activeSeats: 10 });
    expect(await outbox.supersede(messageId, { reason: 'again' })).toMatchObject({ ok: false, error: { rule: 'not-a-conflict' } });
    await outbox.discard(messageId, { reason: 'the vendor keeps the first report' });
    expect(await outbox.health()).toMatchObject({ state: 'healthy' });
  });
});
