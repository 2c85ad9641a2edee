/**
 * Licenses served from memory within LICENSE_CHANGE_BOUND_SECONDS, alike on
 * PGlite and on the throwaway PostgreSQL server: a second store on the same
 * tables stands in for a second process (and, on PostgreSQL, telemetry-keys
 * itself), each store's clock is the test's, so "within the bound" is a
 * lookup at the moment the bound ends after the change, never a sleep.
 */
import { describe, expect, it } from 'vitest';
import { ingest } from '../../src/server.js';
import { type Keyring, LICENSE_CHANGE_BOUND_SECONDS, type LicenseStore, createLicenseStore, createPostgresStore, parseKeyring } from '../../src/store-postgres.js';
import type { QueryClient } from '../../src/store/database.js';
import { bucketOf } from '../../src/store/license-changes.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshDatabase, freshSchema, openForSuite, postgresUrl, storeBackends } from '../support/databases.js';
import { keysCli } from '../support/license-cli.js';
import { NOW_MS, built, counts, license } from '../wire/support.js';

const KEK = toBase64(Uint8Array.from({ length: 32 }, (_, i) => (7 * i + 3) & 0xff));
const ring = (): Keyring => parseKeyring(KEK, 'test keyring');
const BOUND = LICENSE_CHANGE_BOUND_SECONDS * 1000;

/** A client that counts the statements sent through it, and fails them (as a database that went away) while `down`. */
function observed(client: QueryClient) {
  const state = { statements: [] as string[], down: false };
  const wrapped: QueryClient = {
    query: (text, params) => {
      state.statements.push(text);
      if (state.down) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
      return client.query(text, params);
    },
  };
  return { client: wrapped, state };
}

/** A clock the test moves by hand, in milliseconds. */
function testClock(start = 0) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

const keyIds = async (store: LicenseStore, licenseId: string) => (await store.keysOf(licenseId))?.map((k) => `${k.id}${k.revoked ? ' revoked' : ''}`);

describe.each(storeBackends(4))('license lookups from memory on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  /** The server's store (`first`, on a clock the test moves, its statements counted) and another process's (`other`), on one schema. */
  const fresh = async (cache: { entries?: number; unknownEntries?: number } = {}) => {
    const schema = freshSchema('c');
    const other = createLicenseStore(client, { schema, keyring: ring() });
    await other.migrate();
    const clock = testClock();
    const seen = observed(client);
    const first = createLicenseStore(seen.client, { schema, keyring: ring(), cache: { ...cache, clock: clock.read } });
    const reports = createPostgresStore(client, { schema, keyring: ring() });
    await reports.migrate();
    return { schema, other, first, clock, seen, reports };
  };

  it.skipIf(skip)('answers a license from memory: one read of where the change feed stands, one query for the license, then none within the bound', async () => {
    const { other, first, clock, seen } = await fresh();
    await other.setLicense(license());
    const { secret } = await other.issue('lic-0042');
    expect(await first.licenseOf('lic-0042')).toEqual({ keys: [{ id: 'k1', secret }], license: license() });
    expect(seen.state.statements).toHaveLength(2);
    expect(seen.state.statements[0]).toMatch(/pg_current_snapshot/);
    clock.now = BOUND / 2 - 1;
    for (let i = 0; i < 10; i++) expect(await first.keysOf('lic-0042')).toEqual([{ id: 'k1', secret }]);
    expect(seen.state.statements).toHaveLength(2);
    // Past half the bound, one read of the change feed, and still no query for the license.
    clock.now = BOUND / 2;
    await first.licenseOf('lic-0042');
    await first.refresh();
    expect(seen.state.statements.filter((s) => s.includes('telemetry_license_keys'))).toHaveLength(1);
    // What a caller is handed cannot change what the next one sees.
    const entry = (await first.licenseOf('lic-0042'))!;
    expect(Object.isFrozen(entry.keys[0]) && Object.isFrozen(entry.license)).toBe(true);
  });

  it.skipIf(skip)('sees a revocation, a rotation and a record change made by another process at the bound after it, not one lookup later', async () => {
    const { other, first, clock, seen } = await fresh();
    await other.setLicense(license());
    const { secret: old } = await other.issue('lic-0042');
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1']);
    // The worst case: the change commits just after a read of the feed.
    clock.now = 1000;
    await first.refresh();
    const { secret: rotated } = await other.rotate('lic-0042');
    expect(await other.revoke('lic-0042', 'k1')).toBe(1);
    await other.setLicense(license({ features: ['sso'] }));
    const changedAt = clock.now;
    const before = seen.state.statements.length;
    clock.now = changedAt + BOUND / 2 - 1;
    // Within the bound the old answer may stand, from memory: that is what the bound allows.
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1']);
    expect(seen.state.statements).toHaveLength(before);
    clock.now = changedAt + BOUND - 1;
    await first.licenseOf('lic-0042');
    clock.now = changedAt + BOUND;
    expect(await first.licenseOf('lic-0042')).toEqual({ keys: [{ id: 'k2', secret: rotated }, { id: 'k1', secret: old, revoked: true }], license: license({ features: ['sso'] }) });
  });

  it.skipIf(skip)('sees a license deleted by another process at the bound, and then knows it no more', async () => {
    const { other, first, clock, reports } = await fresh();
    await other.setLicense(license());
    await other.issue('lic-0042');
    await other.issue('lic-other');
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1']);
    expect(await keyIds(first, 'lic-other')).toEqual(['k1']);
    clock.now = 1000;
    await first.refresh();
    expect(await reports.forget({ licenseId: 'lic-0042', deleteLicense: true })).toBe(0);
    clock.now = 1000 + BOUND;
    expect(await first.licenseOf('lic-0042')).toBeUndefined();
    expect(await keyIds(first, 'lic-other')).toEqual(['k1']);
  });

  it.skipIf(skip)('sees a change made by hand in SQL at the bound: the trigger, not the store, records it', async () => {
    const { other, first, clock, schema } = await fresh();
    await other.issue('lic-0042');
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1']);
    clock.now = 1000;
    await first.refresh();
    await client.query(`UPDATE ${schema}.telemetry_license_keys SET revoked_at = now() WHERE license_id = 'lic-0042'`);
    clock.now = 1000 + BOUND;
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1 revoked']);
    // The feed names a bucket of the id, never the id.
    const rows = (await client.query(`SELECT row_to_json(c)::text AS text FROM ${schema}.telemetry_license_changes c`)).rows.map((r) => String(r['text']));
    expect(rows.join('\n')).not.toContain('lic-0042');
    expect(rows.some((text) => text.includes(`"bucket":${bucketOf('lic-0042')}`))).toBe(true);
  });

  it.skipIf(skip)('remembers an unknown license for the bound at most: one added by another process is found at the bound', async () => {
    const { other, first, clock, seen } = await fresh();
    expect(await first.licenseOf('lic-new')).toBeUndefined();
    const queries = seen.state.statements.length;
    expect(await first.licenseOf('lic-new')).toBeUndefined();
    expect(seen.state.statements).toHaveLength(queries);
    clock.now = 1000;
    await first.refresh();
    const { secret } = await other.issue('lic-new');
    clock.now = 1000 + BOUND;
    expect(await first.keysOf('lic-new')).toEqual([{ id: 'k1', secret }]);
  });

  it.skipIf(skip)('keeps unknown ids apart and bounded: a flood of them costs one query each and never pushes a known license out', async () => {
    const { other, first, seen } = await fresh({ entries: 2, unknownEntries: 3 });
    await other.issue('lic-0042');
    await first.licenseOf('lic-0042');
    const lookups = () => seen.state.statements.filter((s) => s.includes('telemetry_license_keys')).length;
    const start = lookups();
    for (let i = 0; i < 20; i++) expect(await first.licenseOf(`lic-flood-${i}`)).toBeUndefined();
    expect(lookups()).toBe(start + 20);
    // The known license is still held; of the unknown ids, the three newest.
    await first.licenseOf('lic-0042');
    await first.licenseOf('lic-flood-19');
    expect(lookups()).toBe(start + 20);
    await first.licenseOf('lic-flood-0');
    expect(lookups()).toBe(start + 21);
  });

  it.skipIf(skip)('holds at most `entries` licenses, dropping the least recently used', async () => {
    const { other, first, clock, seen } = await fresh({ entries: 2 });
    for (const id of ['lic-a', 'lic-b', 'lic-c']) await other.issue(id);
    const lookups = () => seen.state.statements.filter((s) => s.includes('telemetry_license_keys')).length;
    await first.licenseOf('lic-a');
    clock.now = 1500;
    await first.licenseOf('lic-b');
    clock.now = 3000;
    await first.licenseOf('lic-a'); // used again: lic-b is now the least recent
    await first.licenseOf('lic-c');
    const start = lookups();
    await first.licenseOf('lic-a');
    await first.licenseOf('lic-c');
    expect(lookups()).toBe(start);
    await first.licenseOf('lic-b');
    expect(lookups()).toBe(start + 1);
  });

  it.skipIf(skip)('serves nothing past the bound while the database does not answer: ingest answers the retryable 503 as before', async () => {
    const { other, first, clock, seen } = await fresh();
    await other.setLicense(license());
    const { secret } = await other.issue('lic-0042');
    const request = await built({ version: 1, signingSecrets: [secret], license: license() }, counts());
    const send = () => ingest({ headers: request.headers, body: request.body }, { licenseKeys: first.licenseOf, requireLicenseRecord: true, acceptedVersions: [1], now: () => NOW_MS });
    expect(await send()).toMatchObject({ ok: true });
    seen.state.down = true;
    // Within the bound, memory answers with the database gone...
    clock.now = BOUND - 1;
    expect(await send()).toMatchObject({ ok: true });
    // ...and at the bound nothing does: the change feed cannot be read.
    clock.now = BOUND;
    expect(await send()).toMatchObject({ ok: false, status: 503, error: { rule: 'key-lookup-failed' } });
    await expect(first.licenseOf('lic-0042')).rejects.toMatchObject({ name: 'KeyStoreError', rule: 'database' });
    seen.state.down = false;
    expect(await send()).toMatchObject({ ok: true });
  });

  it.skipIf(skip)('keeps no answer of a lookup that a change read meanwhile may have overtaken', async () => {
    const { other, schema } = await fresh();
    await other.issue('lic-0042');
    // The answer of a license's query is held back until the test lets it go: its snapshot predates what follows.
    let gate: Promise<void> | undefined;
    const slow: QueryClient = {
      query: async (text, params) => {
        const result = await client.query(text, params);
        if (gate !== undefined && text.includes('telemetry_license_keys')) await gate;
        return result;
      },
    };
    const first = createLicenseStore(slow, { schema, keyring: ring(), cache: { clock: () => 0 } });
    expect(await first.licenseOf('lic-unknown')).toBeUndefined();
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    const lookup = first.keysOf('lic-0042');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the query reach the database (its result then waits)
    expect(await other.revoke('lic-0042')).toBe(1);
    await first.refresh();
    release();
    gate = undefined;
    // The waiting request gets the answer its query found; the store does not keep it.
    expect(await lookup).toEqual([expect.objectContaining({ id: 'k1' })]);
    expect(await keyIds(first, 'lic-0042')).toEqual(['k1 revoked']);
  });

  it('puts a license id in the bucket the trigger computes', async () => {
    // The first two bytes of SHA-256("lic-0042"), by another implementation.
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update('lic-0042').digest();
    expect(bucketOf('lic-0042')).toBe(digest.readUInt16BE(0));
  });
});

describe.skipIf(postgresUrl() === undefined)('license lookups from memory beside telemetry-keys on PostgreSQL', () => {
  it('sees a rotation, a revocation and a deleted license made by the command at the bound after each', async () => {
    const url = await freshDatabase('cache');
    const env = { DATABASE_URL: url, TELEMETRY_KEK: KEK };
    const run = async (...args: string[]) => {
      const result = await keysCli([...args, '--json'], env);
      if (result.code !== 0) throw new Error(result.err);
      return result.out === '' ? undefined : (JSON.parse(result.out) as { secret?: string });
    };
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const first = await run('issue', 'lic-0042');
      const clock = testClock();
      const server = createLicenseStore(pool, { keyring: ring(), cache: { clock: clock.read } });
      await server.migrate();
      expect(await server.keysOf('lic-0042')).toEqual([{ id: 'k1', secret: first!.secret }]);

      clock.now = 1000;
      await server.refresh();
      const rotated = await run('rotate', 'lic-0042');
      clock.now = 1000 + BOUND;
      expect(await server.keysOf('lic-0042')).toEqual([{ id: 'k2', secret: rotated!.secret }, { id: 'k1', secret: first!.secret }]);

      clock.now = 7000;
      await server.refresh();
      expect((await keysCli(['revoke', 'lic-0042', 'k1'], env)).code).toBe(0);
      clock.now = 7000 + BOUND - 1;
      await server.keysOf('lic-0042');
      clock.now = 7000 + BOUND;
      expect(await keyIds(server, 'lic-0042')).toEqual(['k2', 'k1 revoked']);

      clock.now = 20_000;
      await server.refresh();
      expect((await keysCli(['delete-license', 'lic-0042'], env)).code).toBe(0);
      clock.now = 20_000 + BOUND;
      expect(await server.licenseOf('lic-0042')).toBeUndefined();
    } finally {
      await pool.end();
    }
  });
});
