/**
 * The example server as an operator runs it: `tsx examples/server.ts` in a
 * folder, storing in PGlite under ./data, stopped with SIGTERM and started
 * again on the same folder. Windows stored before the restart stay stored,
 * and a window replayed after it is still answered as a duplicate. Its keys
 * are issued into the same folder with `telemetry-keys` while it is stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURGE_INTERVAL_MS, schedulePurge } from '../../examples/server.js';
import { dedupeKey } from '../../src/wire/dedupe.js';
import { type PostgresStore, type PurgeOptions, createPostgresStore, parseKeyring } from '../../src/store-postgres.js';
import { sendTelemetry } from '../../src/uploader.js';
import { repoRoot } from '../helpers.js';
import { openPglite } from '../support/databases.js';
import { type ServerProcess, startServerProcess } from '../../scripts/dev/server-process.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { built, counts, license } from '../wire/support.js';

const KEK = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 3 * i + 1));

const keysEnv = () => ({ DATA_DIR: join(folder, 'data'), TELEMETRY_KEK: KEK });

/** `telemetry-keys <command> lic-0042 --json` on the server's folder: the new secret. */
async function keys(command: 'issue' | 'rotate'): Promise<string> {
  const { code, out, err } = await keysCli([command, 'lic-0042', '--json'], keysEnv());
  if (code !== 0) throw new Error(err);
  return (JSON.parse(out) as { secret: string }).secret;
}

let folder: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'telemetry-contract-restart-'));
  // A data folder as PGlite's first open leaves it, made from the test seed: the server then opens it as on any later start.
  await (await openPglite(join(folder, 'data'))).close();
  // The fixture's build, listed as one of the vendor's releases: the server stores appVersion only for such a build.
  writeFileSync(join(folder, 'builds.txt'), '# the vendor\'s release builds\n3f2a9c1\n');
}, 60_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

/** Starts the example server in `folder` (so ./data is its PGlite folder) and waits for its first line. */
function start(extraEnv: Record<string, string> = { TELEMETRY_KEK: KEK }): Promise<ServerProcess> {
  return startServerProcess(folder, { DATA_DIR: '', DATABASE_URL: '', TELEMETRY_ACCEPTED_VERSIONS: '1', KNOWN_BUILDS_FILE: join(folder, 'builds.txt'), ...extraEnv }, children);
}

const noWait = { sleep: async () => {}, delays: () => 0, timeoutMs: 10_000, allowHttpLoopback: true };
const window = { ...counts(), periodStart: '2027-02-01T00:00:00Z', periodEnd: '2027-02-16T00:00:00Z' };
const later = { ...counts(), periodStart: '2027-02-16T00:00:00Z', periodEnd: '2027-03-01T00:00:00Z' };

describe('the example server restarted on the same data folder', () => {
  it('keeps the windows it stored and still answers a replayed one as a duplicate', async () => {
    const secret = await keys('issue');
    await setLicenseWithCli(license(), keysEnv());
    const first = await start();
    const sent = await built({ now: () => Date.now(), signingSecrets: [secret] }, window);
    expect((await sendTelemetry(sent, { baseUrl: first.url, ...noWait })).status).toBe(201);
    expect(await first.stop()).toBe(0);

    const rotated = await keys('rotate');
    const second = await start();
    // The same window again, signed anew with the rotated keys: the store remembers it across the restart.
    const replay = await sendTelemetry(await built({ now: () => Date.now(), signingSecrets: [rotated, secret] }, window), { baseUrl: second.url, ...noWait });
    expect(replay).toMatchObject({ ok: true, status: 200 });
    const next = await built({ now: () => Date.now(), signingSecrets: [rotated] }, later);
    expect((await sendTelemetry(next, { baseUrl: second.url, ...noWait })).status).toBe(201);
    expect(await second.stop()).toBe(0);

    const db = await PGlite.create(join(folder, 'data'), { extensions: { btree_gist } });
    try {
      const store = createPostgresStore(db, { keyring: parseKeyring(KEK, 'test') });
      expect((await store.get(dedupeKey('lic-0042', window.periodStart, window.periodEnd)))?.payload).toEqual(sent.payload);
      expect((await store.get(dedupeKey('lic-0042', later.periodStart, later.periodEnd)))?.payload).toEqual(next.payload);
      expect(await store.migrate()).toEqual({ applied: [] });
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('the example server\'s key configuration', () => {
  it('refuses the single TELEMETRY_SIGNING_SECRET of earlier drafts, and a missing KEK, each in one line', async () => {
    await expect(start({ TELEMETRY_SIGNING_SECRET: 'whsec_x' })).rejects.toThrow(/exited with 2 before listening: examples\/server\.ts: TELEMETRY_SIGNING_SECRET is no longer read: .* \(keys-config\)$/);
    await expect(start({})).rejects.toThrow(/exited with 2 before listening: examples\/server\.ts: TELEMETRY_KEK: no key-encryption key is set \(kek-missing\); [^\n]*$/);
  });

  it('runs with one secret for every license only when TELEMETRY_VENDOR_WIDE_SECRET asks for it, and says so', async () => {
    const secret = 'whsec_' + toBase64(Uint8Array.from({ length: 32 }, (_, i) => i));
    const server = await start({ TELEMETRY_VENDOR_WIDE_SECRET: secret, TELEMETRY_KEK: KEK });
    try {
      for (const licenseId of ['lic-x', 'lic-y']) {
        const sent = await sendTelemetry(await built({ licenseId, now: () => Date.now(), signingSecrets: [secret] }, window), { baseUrl: server.url, ...noWait });
        expect(sent, licenseId).toMatchObject({ ok: true, status: 201 });
      }
      expect(server.output()).toContain('TELEMETRY_VENDOR_WIDE_SECRET: one secret signs every license\'s reports; any installation can report in any license\'s name');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('the example server\'s purge schedule', () => {
  it('purges at start, with the ended contracts it is given, and then on its interval', async () => {
    const calls: Array<[Date, PurgeOptions | undefined]> = [];
    const store = { purge: async (now: Date, options?: PurgeOptions) => (calls.push([now, options]), { reportsDeleted: 0, removed: {} }) } as unknown as PostgresStore;
    const outcomes: unknown[] = [];
    const stop = schedulePurge(store, { purgeIntervalMs: 20, licenseEnds: () => ({ 'lic-1': '2027-01-31' }), onPurge: (o) => outcomes.push(o) });
    await new Promise((resolve) => setTimeout(resolve, 70));
    stop();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]![1]).toEqual({ licenseEnds: { 'lic-1': '2027-01-31' } });
    expect(outcomes[0]).toEqual({ reportsDeleted: 0, removed: {} });
  });

  it('is what the audit document says: at start, then every hour', () => {
    expect(PURGE_INTERVAL_MS).toBe(3_600_000);
    expect(readFileSync(join(repoRoot, 'docs/telemetry.md'), 'utf8')).toContain('runs `purge` when it starts\nand then every hour');
  });
});
