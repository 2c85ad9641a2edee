/**
 * Key operations against a running server, as an operator does them: the
 * example server as its own process, `telemetry-keys` run beside it. On
 * PGlite the command never opens the folder the server holds: it reaches the
 * server through its admin endpoint, so a rotated key signs the next report
 * without a restart, and a folder held by another process is refused, naming
 * it. On PostgreSQL two server processes see a rotation and a revocation made
 * by the command at their next request.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLDER_FILE } from '../../src/store/folder-holder.js';
import { sendTelemetry } from '../../src/uploader.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshDatabase, openPglite, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { probe, untilProbed } from '../support/license-change.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { built, counts, license } from '../wire/support.js';

const KEK = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 5 * i + 17));
const noWait = { allowHttpLoopback: true, sleep: async () => {}, delays: () => 0, timeoutMs: 10_000, retries: 0 };
const day = (n: number) => ({ ...counts(), periodStart: `2027-03-${String(n).padStart(2, '0')}T00:00:00Z`, periodEnd: `2027-03-${String(n + 1).padStart(2, '0')}T00:00:00Z` });

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'telemetry-live-keys-'));
});
afterAll(() => {
  killExampleServers();
  rmSync(folder, { recursive: true, force: true });
});

/** `telemetry-keys <command> <license> --json`: the new secret. */
async function secretOf(env: Record<string, string>, command: 'issue' | 'rotate', licenseId = 'lic-0042'): Promise<string> {
  const { code, out, err } = await keysCli([command, licenseId, '--json'], env);
  if (code !== 0) throw new Error(err);
  return (JSON.parse(out) as { secret: string }).secret;
}

const send = async (url: string, signingSecrets: string[], window: ReturnType<typeof day>, licenseId = 'lic-0042') =>
  sendTelemetry(await built({ licenseId, signingSecrets, now: () => Date.now() }, window), { baseUrl: url, ...noWait });

describe('telemetry-keys beside the example server on a PGlite folder', () => {
  let data: string;
  let env: Record<string, string>;
  let server: RunningServer;
  beforeAll(async () => {
    data = join(folder, 'pglite');
    // A folder as PGlite's first open leaves it, from the test seed.
    await (await openPglite(data)).close();
    env = { DATA_DIR: data, TELEMETRY_KEK: KEK, TELEMETRY_ACCEPTED_VERSIONS: '1' };
    server = await startExampleServer(env);
  }, 60_000);

  it('says at start which key-encryption keys the stored values need, and advertises its admin endpoint to the folder\'s owner alone', () => {
    expect(server.output()).toMatch(/key-encryption keys: new values are sealed under ([0-9a-f]{16}); the stored values need \1\n/);
    const file = join(data, HOLDER_FILE);
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { role: string; pid: number; admin?: { url: string; token: string } };
    expect(holder).toMatchObject({ role: 'server', admin: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/telemetry-keys$/), token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('issues, rotates and revokes through the running server: the rotated key signs the next report, no restart', async () => {
    await setLicenseWithCli(license(), env);
    const first = await secretOf(env, 'issue');
    expect(await send(server.url, [first], day(1))).toMatchObject({ ok: true, status: 201 });
    const rotated = await secretOf(env, 'rotate');
    expect(await send(server.url, [rotated], day(2))).toMatchObject({ ok: true, status: 201 });
    expect(await keysCli(['revoke', 'lic-0042', 'k1'], env)).toMatchObject({ code: 0, out: 'lic-0042: 1 key revoked\n' });
    expect(await send(server.url, [first], day(3))).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
    expect(await send(server.url, [rotated], day(3))).toMatchObject({ ok: true, status: 201 });
    // A record changed through the server checks the next report: a feature it no longer declares is refused.
    await setLicenseWithCli(license({ features: ['audit-log'] }), env);
    expect(await send(server.url, [rotated], day(4))).toMatchObject({ ok: false, status: 422, error: { rule: 'feature-not-licensed' } });
    expect(JSON.parse((await keysCli(['list', '--json'], env)).out)).toMatchObject([{ keyId: 'k1', state: 'revoked' }, { keyId: 'k2', state: 'active' }]);
    expect(server.output()).not.toContain(rotated.slice(6));
  });

  it('refuses a rewrap whose key the server does not hold first, and changes nothing', async () => {
    const other = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 250 - i));
    const refused = await keysCli(['rewrap'], { ...env, TELEMETRY_KEK: `${other},${KEK}` });
    expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(/^telemetry-keys rewrap: rewrap: the keyring lists [0-9a-f]{16} first, not [0-9a-f]{16} \(kek-config\); put the new key-encryption key first in the file this store reads, then run rewrap again\. Nothing was changed\n$/) });
    expect(await keysCli(['check', '--all'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^2 secrets, 2 data keys and 1 license record readable \(4 under ([0-9a-f]{16})\); new ones go under \1; still needed: \1\n$/) });
  });

  it('erases a license\'s reports through the server, and deletes a license whole: it is unknown from then on', async () => {
    const secret = (await keysCli(['rotate', 'lic-0042', '--json'], env)).out;
    const latest = (JSON.parse(secret) as { secret: string }).secret;
    expect(await keysCli(['forget', 'lic-0042'], env)).toMatchObject({ code: 0, out: 'lic-0042: 3 reports erased, and the data key they were sealed under destroyed; the license stays\n' });
    // The license goes on (its record as shipped again): its next report is stored under a new data key.
    await setLicenseWithCli(license(), env);
    expect(await send(server.url, [latest], day(5))).toMatchObject({ ok: true, status: 201 });
    expect(await keysCli(['delete-license', 'lic-0042'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^lic-0042: 1 report erased, the license's keys, record and data keys deleted/) });
    expect(await send(server.url, [latest], day(6))).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await keysCli(['show-license', 'lic-0042'], env)).toMatchObject({ code: 1 });
  });

  it('refuses to start a second server on the folder, naming the process that holds it', async () => {
    const second = (await startExampleServer(env).catch((e: unknown) => e)) as { code: number; output: string };
    expect(second.code).toBe(1);
    expect(second.output).toMatch(new RegExp(`cannot start: ${data.replace(/[/.]/g, '\\$&')}: is held by a telemetry server \\(pid \\d+ on ${hostname()}, since [^)]+\\) \\(folder-held\\)`));
  });

  it('is refused while another command holds the folder, and takes a folder whose holder is gone', async () => {
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(data, HOLDER_FILE))).toBe(false);
    const file = join(data, HOLDER_FILE);
    // This process stands in for a telemetry-keys still at work.
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), role: 'telemetry-keys', since: '2027-03-01T00:00:00.000Z' }));
    const held = await keysCli(['list'], env);
    expect(held).toMatchObject({ code: 2, err: expect.stringContaining(`: is held by telemetry-keys (pid ${process.pid} on ${hostname()}, since 2027-03-01T00:00:00.000Z) (folder-held)`) });
    const starting = (await startExampleServer(env).catch((e: unknown) => e)) as { code: number; output: string };
    expect(starting.output).toContain(`is held by telemetry-keys (pid ${process.pid}`);
    // A process that has ended holds nothing.
    const ended = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(file, JSON.stringify({ pid: Number(ended.stdout.trim()), host: hostname(), role: 'server', since: '2027-03-01T00:00:00.000Z' }));
    expect(await keysCli(['list', '--json'], env)).toMatchObject({ code: 0 });
    expect(existsSync(file)).toBe(false);
  }, 60_000);
});

describe.skipIf(postgresUrl() === undefined)('telemetry-keys beside two example server processes on PostgreSQL', () => {
  let env: Record<string, string>;
  let servers: RunningServer[];
  beforeAll(async () => {
    const kekFile = join(folder, 'kek');
    writeFileSync(kekFile, `${KEK}\n`);
    env = { DATABASE_URL: await freshDatabase('live'), TELEMETRY_KEK_FILE: kekFile, TELEMETRY_ACCEPTED_VERSIONS: '1' };
    await setLicenseWithCli(license(), env);
    servers = await Promise.all([startExampleServer(env), startExampleServer(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
  });

  it('sees a rotation and a revocation made by the command in either process within the bound, with no restart', async () => {
    const first = await secretOf(env, 'issue');
    // Both processes now hold lic-0042 in memory, with its one key.
    expect(await send(servers[0]!.url, [first], day(1))).toMatchObject({ ok: true, status: 201 });
    expect(await probe(servers[1]!.url, 'lic-0042', [first])).toMatchObject({ ok: true });
    const rotated = await secretOf(env, 'rotate');
    expect(await keysCli(['revoke', 'lic-0042', 'k1'], env)).toMatchObject({ code: 0 });
    // Each sees both changes within LICENSE_CHANGE_BOUND_SECONDS (test/store/license-cache.test.ts proves the bound with a clock it moves).
    await Promise.all(servers.map((server) => untilProbed(server.url, 'lic-0042', [first], 'revoked-key')));
    for (const [i, server] of servers.entries()) {
      expect(await send(server.url, [rotated], day(2 + i))).toMatchObject({ ok: true, status: 201 });
      expect(await send(server.url, [first], day(4))).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
    }
  });
});
