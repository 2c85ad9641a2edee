/**
 * The license record enforced end to end, by the example server with its
 * license store: as an operator runs it on PostgreSQL (a child process, keys
 * and records set with `telemetry-keys`), and in process on PGlite. A report
 * naming a feature outside its license, another entity's name, a forged mask,
 * and a report of a license without a record are each refused with a rule of
 * their own and leave nothing stored; a genuine report is stored stamped with
 * its license's data region.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { type LicenseRecord, type PostgresStore, type StoredReport, createPostgresStore, parseKeyring } from '../../src/store-postgres.js';
import { type CreateRequestOptions, type TelemetryCounts, createTelemetryRequest, deriveMaskKey, maskCustomer, sendTelemetry } from '../../src/uploader.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshDatabase, openPglite, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { untilSeen } from '../support/license-change.js';
import { keysCli, setLicenseWithCli } from '../support/license-cli.js';
import { counts, license } from '../wire/support.js';

const KEK = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 11 * i + 5));
/** A sole trader: the legal entity is a person's name, which must never reach a log. */
const ACME = license({ licenseId: 'lic-acme', legalEntity: 'Jana Nováková – Software', features: ['audit-log', 'sso'], dataRegion: 'eu-central' });
// The example server listens on loopback http: allowed for development, by name.
const noWait = { sleep: async () => {}, delays: () => 0, timeoutMs: 10_000, retries: 0, allowHttpLoopback: true };
const day = (n: number): TelemetryCounts<1> => ({
  ...counts(),
  periodStart: `2027-03-${String(n).padStart(2, '0')}T00:00:00Z`,
  periodEnd: `2027-03-${String(n + 1).padStart(2, '0')}T00:00:00Z`,
});
const keyOf = (licenseId: string, c: TelemetryCounts<1>) => `${licenseId}/${c.periodStart}/${c.periodEnd}`;

/** What a test needs of a running server, however it runs. */
interface Setup {
  readonly url: string;
  issue(licenseId: string): Promise<string>;
  setLicense(record: LicenseRecord): Promise<void>;
  get(dedupeKey: string): Promise<StoredReport | undefined>;
  /** What the server printed, where it is a process of its own. */
  output(): string;
  close(): Promise<void>;
}

async function onPostgres(): Promise<Setup> {
  const folder = mkdtempSync(join(tmpdir(), 'telemetry-licenses-'));
  const kekFile = join(folder, 'kek');
  writeFileSync(kekFile, `${KEK}\n`);
  const env = { DATABASE_URL: await freshDatabase('licenses'), TELEMETRY_KEK_FILE: kekFile };
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  const server: RunningServer = await startExampleServer({ ...env, TELEMETRY_ACCEPTED_VERSIONS: '1' });
  const store = createPostgresStore(pool, { keyring: parseKeyring(KEK, 'test') });
  return {
    url: server.url,
    async issue(licenseId) {
      const issued = await keysCli(['issue', licenseId, '--json'], env);
      if (issued.code !== 0) throw new Error(issued.err);
      return (JSON.parse(issued.out) as { secret: string }).secret;
    },
    setLicense: (record) => setLicenseWithCli(record, env),
    get: (dedupeKey) => store.get(dedupeKey),
    output: () => server.output(),
    async close() {
      await server.stop();
      await pool.end();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function onPglite(): Promise<Setup> {
  const db = await openPglite();
  const store: PostgresStore = createPostgresStore(db, { keyring: parseKeyring(KEK, 'test') });
  await store.migrate();
  const running = await startTelemetryServer({ store, client: db, keyring: parseKeyring(KEK, 'test'), purgeIntervalMs: 0, acceptedVersions: [1] });
  return {
    url: running.url,
    issue: async (licenseId) => (await running.keys!.issue(licenseId)).secret,
    setLicense: async (record) => void (await running.keys!.setLicense(record)),
    get: (dedupeKey) => store.get(dedupeKey),
    output: () => '',
    async close() {
      await running.close();
      await db.close();
    },
  };
}

const setups = [
  { name: 'PostgreSQL, the example server as a process', skip: postgresUrl() === undefined, start: onPostgres },
  { name: 'PGlite, the example server in process', skip: false, start: onPglite },
];

afterAll(() => killExampleServers());

describe.each(setups)('the license record enforced by the example server on $name', ({ skip, start }) => {
  let setup: Setup;
  let secret: string;
  beforeAll(async () => {
    if (skip) return;
    setup = await start();
    await setup.setLicense(ACME);
    secret = await setup.issue(ACME.licenseId);
  }, 60_000);
  afterAll(() => setup?.close());

  /** Builds a v1 report with `options` (an uploader of an earlier release: licenseId and customer, no record) and sends it once. */
  const send = async (c: TelemetryCounts<1>, options: Partial<CreateRequestOptions>) => {
    const built = await createTelemetryRequest(c, { version: 1, signingSecrets: [secret], maskCustomer: false, ...options });
    if (!built.ok) throw new Error(built.error.message);
    return sendTelemetry(built.request, { baseUrl: setup.url, ...noWait });
  };
  const asBefore = { licenseId: ACME.licenseId, customer: ACME.legalEntity };

  it.skipIf(skip)('stores a report built from the record, under the name or its mask, stamped with the license\'s data region', async () => {
    expect(await send(day(1), { license: ACME })).toMatchObject({ ok: true, status: 201 });
    expect(await send(day(2), { license: ACME, maskCustomer: true })).toMatchObject({ ok: true, status: 201 });
    expect(await setup.get(keyOf(ACME.licenseId, day(1)))).toMatchObject({ dataRegion: 'eu-central', headers: { 'x-telemetry-customer': encodeURIComponent(ACME.legalEntity) } });
    expect(await setup.get(keyOf(ACME.licenseId, day(2)))).toMatchObject({ dataRegion: 'eu-central', headers: { 'x-telemetry-customer': await maskCustomer(ACME.legalEntity, await deriveMaskKey(secret)) } });
  });

  it.skipIf(skip)('refuses a feature outside the license with feature-not-licensed, and stores nothing', async () => {
    const sent = await send({ ...day(3), featuresUsed: ['alice.smith', 'sso', 'tel-4915112345678'] }, asBefore);
    expect(sent).toMatchObject({ ok: false, status: 422, error: { rule: 'feature-not-licensed', message: 'body: 2 names are not features the license declares: /featuresUsed/0, /featuresUsed/2; a report names only the features of its license record (feature-not-licensed)' } });
    expect(await setup.get(keyOf(ACME.licenseId, day(3)))).toBeUndefined();
  });

  it.skipIf(skip)('refuses another entity\'s name with customer-not-licensed, and stores nothing', async () => {
    const sent = await send(day(4), { ...asBefore, customer: 'Evil Corp' });
    expect(sent).toMatchObject({ ok: false, status: 422, error: { rule: 'customer-not-licensed' } });
    expect(JSON.stringify(sent)).not.toContain('Evil');
    expect(await setup.get(keyOf(ACME.licenseId, day(4)))).toBeUndefined();
  });

  it.skipIf(skip)('refuses a forged mask, the right shape under the wrong key, with mask-not-licensed, and stores nothing', async () => {
    const forged = await deriveMaskKey(`whsec_${toBase64(new Uint8Array(32).fill(9))}`);
    const sent = await send(day(5), { ...asBefore, maskCustomer: true, maskKey: forged });
    expect(sent).toMatchObject({ ok: false, status: 422, error: { rule: 'mask-not-licensed' } });
    expect(await setup.get(keyOf(ACME.licenseId, day(5)))).toBeUndefined();
  });

  it.skipIf(skip)('answers a license with keys but no record 503 license-record-missing, and stores the window once the record is set', async () => {
    const other = license({ licenseId: 'lic-late', legalEntity: 'Late Records AG', dataRegion: 'us-east' });
    const lateSecret = await setup.issue(other.licenseId);
    const early = await createTelemetryRequest(day(6), { version: 1, license: other, signingSecrets: [lateSecret], maskCustomer: false });
    if (!early.ok) throw new Error(early.error.message);
    // Retryable: the uploader keeps the window; the server's own rule is on the attempt.
    expect(await sendTelemetry(early.request, { baseUrl: setup.url, ...noWait })).toMatchObject({ ok: false, status: 503, attempts: [{ status: 503, rule: 'license-record-missing' }] });
    expect(await setup.get(keyOf(other.licenseId, day(6)))).toBeUndefined();
    await setup.setLicense(other);
    // A server on PostgreSQL holds lic-late (keys, no record) in memory and sees the record within LICENSE_CHANGE_BOUND_SECONDS: until then it answers 503 again, which the uploader retries.
    const sent = await untilSeen(() => sendTelemetry(early.request, { baseUrl: setup.url, ...noWait }), (r) => r.status !== 503, 'the record set by telemetry-keys');
    expect(sent).toMatchObject({ ok: true, status: 201 });
    expect(await setup.get(keyOf(other.licenseId, day(6)))).toMatchObject({ dataRegion: 'us-east' });
  });

  it.skipIf(skip)('printed no legal entity', () => {
    expect(setup.output()).not.toContain('Nováková');
  });
});
