/**
 * The license store's records, alike on PGlite and on the throwaway
 * PostgreSQL server: each license's record stored with its legal entity only
 * encrypted, found with the license's keys in one query for `ingest`, covered
 * by check and rewrap; the report store stamping each report with the
 * record's data region, and purge reading contract ends from the records.
 */
import { describe, expect, it } from 'vitest';
import type { IngestSuccess } from '../../src/server/ingest.js';
import { ingest } from '../../src/server.js';
import { KeyStoreError, type Keyring, type LicenseRecord, createLicenseStore, createPostgresStore, kekId, parseKeyring } from '../../src/store-postgres.js';
import type { QueryClient } from '../../src/store/database.js';
import { openStore } from '../../src/store/store.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { putShortRetention, shortRetentionKey, shortRetentionPlan } from '../support/short-retention-store.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { NOW_MS, built, counts, license } from '../wire/support.js';

const kekText = (seed: number) => toBase64(Uint8Array.from({ length: 32 }, (_, i) => (seed * 17 + i) & 0xff));
const K1 = kekText(1);
const K2 = kekText(2);
const ring = (...keks: string[]): Keyring => parseKeyring(keks.join(','), 'test keyring');
/** A sole trader: the legal entity is a person's name. */
const SOLE_TRADER = 'Jana Nováková – Účetnictví';

/** Every form a name could leak in: its UTF-8 text, and its bytes in hex and base64. */
function forms(name: string): string[] {
  const bytes = Buffer.from(name, 'utf8');
  return [name, 'Nováková', bytes.toString('hex'), bytes.toString('base64')];
}

/** A client that counts the statements sent through it. */
function counting(client: QueryClient): { client: QueryClient; statements: string[] } {
  const statements: string[] = [];
  return { statements, client: { query: (text, params) => (statements.push(text), client.query(text, params)) } };
}

const backends = storeBackends(4);

describe.each(backends)('license records on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  const fresh = async (keyring: Keyring = ring(K1)) => {
    const schema = freshSchema('l');
    const licenses = createLicenseStore(client, { schema, keyring, now: () => new Date(NOW_MS) });
    await licenses.migrate();
    return { licenses, schema };
  };
  const dump = async (schema: string) => (await client.query(`SELECT row_to_json(t)::text AS text FROM ${schema}.telemetry_licenses t`)).rows.map((r) => String(r['text'])).join('\n');

  it.skipIf(skip)('stores a record with its legal entity only encrypted, and reads it back whole', async () => {
    const { licenses, schema } = await fresh();
    const record = license({ legalEntity: SOLE_TRADER });
    expect(await licenses.setLicense(record)).toEqual({ licenseId: 'lic-0042', created: true });
    expect(await licenses.license('lic-0042')).toEqual(record);
    const stored = await dump(schema);
    for (const form of forms(SOLE_TRADER)) expect(stored).not.toContain(form);
    // What SQL needs stays readable: features, contract end, region.
    expect(stored).toContain('"features":["audit-log","export","sso"]');
    expect(stored).toContain('"data_region":"eu"');
    expect(await licenses.license('lic-none')).toBeUndefined();
  });

  it.skipIf(skip)('replaces a record at renewal, and refuses one that is not a record, naming paths and rules but never the name', async () => {
    const { licenses } = await fresh();
    await licenses.setLicense(license());
    const renewed = license({ features: ['sso'], contractEnd: '2030-01-01T00:00:00Z' });
    expect(await licenses.setLicense(renewed)).toEqual({ licenseId: 'lic-0042', created: false });
    expect(await licenses.licenses()).toEqual([renewed]);
    const error = (await licenses.setLicense({ ...license({ legalEntity: `${SOLE_TRADER}\n` }), features: ['Bad Name'] } as LicenseRecord).catch((e: unknown) => e)) as KeyStoreError;
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.rule).toBe('license-record');
    expect(error.message).toMatch(/^set-license: is not a license record, 2 problems: \/legalEntity: must match .* \(pattern\); \/features\/0: must match .* \(pattern\) \(license-record\)$/);
    for (const form of forms(SOLE_TRADER)) expect(error.message).not.toContain(form);
    const long = await licenses.setLicense(license({ legalEntity: '漢'.repeat(100) })).catch((e: unknown) => e);
    expect(long).toMatchObject({ rule: 'license-record', message: expect.stringMatching(/^set-license: \/legalEntity: is longer, percent-encoded, than the customer header may be \(license-record\)/) });
    expect(await licenses.license('lic-0042')).toEqual(renewed);
  });

  it.skipIf(skip)('finds a license\'s keys and record in one statement for ingest, which then checks what the record allows', async () => {
    const { licenses, schema } = await fresh();
    await licenses.setLicense(license());
    const { secret } = await licenses.issue('lic-0042');
    await licenses.issue('lic-bare');
    const counted = counting(client);
    const lookup = createLicenseStore(counted.client, { schema, keyring: ring(K1) });
    const found = await lookup.licenseOf('lic-0042');
    expect(found).toEqual({ keys: [{ id: 'k1', secret }], license: license() });
    // One statement for the license (beside the store's first read of where the change feed stands), and none for the next lookup.
    expect(counted.statements.filter((s) => !s.includes('pg_current_snapshot'))).toHaveLength(1);
    expect(await lookup.licenseOf('lic-0042')).toEqual(found);
    expect(counted.statements.filter((s) => !s.includes('pg_current_snapshot'))).toHaveLength(1);
    expect(await lookup.licenseOf('lic-bare')).toMatchObject({ keys: [{ id: 'k1' }] });
    expect(await lookup.licenseOf('lic-bare')).not.toHaveProperty('license');
    expect(await lookup.licenseOf('lic-unknown')).toBeUndefined();

    const send = async (overrides: Parameters<typeof built>[0], c = counts()) => {
      const request = await built({ version: 1, signingSecrets: [secret], ...overrides }, c);
      return ingest({ headers: request.headers, body: request.body }, { licenseKeys: lookup.licenseOf, requireLicenseRecord: true, acceptedVersions: [1], now: () => NOW_MS });
    };
    expect(await send({ license: license() })).toMatchObject({ ok: true, license: license() });
    expect(await send({ customer: 'Evil Corp' })).toMatchObject({ status: 422, error: { rule: 'customer-not-licensed' } });
    expect(await send({}, { ...counts(), featuresUsed: ['sso', 'telemetry.extra'] })).toMatchObject({ status: 422, error: { rule: 'feature-not-licensed' } });
  });

  it.skipIf(skip)('binds a sealed legal entity to its license: one moved to another license\'s row does not decrypt', async () => {
    const { licenses, schema } = await fresh();
    await licenses.setLicense(license({ licenseId: 'lic-a', legalEntity: SOLE_TRADER }));
    await licenses.setLicense(license({ licenseId: 'lic-b' }));
    const table = `${schema}.telemetry_licenses`;
    // The ciphertext alone, then with its data key: neither opens as lic-b's.
    await client.query(`UPDATE ${table} SET legal_entity = a.legal_entity FROM ${table} a WHERE ${table}.license_id = 'lic-b' AND a.license_id = 'lic-a'`);
    const error = (await licenses.license('lic-b').catch((e: unknown) => e)) as KeyStoreError;
    expect(error).toMatchObject({ rule: 'kek-mismatch', message: expect.stringMatching(/^show-license: the license record of lic-b does not decrypt under its data key \(kek-mismatch\); /) });
    await client.query(`UPDATE ${table} SET data_key = a.data_key FROM ${table} a WHERE ${table}.license_id = 'lic-b' AND a.license_id = 'lic-a'`);
    await expect(licenses.license('lic-b')).rejects.toMatchObject({ rule: 'kek-mismatch' });
    await expect(licenses.check({ all: true })).rejects.toMatchObject({ rule: 'kek-mismatch' });
    expect((await licenses.license('lic-a'))?.legalEntity).toBe(SOLE_TRADER);
  });

  it.skipIf(skip)('authenticates the clear fields too: a feature added in the database makes the record unreadable, and ingest answers 503, never accepting it', async () => {
    const { licenses, schema } = await fresh();
    await licenses.setLicense(license());
    const { secret } = await licenses.issue('lic-0042');
    await client.query(`UPDATE ${schema}.telemetry_licenses SET features = array_append(features, 'telemetry.extra')`);
    await expect(licenses.licenseOf('lic-0042')).rejects.toMatchObject({ rule: 'kek-mismatch', message: expect.stringMatching(/its features, contract end or data region too/) });
    const request = await built({ version: 1, signingSecrets: [secret] }, { ...counts(), featuresUsed: ['sso', 'telemetry.extra'] });
    expect(await ingest({ headers: request.headers, body: request.body }, { licenseKeys: licenses.licenseOf, acceptedVersions: [1], now: () => NOW_MS })).toMatchObject({ ok: false, status: 503, error: { rule: 'key-lookup-failed' } });
    await expect(licenses.check({ all: true })).rejects.toMatchObject({ rule: 'kek-mismatch' });
  });

  it.skipIf(skip)('re-encrypts legal entities with the secrets when the key-encryption key rotates, and counts both in check', async () => {
    const { licenses, schema } = await fresh();
    await licenses.setLicense(license({ legalEntity: SOLE_TRADER }));
    await licenses.issue('lic-0042');
    const both = createLicenseStore(client, { schema, keyring: ring(K2, K1) });
    const k1 = kekId(Buffer.from(K1, 'base64'));
    const k2 = kekId(Buffer.from(K2, 'base64'));
    // Until rewrap, K1 stays in force: K2 is in the keyring but nothing is under it, and new values still go under K1.
    expect(await both.check()).toEqual({ secrets: 1, dataKeys: 1, records: 1, byKek: { [k1]: 2 }, currentKek: k1, neededKeks: [k1], unneededKeks: [k2] });
    expect(await both.rewrap()).toEqual({ rewrapped: 2, secrets: 1, dataKeys: 1, currentKek: k2 });
    const only = createLicenseStore(client, { schema, keyring: ring(K2) });
    expect(await only.check({ all: true })).toEqual({ secrets: 1, dataKeys: 1, records: 1, byKek: { [k2]: 2 }, currentKek: k2, neededKeks: [k2], unneededKeks: [] });
    expect(await both.check()).toMatchObject({ neededKeks: [k2], unneededKeks: [k1] });
    expect((await only.license('lic-0042'))?.legalEntity).toBe(SOLE_TRADER);
    await expect(createLicenseStore(client, { schema, keyring: ring(K1) }).license('lic-0042')).rejects.toMatchObject({ rule: 'kek-unknown', message: expect.stringMatching(/^show-license: data keys are stored under the key-encryption key [0-9a-f]{16}, which the keyring \([0-9a-f]{16}\) lacks \(kek-unknown\)/) });
  });

  it.skipIf(skip)('stamps each stored report with the data region of its license record, never one a request could choose', async () => {
    const { licenses, schema } = await fresh();
    const store = createPostgresStore(client, { schema, keyring: ring(K1) });
    await store.migrate();
    await licenses.setLicense(license({ dataRegion: 'eu-central' }));
    const { secret } = await licenses.issue('lic-0042');
    const request = await built({ version: 1, license: license(), signingSecrets: [secret] });
    // A header of the same name is not the contract's and is ignored.
    const result = await ingest({ headers: { ...request.headers, 'x-telemetry-data-region': 'us' }, body: request.body }, { licenseKeys: licenses.licenseOf, acceptedVersions: [1], now: () => NOW_MS });
    if (!result.ok || result.kind !== 'report') throw new Error(result.ok ? 'a probe' : result.error.message);
    expect((await store.put(result)).status).toBe(201);
    expect(await store.get(result.dedupeKey)).toMatchObject({ dataRegion: 'eu-central' });
    // Verified without a record (keys alone), a report carries no region.
    const { license: _, ...unrecorded } = result;
    const other = { ...unrecorded, dedupeKey: `lic-0042/2026-12-01T00:00:00Z/2026-12-02T00:00:00Z`, payload: { ...result.payload, periodStart: '2026-12-01T00:00:00Z', periodEnd: '2026-12-02T00:00:00Z' } } as IngestSuccess;
    await store.put(other);
    expect(await store.get(other.dedupeKey)).not.toHaveProperty('dataRegion');
  });

  describe('purge, with fields kept until the contract ends', () => {
    const RECEIVED = new Date('2026-11-16T01:00:00Z');
    const purgedAt = new Date('2027-12-22T01:00:00Z');
    const key = shortRetentionKey;
    const put = putShortRetention;

    it.skipIf(skip)('reads each contract end from the license store, which wins over licenseEnds; a given end serves only a license without a record', async () => {
      const { licenses, schema } = await fresh();
      const store = openStore(client, shortRetentionPlan, { schema, keyring: ring(K1), now: () => RECEIVED });
      await store.migrate();
      await licenses.setLicense(license({ licenseId: 'lic-ended', contractEnd: '2027-11-21T00:00:00Z' }));
      const { contractEnd: _, ...running } = license({ licenseId: 'lic-running' });
      await licenses.setLicense(running);
      await licenses.setLicense(license({ licenseId: 'lic-later', contractEnd: '2027-12-01T00:00:00Z' }));
      for (const id of ['lic-ended', 'lic-running', 'lic-later', 'lic-norecord']) await put(store, id);

      const purged = await store.purge(purgedAt, {
        licenseEnds: { 'lic-running': '2027-01-01T00:00:00Z', 'lic-ended': '2027-11-21T00:00:00Z', 'lic-norecord': '2027-11-01T00:00:00Z' },
      });
      // lic-ended by its record (31 days past its end), lic-norecord by the given end; lic-running's record has no end, and wins.
      expect(purged).toMatchObject({ reportsDeleted: 2, licenseEndsIgnored: ['lic-running'] });
      expect(await store.get(key('lic-ended'))).toBeUndefined();
      expect(await store.get(key('lic-norecord'))).toBeUndefined();
      expect(await store.get(key('lic-running'))).toBeDefined();
      expect(await store.get(key('lic-later'))).toBeDefined();

      // The contract of lic-running ends: the next purge reads the new end with no map at all.
      await licenses.setLicense({ ...running, contractEnd: '2027-11-01T00:00:00Z' });
      expect(await store.purge(purgedAt)).toMatchObject({ reportsDeleted: 1 });
      expect(await store.get(key('lic-running'))).toBeUndefined();
      expect(await store.get(key('lic-later'))).toBeDefined();
    });

    it.skipIf(skip)('works as before where no license store shares the schema: the given ends alone', async () => {
      const store = openStore(client, shortRetentionPlan, { schema: freshSchema('p'), keyring: ring(K1), now: () => RECEIVED });
      await store.migrate();
      await put(store, 'lic-ended');
      const purged = await store.purge(purgedAt, { licenseEnds: { 'lic-ended': '2027-11-01T00:00:00Z' } });
      expect(purged.reportsDeleted).toBe(1);
      expect(purged).not.toHaveProperty('licenseEndsIgnored');
    });
  });
});
