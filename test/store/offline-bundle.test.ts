/**
 * Offline bundles onto a real store, as a site lives it. A license has a
 * window stored already: the host the site had before sent it online. Its new
 * host is air-gapped; its outbox queues weekly windows, the first of which
 * overlaps the stored one, and the operator carries them across with
 * `telemetry-outbox export`, uploads the file to the example server's bundle
 * route, and brings the receipt back with `telemetry-outbox import-receipt`.
 * A bundle made by hand carries what the outbox never queues: two windows
 * that overlap each other. The server runs as its own process, on a PGlite
 * folder (its default) and on the throwaway PostgreSQL server; its rows are
 * read back once it has stopped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportResult, openOutbox } from '../../src/outbox.js';
import { runOutboxCli } from '../../src/outbox/cli.js';
import { BUNDLE_MEDIA_TYPE, BUNDLE_PATH, type ReceiptDocument, generateReceiptKey } from '../../src/server.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import type { QueryClient } from '../../src/store/database.js';
import { type TelemetryCounts, sendTelemetry } from '../../src/uploader.js';
import { serializeBundle } from '../../src/wire/bundle.js';
import { freshDatabase, openPglite, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { handMadeBundle } from '../support/hand-made-bundle.js';
import { TEST_KEK, testKeyring } from '../support/keyring.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { built, counts, license } from '../wire/support.js';

const LICENSE = license().licenseId;
const NAME = license().legalEntity;

/** A window of the license from one UTC midnight to another; `activeSeats` tells the windows apart in the rows. */
const windowOf = (start: string, end: string, activeSeats: number): TelemetryCounts<1> => ({ ...counts(), periodStart: `${start}T00:00:00Z`, periodEnd: `${end}T00:00:00Z`, activeSeats });
const keyOf = (c: TelemetryCounts<1>) => `${LICENSE}/${c.periodStart}/${c.periodEnd}`;

/** The first half of October (twice monthly), sent online by the host the site had before. */
const ONLINE = windowOf('2026-10-01', '2026-10-15', 30);
/** The air-gapped host's weekly windows: the first overlaps ONLINE (8 to 15 October), the second starts where ONLINE ends. */
const AIR_GAPPED = [windowOf('2026-10-08', '2026-10-15', 31), windowOf('2026-10-15', '2026-10-22', 32), windowOf('2026-10-22', '2026-10-29', 33)] as const;
/** A hand-made bundle: the second window overlaps the first (5 to 8 November); the third starts where the first ends, and overlaps only the second. */
const HAND_MADE = [windowOf('2026-11-01', '2026-11-08', 41), windowOf('2026-11-05', '2026-11-12', 42), windowOf('2026-11-08', '2026-11-15', 43)] as const;
/** What the store must hold afterwards: each window that was not refused, once. */
const KEPT = [ONLINE, AIR_GAPPED[1], AIR_GAPPED[2], HAND_MADE[0], HAND_MADE[2]];

/** Where the example server keeps its data, and how the test reads it back once the server has stopped. */
interface Backend {
  readonly name: string;
  readonly skip: boolean;
  /** The environment naming the database, for the server and for telemetry-keys. */
  readonly prepare: (folder: string) => Promise<Record<string, string>>;
  readonly open: (env: Record<string, string>) => Promise<{ client: QueryClient; close: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'a PGlite folder',
    skip: false,
    prepare: async (folder) => {
      const data = join(folder, 'pglite');
      // A folder as PGlite's first open leaves it (from the test seed); the server migrates it as it does ./data.
      await (await openPglite(data)).close();
      return { DATA_DIR: data };
    },
    open: async (env) => {
      const db = await PGlite.create(env['DATA_DIR']!, { extensions: { btree_gist } });
      return { client: db, close: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL',
    skip: postgresUrl() === undefined,
    prepare: async () => ({ DATABASE_URL: await freshDatabase('bundles') }),
    open: async (env) => {
      const pool = new pg.Pool({ connectionString: env['DATABASE_URL'], max: 1 });
      return { client: pool, close: () => pool.end() };
    },
  },
];

/** `telemetry-outbox <args>` with only `env`: its exit code and what it printed. */
async function outboxCli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runOutboxCli(args, { out: (t) => void (out += t), err: (t) => void (err += t), env });
  return { code, out, err };
}

/** Each window's answer in a receipt: `201`, `200`, or the status and rule of a refusal. */
const answers = (receipt: ReceiptDocument) => receipt.windows.map((w) => (w.rule === undefined ? String(w.status) : `${w.status} ${w.rule}`));

function story(backend: Backend): void {
  let folder: string;
  let env: Record<string, string>;
  let server: RunningServer;
  let secret: string;
  let receiptKeys: string[];
  let outboxDir: string;
  /** The receipt of the air-gapped host's bundle, as the operator carries it back. */
  let receiptFile: string | undefined;

  /** The air-gapped host's outbox, as its application opens it: no server address, the vendor's receipt key. */
  const airGapped = () =>
    openOutbox({ dir: outboxDir, version: 1, licenseId: LICENSE, customer: NAME, signingSecrets: [secret], maskCustomer: true, receiptKeys });
  /** What the administrator does at the vendor's upload page: POST the file, keep the answer as the receipt. */
  async function upload(file: string | Uint8Array): Promise<{ text: string; receipt: ReceiptDocument }> {
    const response = await fetch(`${server.url}${BUNDLE_PATH}`, { method: 'POST', headers: { 'content-type': BUNDLE_MEDIA_TYPE }, body: file });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return { text, receipt: JSON.parse(text) as ReceiptDocument };
  }
  const live = async (c: TelemetryCounts<1>) =>
    sendTelemetry(await built({ licenseId: LICENSE, signingSecrets: [secret], now: () => Date.now() }, c), { baseUrl: server.url, allowHttpLoopback: true, retries: 0, timeoutMs: 10_000 });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'telemetry-offline-bundle-'));
    outboxDir = join(folder, 'outbox');
    const receiptKey = await generateReceiptKey();
    receiptKeys = [receiptKey.publicKey];
    const receiptKeyFile = join(folder, 'receipt-key.pem');
    writeFileSync(receiptKeyFile, receiptKey.privateKey, { mode: 0o600 });
    env = { ...(await backend.prepare(folder)), TELEMETRY_KEK: TEST_KEK };
    server = await startExampleServer({ ...env, TELEMETRY_ACCEPTED_VERSIONS: '1', TELEMETRY_RECEIPT_KEY_FILE: receiptKeyFile });
    await setLicenseWithCli(license(), env);
    const issued = await keysCli(['issue', LICENSE, '--json'], env);
    if (issued.code !== 0) throw new Error(issued.err);
    secret = (JSON.parse(issued.out) as { secret: string }).secret;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    killExampleServers();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('answers a window overlapping a stored one 409 window-overlap and stores the others once', async () => {
    expect(await live(ONLINE)).toMatchObject({ ok: true, status: 201 });

    const outbox = await airGapped();
    for (const c of AIR_GAPPED) expect(await outbox.enqueue(c)).toMatchObject({ ok: true });
    const bundleFile = join(folder, 'bundle.json');
    expect(await outboxCli(['export', '--dir', outboxDir, '--out', bundleFile], { TELEMETRY_SIGNING_SECRETS: secret })).toMatchObject({ code: 0, out: expect.stringContaining('(3 windows, ') });
    const uploadedAt = Date.now();
    const first = await upload(readFileSync(bundleFile));
    receiptFile = join(folder, 'receipt.json');
    writeFileSync(receiptFile, first.text);
    // Each window is answered as it would be alone, in the bundle's order: the overlap refused, the others stored.
    expect(answers(first.receipt)).toEqual(['409 window-overlap', '201', '201']);
    expect(first.receipt.windows[0]).toMatchObject({ message: expect.stringMatching(new RegExp(`^${keyOf(AIR_GAPPED[0])}: overlaps a window of this license that is already stored; `)) });
    // No report of that window is stored, so none is named to correct: an overlap is no conflict.
    expect(first.receipt.windows[0]).not.toHaveProperty('storedDigest');

    // The windows of a bundle are stored in its order: the second meets the first already stored, the third only the refused second.
    const made = serializeBundle(await handMadeBundle(LICENSE, await Promise.all(HAND_MADE.map((c) => built({ licenseId: LICENSE, signingSecrets: [secret] }, c))), [secret]));
    expect(answers((await upload(made)).receipt)).toEqual(['201', '409 window-overlap', '201']);

    // Uploaded again, each bundle stores nothing new; live, the refused windows get the same refusal.
    expect(answers((await upload(readFileSync(bundleFile))).receipt)).toEqual(['409 window-overlap', '200', '200']);
    expect(answers((await upload(made)).receipt)).toEqual(['200', '409 window-overlap', '200']);
    for (const refused of [AIR_GAPPED[0], HAND_MADE[1]]) expect(await live(refused)).toMatchObject({ ok: false, status: 409, error: { rule: 'window-overlap' } });

    expect(await server.stop()).toBe(0);
    const { client, close } = await backend.open(env);
    try {
      const reports = await client.query('SELECT dedupe_key, active_seats::int AS seats FROM telemetry_reports WHERE license_id = $1 ORDER BY dedupe_key', [LICENSE]);
      expect(reports.rows.map((r) => `${String(r['dedupe_key'])} ${String(r['seats'])}`)).toEqual(KEPT.map((c) => `${keyOf(c)} ${c.activeSeats}`));
      const windows = await client.query('SELECT dedupe_key FROM telemetry_windows WHERE license_id = $1 ORDER BY dedupe_key', [LICENSE]);
      expect(windows.rows.map((r) => r['dedupe_key'])).toEqual(KEPT.map(keyOf));
      // The stored window is the one sent online, as sent (the name in clear, as the old host sent it; the bundle's carried the mask), never replaced.
      const stored = await createPostgresStore(client, { keyring: testKeyring }).get(keyOf(ONLINE));
      expect(stored).toMatchObject({ payload: { periodStart: ONLINE.periodStart, periodEnd: ONLINE.periodEnd, activeSeats: 30, policyExecutionsCount: ONLINE.policyExecutionsCount }, headers: { 'x-telemetry-customer': encodeURIComponent(NAME) } });
      expect(stored?.supersessions).toBeUndefined();
      expect(Date.parse(stored!.receivedAt)).toBeLessThanOrEqual(uploadedAt);
    } finally {
      await close();
    }
  });

  it('leaves the refused window failed in the outbox, neither delivered nor dropped, and marks the others delivered', async () => {
    expect(receiptFile, 'the receipt of the test before').toBeDefined();
    const imported = await outboxCli(['import-receipt', receiptFile!, '--dir', outboxDir, '--format', 'json']);
    // 1: a window of the receipt was refused.
    expect(imported).toMatchObject({ code: 1, err: '' });
    const result = JSON.parse(imported.out) as Extract<ImportResult, { ok: true }>;
    expect(result.windows.map((w) => `${w.outcome} ${w.status}${w.rule ? ` ${w.rule}` : ''}`)).toEqual(['failed 409 window-overlap', 'delivered 201', 'delivered 201']);
    const refused = result.windows[0]!.messageId;

    const outbox = await airGapped();
    expect(await outbox.status()).toMatchObject({
      pending: 0,
      exported: 0,
      delivered: 2,
      failed: 1,
      failedWindows: [{ messageId: refused, window: { start: AIR_GAPPED[0].periodStart, end: AIR_GAPPED[0].periodEnd }, failure: { status: 409, rule: 'window-overlap', message: expect.stringContaining('overlaps a window of this license that is already stored') } }],
    });
    // The step it names is discard, not a retry the server would refuse again.
    expect(await outbox.health()).toMatchObject({
      state: 'unhealthy',
      reason: `1 window refused by the server (the last: 409 window-overlap); it overlaps a window the server has stored and is refused again however often it is sent: discard it (telemetry-outbox discard ${refused} --reason <text>) and report only the days no stored window covers`,
    });
    const shown = await outboxCli(['show', refused, '--dir', outboxDir]);
    expect(shown.out).toContain(`409 window-overlap: `);
    expect(shown.out).toContain(`; it overlaps a window the server has stored and is refused again however often it is sent: discard it (telemetry-outbox discard ${refused} --reason <text>)`);
    // Newest first: exported, then refused by the receipt; never delivered.
    expect((await outbox.history()).filter((e) => e.messageId === refused).map((e) => e.outcome)).toEqual(['failed', 'exported']);
    const again = await outboxCli(['import-receipt', receiptFile!, '--dir', outboxDir, '--format', 'json']);
    expect(again.code).toBe(1);
    expect((JSON.parse(again.out) as typeof result).windows.map((w) => w.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    // Nothing waits, so nothing is exported again; the stored window stands, so the refused one is no correction to make: it is discarded.
    expect(await outboxCli(['export', '--dir', outboxDir, '--out', join(folder, 'again.json')], { TELEMETRY_SIGNING_SECRETS: secret })).toMatchObject({ code: 0, out: 'no window waits: nothing to export, no file written\n' });
    expect(await outbox.supersede(refused, { reason: 'counted again' })).toMatchObject({ ok: false, error: { rule: 'not-a-conflict' } });
    expect(await outboxCli(['discard', refused, '--reason', 'the old host reported these days', '--dir', outboxDir])).toMatchObject({ code: 0 });
    expect(await outbox.status()).toMatchObject({ delivered: 2, failed: 0, discarded: 1 });
    expect(await outbox.health()).toMatchObject({ state: 'healthy' });
  });
}

describe('offline bundle onto a store', () => {
  for (const backend of backends) describe.skipIf(backend.skip)(`on ${backend.name}`, () => story(backend));
});
