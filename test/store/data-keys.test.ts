/**
 * Data keys and the key-encryption key in force, alike on PGlite and on the
 * throwaway PostgreSQL server: what can identify a customer is stored only
 * sealed under its license's data key; forget destroys the key in the same
 * statement as the reports, and a process that still holds it seals the next
 * report under a new one; deleting a license removes every trace the store
 * keeps of it; after a rewrap no process seals under the old KEK, so check's
 * "nothing needs it" stays true.
 */
import { describe, expect, it } from 'vitest';
import { type IngestSuccess, ingest } from '../../src/server.js';
import { type Keyring, createLicenseStore, createPostgresStore, kekId, parseKeyring, storeFailureResponse } from '../../src/store-postgres.js';
import type { QueryClient } from '../../src/store/database.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { KEY_A, NOW_MS, built, counts, license } from '../wire/support.js';

const kekText = (seed: number) => toBase64(Uint8Array.from({ length: 32 }, (_, i) => (seed * 13 + i * 7) & 0xff));
const K1 = kekText(1);
const K2 = kekText(2);
const ring = (...keks: string[]): Keyring => parseKeyring(keks.join(','), 'test keyring');
const id = (kek: string) => kekId(Buffer.from(kek, 'base64'));
/** A sole trader: the legal entity, and so the customer header, is a person's name. */
const NAME = 'Jana Nováková';

/** Every form the name could be found in: as written, percent-encoded as the header carries it, its UTF-8 bytes in hex and base64. */
function forms(name: string): string[] {
  const bytes = Buffer.from(name, 'utf8');
  return [name, 'Nováková', encodeURIComponent(name), bytes.toString('hex'), bytes.toString('base64')];
}

const day = (n: number) => ({ ...counts(), periodStart: `2026-11-${String(n).padStart(2, '0')}T00:00:00Z`, periodEnd: `2026-11-${String(n + 1).padStart(2, '0')}T00:00:00Z` });

/** A verified report of `licenseId` for day `n`, naming `customer`. */
async function report(licenseId: string, n: number, customer = NAME): Promise<IngestSuccess> {
  const request = await built({ licenseId, customer, signingSecrets: [KEY_A] }, day(n));
  const result = await ingest({ headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k1', secret: KEY_A }], acceptedVersions: [1], now: () => NOW_MS });
  if (!result.ok || result.kind !== 'report') throw new Error(result.ok ? 'a probe' : result.error.message);
  return result;
}

describe.each(storeBackends(4))('data keys on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  const fresh = async (keyring: Keyring = ring(K1)) => {
    const schema = freshSchema('dk');
    const store = createPostgresStore(client, { schema, keyring, now: () => new Date(NOW_MS) });
    const licenses = createLicenseStore(client, { schema, keyring, now: () => new Date(NOW_MS) });
    await store.migrate();
    await licenses.migrate();
    return { schema, store, licenses };
  };
  const dump = async (schema: string) => {
    const tables = ['telemetry_reports', 'telemetry_data_keys', 'telemetry_licenses', 'telemetry_license_keys'];
    const texts = await Promise.all(tables.map(async (t) => (await client.query(`SELECT row_to_json(t)::text AS text FROM ${schema}.${t} t`)).rows.map((r) => String(r['text'])).join('\n')));
    return texts.join('\n');
  };

  it.skipIf(skip)('stores the customer header, the message id and the legal entity only sealed, and reads back exactly what was sent', async () => {
    const { schema, store, licenses } = await fresh();
    await licenses.setLicense(license({ licenseId: 'lic-a', legalEntity: NAME }));
    const result = await report('lic-a', 1);
    expect((await store.put(result)).status).toBe(201);
    const stored = await dump(schema);
    for (const form of [...forms(NAME), result.messageId, result.messageId.slice(4)]) expect(stored).not.toContain(form);
    expect(stored).toContain('"license_id":"lic-a"');
    expect(await store.get(result.dedupeKey)).toMatchObject({ headers: { 'webhook-id': result.messageId, 'x-telemetry-customer': encodeURIComponent(NAME), 'x-telemetry-license-id': 'lic-a' } });
    expect((await licenses.license('lic-a'))?.legalEntity).toBe(NAME);
    // One data key for the license's reports, one for its record; each only wrapped.
    const keys = await client.query(`SELECT license_id, purpose, kek_id, octet_length(wrapped) AS n FROM ${schema}.telemetry_data_keys ORDER BY purpose`);
    expect(keys.rows).toEqual([
      { license_id: 'lic-a', purpose: 'record', kek_id: id(K1), n: 48 },
      { license_id: 'lic-a', purpose: 'reports', kek_id: id(K1), n: 48 },
    ]);
  });

  it.skipIf(skip)('binds a sealed value to its report and column: one moved elsewhere does not open', async () => {
    const { schema, store } = await fresh();
    const a = await report('lic-a', 1);
    const b = await report('lic-a', 2, 'Someone Else');
    await store.put(a);
    await store.put(b);
    const table = `${schema}.telemetry_reports`;
    await client.query(`UPDATE ${table} SET customer = o.customer FROM ${table} o WHERE ${table}.dedupe_key = $1 AND o.dedupe_key = $2`, [b.dedupeKey, a.dedupeKey]);
    await expect(store.get(b.dedupeKey)).rejects.toMatchObject({ rule: 'kek-mismatch', message: expect.stringMatching(/^get: the x-telemetry-customer of lic-a\/.* does not decrypt under its license's data key \(kek-mismatch\)/) });
    expect((await store.get(a.dedupeKey))?.headers['x-telemetry-customer']).toBe(encodeURIComponent(NAME));
  });

  it.skipIf(skip)('destroys the data key with the reports in one statement; a process that still held it seals the next report under a new one', async () => {
    const { schema, store } = await fresh();
    const other = createPostgresStore(client, { schema, keyring: ring(K1) });
    const first = await report('lic-a', 1);
    await other.put(first);
    const before = (await client.query(`SELECT id FROM ${schema}.telemetry_data_keys WHERE purpose = 'reports'`)).rows;
    const statements: string[] = [];
    const counting = createPostgresStore({ query: (text, params) => (statements.push(text), client.query(text, params)) }, { schema, keyring: ring(K1) });
    expect(await counting.forget({ licenseId: 'lic-a' })).toBe(1);
    const deleting = statements.filter((s) => s.includes('DELETE'));
    expect(deleting).toHaveLength(1);
    expect(deleting[0]).toMatch(/DELETE FROM .*telemetry_reports.*DELETE FROM .*telemetry_data_keys/s);
    expect(statements.filter((s) => s.startsWith('VACUUM'))).toEqual([`VACUUM "${schema}".telemetry_reports`, `VACUUM "${schema}".telemetry_windows`, `VACUUM FULL "${schema}".telemetry_data_keys`]);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.telemetry_data_keys`)).rows).toEqual([{ n: 0 }]);
    // `other` holds the destroyed key in memory: its insert fails the foreign key, and it seals again under a new key.
    const next = await report('lic-a', 2);
    expect((await other.put(next)).status).toBe(201);
    const after = (await client.query(`SELECT id FROM ${schema}.telemetry_data_keys WHERE purpose = 'reports'`)).rows;
    expect(after).toHaveLength(1);
    expect(after[0]!['id']).not.toBe(before[0]!['id']);
    expect((await store.get(next.dedupeKey))?.headers['x-telemetry-customer']).toBe(encodeURIComponent(NAME));
  });

  it.skipIf(skip)('deletes a license whole: reports, signing keys, record and data keys, and nothing of another license', async () => {
    const { schema, store, licenses } = await fresh();
    for (const licenseId of ['lic-a', 'lic-b']) {
      await licenses.setLicense(license({ licenseId, legalEntity: NAME }));
      await licenses.issue(licenseId);
      await store.put(await report(licenseId, 1));
    }
    expect(await store.forget({ licenseId: 'lic-a', deleteLicense: true })).toBe(1);
    expect(await licenses.licenseOf('lic-a')).toBeUndefined();
    expect(await licenses.license('lic-a')).toBeUndefined();
    const left = await dump(schema);
    expect(left).not.toContain('"lic-a"');
    expect(left).not.toContain('lic-a/');
    expect(await licenses.licenseOf('lic-b')).toMatchObject({ keys: [{ id: 'k1' }], license: { licenseId: 'lic-b', legalEntity: NAME } });
    expect(await store.get((await report('lic-b', 1)).dedupeKey)).toBeDefined();
  });

  it.skipIf(skip)('seals under the key-encryption key in force, never under one that rewrap retired, whatever a process\'s keyring lists first', async () => {
    const { schema, store, licenses } = await fresh();
    await licenses.issue('lic-a');
    await store.put(await report('lic-a', 1));
    // A process that read its keyring before the rotation (K1 only), and one whose file lists K1 first still.
    const stale = createPostgresStore(client, { schema, keyring: ring(K1) });
    const misordered = createLicenseStore(client, { schema, keyring: ring(K1, K2) });
    expect(await createLicenseStore(client, { schema, keyring: ring(K2, K1) }).rewrap()).toEqual({ rewrapped: 2, secrets: 1, dataKeys: 1, currentKek: id(K2) });
    await misordered.issue('lic-b');
    const refused = await stale.put(await report('lic-c', 1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ rule: 'key-unavailable', message: expect.stringMatching(/new values are sealed under the key-encryption key [0-9a-f]{16}, in force since the last rewrap, which this keyring \([0-9a-f]{16}\) lacks \(kek-unknown\)/) });
    expect(storeFailureResponse(refused)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect((await createPostgresStore(client, { schema, keyring: ring(K1, K2) }).put(await report('lic-c', 1))).status).toBe(201);
    const checked = await createLicenseStore(client, { schema, keyring: ring(K2, K1) }).check({ all: true });
    expect(checked).toMatchObject({ secrets: 2, dataKeys: 2, byKek: { [id(K2)]: 4 }, currentKek: id(K2), neededKeks: [id(K2)], unneededKeks: [id(K1)] });
    // So K1 may go: everything reads with K2 alone.
    expect((await createPostgresStore(client, { schema, keyring: ring(K2) }).get((await report('lic-c', 1)).dedupeKey))?.headers['x-telemetry-customer']).toBe(encodeURIComponent(NAME));
  });

  it.skipIf(skip)('refuses a rewrap whose keyring lacks a key-encryption key in use, before changing anything', async () => {
    const { schema, licenses } = await fresh();
    await licenses.issue('lic-a');
    const error = await createLicenseStore(client, { schema, keyring: ring(K2) }).rewrap().catch((e: unknown) => e);
    expect(error).toMatchObject({ rule: 'kek-unknown', message: expect.stringMatching(/^rewrap: values are stored under the key-encryption key [0-9a-f]{16}, which the keyring \([0-9a-f]{16}\) lacks \(kek-unknown\); .* Nothing was changed$/) });
    expect(await licenses.check()).toMatchObject({ currentKek: id(K1), byKek: { [id(K1)]: 1 } });
  });
});
