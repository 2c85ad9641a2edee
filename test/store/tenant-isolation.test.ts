/**
 * Tenant isolation end to end: the example server as an operator runs it,
 * on the throwaway PostgreSQL server, its keys issued with `telemetry-keys`
 * into the license key store, encrypted under a key-encryption key read from
 * a file. What one license's key can do to another license's reports, what a
 * proxy can do to a signed request, and what a rotation touches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/wire/bytes.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { keyringFromEnv } from '../../src/store/keyring-source.js';
import { sendTelemetry } from '../../src/uploader.js';
import { freshDatabase, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { untilProbed } from '../support/license-change.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { built, counts, license } from '../wire/support.js';

const K1 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 3));
const K2 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 255 - 3 * i));
const noWait = { sleep: async () => {}, delays: () => 0, timeoutMs: 10_000, retries: 0, allowHttpLoopback: true };
const windowOf = (day: number, change: Record<string, unknown> = {}) => ({
  ...counts(),
  periodStart: `2027-01-${String(day).padStart(2, '0')}T00:00:00Z`,
  periodEnd: `2027-01-${String(day + 1).padStart(2, '0')}T00:00:00Z`,
  ...change,
});

const skip = postgresUrl() === undefined;
let folder: string;
let kekFile: string;
let databaseUrl: string;
let server: RunningServer;
let pool: pg.Pool;
const secrets: Record<string, string> = {};

const keys = (...args: string[]) => keysCli(args, { DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile });
async function issue(command: 'issue' | 'rotate', licenseId: string): Promise<string> {
  if (command === 'issue') await setLicenseWithCli(license({ licenseId }), { DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile });
  const result = await keys(command, licenseId, '--json');
  if (result.code !== 0) throw new Error(result.err);
  return (JSON.parse(result.out) as { secret: string }).secret;
}
const send = async (licenseId: string, signingSecrets: string[], counts: ReturnType<typeof windowOf>) =>
  sendTelemetry(await built({ licenseId, signingSecrets, now: () => Date.now() }, counts), { baseUrl: server.url, ...noWait });
const stored = (licenseId: string, c: ReturnType<typeof windowOf>) => createPostgresStore(pool, { keyring: keyringFromEnv({ TELEMETRY_KEK_FILE: kekFile }) }).get(`${licenseId}/${c.periodStart}/${c.periodEnd}`);

beforeAll(async () => {
  if (skip) return;
  folder = mkdtempSync(join(tmpdir(), 'telemetry-tenants-'));
  kekFile = join(folder, 'kek');
  writeFileSync(kekFile, `${K1}\n`);
  databaseUrl = await freshDatabase('tenants');
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  server = await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile, TELEMETRY_ACCEPTED_VERSIONS: '1' });
  secrets['a'] = await issue('issue', 'lic-a');
  secrets['b'] = await issue('issue', 'lic-b');
}, 60_000);
afterAll(async () => {
  await server?.stop();
  killExampleServers();
  await pool?.end();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe.skipIf(skip)('the example server on PostgreSQL with the license key store', () => {
  it('refuses a window of license B signed with license A\'s key, and stores B\'s own report of it afterwards', async () => {
    const forged = await send('lic-b', [secrets['a']!], windowOf(1, { activeSeats: 0 }));
    expect(forged).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await stored('lic-b', windowOf(1))).toBeUndefined();
    const genuine = windowOf(1, { activeSeats: 41 });
    expect(await send('lic-b', [secrets['b']!], genuine)).toMatchObject({ ok: true, status: 201 });
    expect((await stored('lic-b', genuine))?.payload).toMatchObject({ activeSeats: 41 });
  });

  it('answers an unknown license exactly as a forgery, byte for byte', async () => {
    const post = async (licenseId: string) => {
      const request = await built({ licenseId, signingSecrets: [secrets['a']!], now: () => Date.now() }, windowOf(2));
      const response = await fetch(`${server.url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
      return { status: response.status, body: await response.text() };
    };
    const unknown = await post('lic-nobody');
    expect(unknown.status).toBe(401);
    expect(unknown).toEqual(await post('lic-b'));
  });

  it('refuses a request whose customer header a proxy rewrote, and stores nothing of it', async () => {
    const request = await built({ licenseId: 'lic-a', signingSecrets: [secrets['a']!], now: () => Date.now() }, windowOf(3));
    for (const customer of ['EVIL%20CORP', `anon-${'f'.repeat(32)}-9`]) {
      const response = await fetch(`${server.url}${request.path}`, { method: 'POST', headers: { ...request.headers, 'x-telemetry-customer': customer }, body: request.body });
      expect(response.status).toBe(422);
      expect(((await response.json()) as { error: { rule: string } }).error.rule).toBe('message-id-mismatch');
    }
    expect(await stored('lic-a', windowOf(3))).toBeUndefined();
  });

  it('rotates and revokes one license\'s key, leaving the other license untouched', async () => {
    const next = await issue('rotate', 'lic-a');
    secrets['a2'] = next;
    expect(await send('lic-a', [next, secrets['a']!], windowOf(4))).toMatchObject({ ok: true, status: 201 });
    expect(await send('lic-a', [secrets['a']!], windowOf(5))).toMatchObject({ ok: true, status: 201 });
    expect((await keys('revoke', 'lic-a', 'k1')).code).toBe(0);
    // The server holds lic-a in memory: it sees the revocation within LICENSE_CHANGE_BOUND_SECONDS (a probe stores nothing meanwhile).
    await untilProbed(server.url, 'lic-a', [secrets['a']!], 'revoked-key');
    expect(await send('lic-a', [secrets['a']!], windowOf(6))).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
    expect(await send('lic-a', [next], windowOf(6))).toMatchObject({ ok: true, status: 201 });
    expect(await send('lic-b', [secrets['b']!], windowOf(6))).toMatchObject({ ok: true, status: 201 });
  });

  it('keeps answering while the key-encryption key is rotated under it: new key first, rewrap, old key dropped', async () => {
    writeFileSync(kekFile, `${K2}\n${K1}\n`);
    // Secrets and data keys (lic-a's and lic-b's, of their reports and of their records) go under K2, which is in force from then on.
    expect(await keys('rewrap')).toMatchObject({ code: 0, out: expect.stringMatching(/^3 secrets and 4 data keys re-encrypted under key-encryption key [0-9a-f]{16}, now the one in force/) });
    // The server still holds only K1: it reads the file again when a secret names a key it lacks.
    expect(await send('lic-b', [secrets['b']!], windowOf(7))).toMatchObject({ ok: true, status: 201 });
    writeFileSync(kekFile, `${K2}\n`);
    expect(await send('lic-a', [secrets['a2']!], windowOf(7))).toMatchObject({ ok: true, status: 201 });
    const c = await issue('issue', 'lic-c');
    secrets['c'] = c;
    expect(await send('lic-c', [c], windowOf(7))).toMatchObject({ ok: true, status: 201 });
    // lic-c's data keys too, though the server sealed its reports' key holding K1 first: K2 was in force.
    const { rows } = await pool.query('SELECT kek_id FROM telemetry_license_keys UNION SELECT kek_id FROM telemetry_data_keys');
    expect(rows).toHaveLength(1);
  });

  it('answers 409 window-conflict to another body for a stored window, once, and keeps the stored report', async () => {
    const first = windowOf(9, { activeSeats: 10 });
    expect(await send('lic-b', [secrets['b']!], first)).toMatchObject({ ok: true, status: 201 });
    expect(await send('lic-b', [secrets['b']!], first)).toMatchObject({ ok: true, status: 200 });
    const conflict = await sendTelemetry(await built({ licenseId: 'lic-b', signingSecrets: [secrets['b']!], now: () => Date.now() }, windowOf(9, { activeSeats: 11 })), { baseUrl: server.url, ...noWait, retries: 5 });
    expect(conflict).toMatchObject({ ok: false, status: 409, error: { rule: 'window-conflict', message: expect.stringMatching(/already stored with another body/) } });
    expect(conflict.attempts).toHaveLength(1);
    expect((await stored('lic-b', first))?.payload).toMatchObject({ activeSeats: 10 });
  });

  it('printed no secret and no key-encryption key', () => {
    const output = server.output();
    expect(output).toMatch(/listening on/);
    for (const text of [...Object.values(secrets).map((s) => s.slice(6)), K1, K2]) expect(output).not.toContain(text);
  });

  it('refuses to start with a key-encryption key that cannot read the stored secrets: one line, no stack trace', async () => {
    const wrong = join(folder, 'wrong-kek');
    writeFileSync(wrong, `${K1}\n`);
    const failed = (await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: wrong, TELEMETRY_ACCEPTED_VERSIONS: '1' }).catch((e: unknown) => e)) as { code: number; output: string };
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/^examples\/server\.ts: cannot start: key store: secrets are stored under the key-encryption key [0-9a-f]{16}, which the keyring \([0-9a-f]{16}\) lacks \(kek-unknown\); [^\n]*\n$/);
    for (const text of [K1, K2]) expect(failed.output).not.toContain(text);
  });

  it('refuses to start when it would accept no version (none released, none named), saying what to set, instead of answering 422 to every report', async () => {
    const failed = (await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile }).catch((e: unknown) => e)) as { code: number; output: string };
    expect(failed.code).toBe(2);
    expect(failed.output).toMatch(/^examples\/server\.ts: TELEMETRY_ACCEPTED_VERSIONS: no version of this package is released yet \(v1 is a draft\), .*e\.g\. TELEMETRY_ACCEPTED_VERSIONS=1 \(versions-config\)\n$/);
    const malformed = (await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile, TELEMETRY_ACCEPTED_VERSIONS: 'v1' }).catch((e: unknown) => e)) as { code: number; output: string };
    expect(malformed.code).toBe(2);
    expect(malformed.output).toContain('TELEMETRY_ACCEPTED_VERSIONS: must list schema versions in decimal separated by commas, such as 1 or 1,2 (versions-config)');
  });
});
