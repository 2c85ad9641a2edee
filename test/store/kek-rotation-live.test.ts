/**
 * The key-encryption key rotated under load, as docs/key-store.md tells an
 * operator to: the new key first in the servers' file, `telemetry-keys
 * rewrap`, the old key dropped once `check` says nothing needs it, the
 * servers restarted. Reports keep arriving throughout, from licenses already
 * reporting and from licenses whose first report (and so a new data key)
 * comes during the rotation; every one is stored, every secret and sealed
 * value reads with the new key alone, and the restarted servers take reports.
 * On PostgreSQL with two server processes; on PGlite with one, which the
 * command reaches through its admin endpoint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueryClient, createLicenseStore, createPostgresStore, kekId } from '../../src/store-postgres.js';
import { keyringFromEnv } from '../../src/store/keyring-source.js';
import { sendTelemetry } from '../../src/uploader.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { dedupeKey } from '../../src/wire/dedupe.js';
import { freshDatabase, openPglite, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { built, counts, license } from '../wire/support.js';

const K1 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 3 + 77) & 0xff));
const K2 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 19 + 5) & 0xff));
const LICENSES = ['lic-r1', 'lic-r2', 'lic-r3', 'lic-r4', 'lic-r5', 'lic-r6'];
/** Windows each license sends under load: days 1 to 6 of March 2027. */
const DAYS = 6;
const day = (n: number) => ({ ...counts(), periodStart: `2027-03-${String(n).padStart(2, '0')}T00:00:00Z`, periodEnd: `2027-03-${String(n + 1).padStart(2, '0')}T00:00:00Z` });
/** The uploader as an installation runs it, 503s sent again at once (nothing here waits on a clock). */
const uploader = { allowHttpLoopback: true, sleep: async () => {}, delays: () => 0, timeoutMs: 10_000, retries: 20 };

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'telemetry-kek-rotation-'));
});
afterAll(() => {
  killExampleServers();
  rmSync(folder, { recursive: true, force: true });
});

/**
 * Sends every license's windows to `servers` in turn, the first half of the licenses from the start and
 * the second half once `halfway` resolves (so their first reports, and data keys, come during the
 * rotation); calls `started` after the first reports are stored. Resolves with each answer's status.
 */
async function load(servers: () => readonly RunningServer[], secrets: Record<string, string>, started: () => void, halfway: Promise<void>): Promise<number[]> {
  const statuses: number[] = [];
  let stored = 0;
  const send = async (licenseId: string, i: number) => {
    for (let n = 1; n <= DAYS; n++) {
      const target = servers()[(i + n) % servers().length]!;
      const sent = await sendTelemetry(await built({ licenseId, signingSecrets: [secrets[licenseId]!], now: () => Date.now() }, day(n)), { baseUrl: target.url, ...uploader });
      statuses.push(sent.status ?? 0);
      if (++stored === 4) started();
    }
  };
  const first = LICENSES.slice(0, 3).map((l, i) => send(l, i));
  await halfway;
  const second = LICENSES.slice(3).map((l, i) => send(l, i + 3));
  await Promise.all([...first, ...second]);
  return statuses;
}

/** What the operator does while reports arrive; resolves `halfway` once the new key is in the file. */
async function rotate(env: Record<string, string>, kekFile: string, reachedHalfway: () => void): Promise<void> {
  writeFileSync(kekFile, `${K2}\n${K1}\n`);
  reachedHalfway();
  const rewrapped = await keysCli(['rewrap'], env);
  expect(rewrapped).toMatchObject({ code: 0, out: expect.stringMatching(/re-encrypted under key-encryption key [0-9a-f]{16}, now the one in force/) });
  const checked = await keysCli(['check', '--json'], env);
  expect(JSON.parse(checked.out)).toMatchObject({ currentKek: kekId(Buffer.from(K2, 'base64')), unneededKeks: [kekId(Buffer.from(K1, 'base64'))] });
  writeFileSync(kekFile, `${K2}\n`);
}

/** Every window of every license stored, its customer header readable, and every secret and data key under K2 alone. */
async function expectEverythingUnderK2(client: QueryClient, kekFile: string, windows: number): Promise<void> {
  const keyring = keyringFromEnv({ TELEMETRY_KEK_FILE: kekFile });
  const store = createPostgresStore(client, { keyring });
  for (const licenseId of LICENSES) {
    for (let n = 1; n <= windows; n++) {
      const stored = await store.get(dedupeKey(licenseId, day(n).periodStart, day(n).periodEnd));
      expect(stored?.headers['x-telemetry-customer'], `${licenseId} day ${n}`).toBe('Example%20Holdings%20GmbH');
    }
  }
  expect(await createLicenseStore(client, { keyring }).check({ all: true })).toMatchObject({ secrets: LICENSES.length, byKek: { [kekId(Buffer.from(K2, 'base64'))]: expect.any(Number) }, neededKeks: [kekId(Buffer.from(K2, 'base64'))] });
}

describe.skipIf(postgresUrl() === undefined)('a KEK rotation under load on PostgreSQL, two server processes', () => {
  it('stores every report, reads everything with the new key alone, and the restarted servers take reports', async () => {
    const kekFile = join(folder, 'kek-postgres');
    writeFileSync(kekFile, `${K1}\n`);
    const env = { DATABASE_URL: await freshDatabase('rotation'), TELEMETRY_KEK_FILE: kekFile, TELEMETRY_ACCEPTED_VERSIONS: '1' };
    const secrets: Record<string, string> = {};
    for (const licenseId of LICENSES) {
      await setLicenseWithCli(license({ licenseId }), env);
      secrets[licenseId] = (JSON.parse((await keysCli(['issue', licenseId, '--json'], env)).out) as { secret: string }).secret;
    }
    let servers = await Promise.all([startExampleServer(env), startExampleServer(env)]);
    let reachedHalfway!: () => void;
    const halfway = new Promise<void>((resolve) => (reachedHalfway = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const sent = load(() => servers, secrets, started, halfway);
    await running;
    await rotate(env, kekFile, reachedHalfway);
    expect(new Set(await sent)).toEqual(new Set([201]));
    await Promise.all(servers.map((s) => s.stop()));
    servers = await Promise.all([startExampleServer(env), startExampleServer(env)]);
    for (const [i, licenseId] of LICENSES.entries()) {
      const after = await sendTelemetry(await built({ licenseId, signingSecrets: [secrets[licenseId]!], now: () => Date.now() }, day(DAYS + 1)), { baseUrl: servers[i % 2]!.url, ...uploader });
      expect(after.status).toBe(201);
    }
    await Promise.all(servers.map((s) => s.stop()));
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    try {
      await expectEverythingUnderK2(pool, kekFile, DAYS + 1);
    } finally {
      await pool.end();
    }
  }, 120_000);
});

describe('a KEK rotation under load on PGlite, through the server', () => {
  it('stores every report, reads everything with the new key alone, and the restarted server takes reports', async () => {
    const kekFile = join(folder, 'kek-pglite');
    writeFileSync(kekFile, `${K1}\n`);
    const data = join(folder, 'pglite');
    await (await openPglite(data)).close();
    const env = { DATA_DIR: data, TELEMETRY_KEK_FILE: kekFile, TELEMETRY_ACCEPTED_VERSIONS: '1' };
    let server = await startExampleServer(env);
    const secrets: Record<string, string> = {};
    for (const licenseId of LICENSES) {
      await setLicenseWithCli(license({ licenseId }), env);
      secrets[licenseId] = (JSON.parse((await keysCli(['issue', licenseId, '--json'], env)).out) as { secret: string }).secret;
    }
    let reachedHalfway!: () => void;
    const halfway = new Promise<void>((resolve) => (reachedHalfway = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const sent = load(() => [server], secrets, started, halfway);
    await running;
    await rotate(env, kekFile, reachedHalfway);
    expect(new Set(await sent)).toEqual(new Set([201]));
    expect(await server.stop()).toBe(0);
    server = await startExampleServer(env);
    expect(server.output()).toMatch(new RegExp(`the stored values need ${kekId(Buffer.from(K2, 'base64'))}\\n`));
    for (const licenseId of LICENSES) {
      const after = await sendTelemetry(await built({ licenseId, signingSecrets: [secrets[licenseId]!], now: () => Date.now() }, day(DAYS + 1)), { baseUrl: server.url, ...uploader });
      expect(after.status).toBe(201);
    }
    expect(await server.stop()).toBe(0);
    const db = await PGlite.create(data, { extensions: { btree_gist } });
    try {
      await expectEverythingUnderK2(db, kekFile, DAYS + 1);
    } finally {
      await db.close();
    }
  }, 120_000);
});
