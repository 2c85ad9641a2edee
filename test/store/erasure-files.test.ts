/**
 * Erasure, read in the bytes: every file of a PGlite data folder and of a real
 * PostgreSQL data directory, pg_wal included, searched for a sole trader's
 * name in every form the store could have written it. A value stored in clear
 * beside it (a control table) is found in the table files and in the WAL, so
 * the search would find the name if it were there; the name is never there,
 * before or after forget and purge. A copy of the folder taken before forget
 * still yields the name while the key-encryption key its data key was wrapped
 * under is in service, and no longer once the KEK has been rotated and the old
 * one dropped, while the live database reads every other license.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../../scripts/dev/postgres-cluster.js';
import { type IngestSuccess, ingest } from '../../src/server.js';
import { type Keyring, type QueryClient, createLicenseStore, createPostgresStore, kekId, parseKeyring } from '../../src/store-postgres.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { openPglite, postgresUrl } from '../support/databases.js';
import { KEY_A, built, counts, license } from '../wire/support.js';

const K1 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 3) & 0xff));
const K2 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 101) & 0xff));
const ring = (...keks: string[]): Keyring => parseKeyring(keks.join(','), 'test keyring');
/** Sole traders: their legal entities, and so their customer headers, are people's names. */
const ERASED = 'Zdeňka Qwertzová';
const EXPIRED = 'Bořivoj Ypsilonský';
const STAYS = 'Kvido Xaverský';
const NOW = Date.UTC(2027, 2, 10, 12, 0, 0);
const DAY = 86_400_000;

/** The name as a person would search for it, as the customer header carries it, and its UTF-8 bytes in hex and base64. */
const forms = (name: string): string[] => {
  const bytes = Buffer.from(name, 'utf8');
  return [name, encodeURIComponent(name), bytes.toString('hex'), bytes.toString('base64')];
};

/** Every regular file below `dir` that holds any of `needles`, as paths from `dir`. */
function filesHolding(dir: string, needles: readonly string[]): string[] {
  const patterns = needles.map((n) => Buffer.from(n, 'utf8'));
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = readFileSync(path);
    if (patterns.some((p) => bytes.includes(p))) found.push(relative(dir, path));
  }
  return found.sort();
}

const day = (n: number) => ({ ...counts(), periodStart: `2027-02-${String(n).padStart(2, '0')}T00:00:00Z`, periodEnd: `2027-02-${String(n + 1).padStart(2, '0')}T00:00:00Z` });

async function report(licenseId: string, customer: string, n: number): Promise<IngestSuccess> {
  const request = await built({ licenseId, customer, signingSecrets: [KEY_A], now: () => NOW }, day(n));
  const result = await ingest({ headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k1', secret: KEY_A }], acceptedVersions: [1], now: () => NOW });
  if (!result.ok || result.kind !== 'report') throw new Error(result.ok ? 'a probe' : result.error.message);
  return result;
}

/**
 * Fills a database as a server would: a control value in clear, three sole traders' records, reports of
 * each (one received 500 days ago, so purge erases it), and returns the dedupe keys of the one to forget.
 */
async function fill(client: QueryClient, keyring: Keyring, control: string): Promise<{ erased: string; stays: string }> {
  await client.query('CREATE TABLE erasure_control (v text)');
  await client.query('INSERT INTO erasure_control VALUES ($1)', [control]);
  const store = createPostgresStore(client, { keyring, now: () => new Date(NOW) });
  const licenses = createLicenseStore(client, { keyring });
  await store.migrate();
  await licenses.migrate();
  for (const [licenseId, legalEntity] of [['lic-erased', ERASED], ['lic-expired', EXPIRED], ['lic-stays', STAYS]] as const) {
    await licenses.setLicense(license({ licenseId, legalEntity }));
    await licenses.issue(licenseId);
  }
  const erased = await report('lic-erased', ERASED, 1);
  await store.put(erased);
  await store.put(await report('lic-erased', ERASED, 2));
  const stays = await report('lic-stays', STAYS, 1);
  await store.put(stays);
  await createPostgresStore(client, { keyring, now: () => new Date(NOW - 500 * DAY) }).put(await report('lic-expired', EXPIRED, 1));
  return { erased: erased.dedupeKey, stays: stays.dedupeKey };
}

/** forget of the erased license, deleted whole, and purge of the expired report. */
async function erase(client: QueryClient, keyring: Keyring): Promise<void> {
  const store = createPostgresStore(client, { keyring });
  expect(await store.forget({ licenseId: 'lic-erased', deleteLicense: true })).toBe(2);
  expect(await store.purge(new Date(NOW))).toMatchObject({ reportsDeleted: 1 });
}

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'telemetry-erasure-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('erasure in the files of a PGlite data folder', () => {
  it('never holds the names in clear, before or after forget and purge, while it holds a clear value beside them in its tables and WAL', async () => {
    const live = join(folder, 'pglite');
    const copy = join(folder, 'pglite-copy');
    const control = `control-${randomUUID()}`;
    let db = await openPglite(live);
    const { erased, stays } = await fill(db, ring(K1), control);
    await db.query('CHECKPOINT');
    const names = [...forms(ERASED), ...forms(EXPIRED), ...forms(STAYS)];
    const controlFiles = filesHolding(live, [control]);
    expect(controlFiles.some((f) => f.startsWith('base/'))).toBe(true);
    expect(controlFiles.some((f) => f.startsWith('pg_wal/'))).toBe(true);
    expect(filesHolding(live, names)).toEqual([]);

    // A copy of the whole folder, as a backup or a replica would hold it, taken before the erasure.
    await db.close();
    cpSync(live, copy, { recursive: true });
    db = await PGlite.create(live, { extensions: { btree_gist } });
    await erase(db, ring(K1));
    await db.query('CHECKPOINT');
    expect(filesHolding(live, names)).toEqual([]);
    expect(filesHolding(live, [control]).length).toBeGreaterThan(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM telemetry_data_keys WHERE license_id = 'lic-erased'`)).rows).toEqual([{ n: 0 }]);

    // The copy holds the license's data key, wrapped under K1: while K1 is in service, it yields the name.
    const copied = await PGlite.create(copy, { extensions: { btree_gist } });
    expect((await createPostgresStore(copied, { keyring: ring(K1) }).get(erased))?.headers['x-telemetry-customer']).toBe(encodeURIComponent(ERASED));
    expect((await createLicenseStore(copied, { keyring: ring(K1) }).license('lic-erased'))?.legalEntity).toBe(ERASED);
    await copied.close();

    // The KEK is rotated after the erasure: K2 first, rewrap, and K1 dropped once nothing live needs it.
    const rotated = await createLicenseStore(db, { keyring: ring(K2, K1) }).rewrap();
    expect(rotated.currentKek).toBe(kekId(Buffer.from(K2, 'base64')));
    expect(await createLicenseStore(db, { keyring: ring(K2, K1) }).check({ all: true })).toMatchObject({ unneededKeks: [kekId(Buffer.from(K1, 'base64'))] });
    expect((await createPostgresStore(db, { keyring: ring(K2) }).get(stays))?.headers['x-telemetry-customer']).toBe(encodeURIComponent(STAYS));
    await db.close();

    // Now the copy yields nothing of the erased license: its data key is wrapped under a KEK that exists nowhere.
    const after = await PGlite.create(copy, { extensions: { btree_gist } });
    await expect(createPostgresStore(after, { keyring: ring(K2) }).get(erased)).rejects.toMatchObject({ rule: 'key-unavailable', message: expect.stringContaining('(kek-unknown)') });
    await expect(createLicenseStore(after, { keyring: ring(K2) }).license('lic-erased')).rejects.toMatchObject({ rule: 'kek-unknown' });
    await after.close();
    expect(filesHolding(copy, names)).toEqual([]);
  }, 120_000);
});

describe.skipIf(postgresUrl() === undefined)('erasure in the files of a PostgreSQL data directory', () => {
  it('never holds the names in clear in any file, pg_wal included, before or after forget and purge', async () => {
    const cluster = (await startCluster())!;
    const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
    try {
      const control = `control-${randomUUID()}`;
      await fill(pool, ring(K1), control);
      await pool.query('CHECKPOINT');
      const names = [...forms(ERASED), ...forms(EXPIRED), ...forms(STAYS)];
      const controlFiles = filesHolding(cluster.dataDir, [control]);
      expect(controlFiles.some((f) => f.startsWith('base/'))).toBe(true);
      expect(controlFiles.some((f) => f.startsWith('pg_wal/'))).toBe(true);
      expect(filesHolding(cluster.dataDir, names)).toEqual([]);
      await erase(pool, ring(K1));
      await pool.query('CHECKPOINT');
      expect(filesHolding(cluster.dataDir, names)).toEqual([]);
      expect(filesHolding(cluster.dataDir, [control]).length).toBeGreaterThan(0);
    } finally {
      await pool.end();
      await cluster.remove();
    }
  }, 120_000);
});
