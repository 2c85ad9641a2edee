/**
 * The license key store, alike on PGlite and on the throwaway PostgreSQL
 * server: secrets issued once and stored only encrypted under a
 * key-encryption key, bound to their license; rotation, revocation, KEK
 * rotation; a wrong KEK found at start.
 */
import { describe, expect, it } from 'vitest';
import { KeyStoreError, type Keyring, createKeyStore, kekId, parseKeyring } from '../../src/store-postgres.js';
import type { QueryClient } from '../../src/store/database.js';
import { ingest } from '../../src/server.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { NOW_MS, built } from '../wire/support.js';

const kekText = (seed: number) => toBase64(Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i) & 0xff));
const K1 = kekText(1);
const K2 = kekText(2);
const ring = (...keks: string[]): Keyring => parseKeyring(keks.join(','), 'test keyring');

const backends = storeBackends(4);

/** Every form a secret could leak in: the whsec_ text, its base64 and its bytes in hex. */
function forms(secret: string): string[] {
  const b64 = secret.slice('whsec_'.length);
  const hex = Array.from(Buffer.from(b64, 'base64'), (b) => b.toString(16).padStart(2, '0')).join('');
  return [secret, b64, hex];
}

describe.each(backends)('license key store on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  const fresh = async (keyring: Keyring | (() => Keyring) = ring(K1)) => {
    const schema = freshSchema('k');
    const keys = createKeyStore(client, { schema, keyring, now: () => new Date(NOW_MS) });
    await keys.migrate();
    return { keys, schema, table: `${schema}.telemetry_license_keys` };
  };
  const dump = async (table: string) => (await client.query(`SELECT row_to_json(t)::text AS text FROM ${table} t`)).rows.map((r) => String(r['text'])).join('\n');

  it.skipIf(skip)('issues a secret once, stores it only encrypted, and lists ids, dates and states, never a secret', async () => {
    const { keys, table } = await fresh();
    const issued = await keys.issue('lic-0042');
    expect(issued).toMatchObject({ licenseId: 'lic-0042', keyId: 'k1', createdAt: new Date(NOW_MS).toISOString(), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const stored = await dump(table);
    for (const form of forms(issued.secret)) expect(stored).not.toContain(form);
    const listed = await keys.list();
    expect(listed).toEqual([{ licenseId: 'lic-0042', keyId: 'k1', createdAt: issued.createdAt, state: 'active', kekId: kekId(Buffer.from(K1, 'base64')) }]);
    expect(JSON.stringify(listed)).not.toContain(issued.secret.slice(6));
    await expect(keys.issue('lic-0042')).rejects.toMatchObject({ rule: 'license-has-key', message: expect.stringMatching(/^issue: lic-0042 already has an active key \(license-has-key\); use rotate/) });
  });

  it.skipIf(skip)('looks up a license\'s keys for ingest: its own key verifies, another license\'s is refused', async () => {
    const { keys } = await fresh();
    const a = await keys.issue('lic-a');
    const b = await keys.issue('lic-b');
    const send = async (licenseId: string, secret: string) => {
      const request = await built({ licenseId, signingSecrets: [secret] });
      return ingest({ headers: request.headers, body: request.body }, { licenseKeys: keys.keysOf, acceptedVersions: [1], now: () => NOW_MS });
    };
    expect(await send('lic-a', a.secret)).toMatchObject({ ok: true, keyId: 'k1' });
    expect(await send('lic-b', a.secret)).toMatchObject({ status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await send('lic-c', a.secret)).toMatchObject({ status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await send('lic-b', b.secret)).toMatchObject({ ok: true });
    expect(await keys.keysOf('lic-c')).toBeUndefined();
  });

  it.skipIf(skip)('rotates and revokes per license, leaving other licenses untouched', async () => {
    const { keys } = await fresh();
    const old = await keys.issue('lic-a');
    const other = await keys.issue('lic-b');
    await expect(keys.rotate('lic-new')).rejects.toMatchObject({ rule: 'no-active-key' });
    const next = await keys.rotate('lic-a');
    expect(next.keyId).toBe('k2');
    expect(await keys.keysOf('lic-a')).toEqual([
      { id: 'k2', secret: next.secret },
      { id: 'k1', secret: old.secret },
    ]);
    expect(await keys.revoke('lic-a', 'k1')).toBe(1);
    expect(await keys.revoke('lic-a', 'k1')).toBe(0);
    expect(await keys.keysOf('lic-a')).toEqual([
      { id: 'k2', secret: next.secret },
      { id: 'k1', secret: old.secret, revoked: true },
    ]);
    expect(await keys.keysOf('lic-b')).toEqual([{ id: 'k1', secret: other.secret }]);
    expect(await keys.revoke('lic-a')).toBe(1);
    expect((await keys.list('lic-a')).map((k) => [k.keyId, k.state])).toEqual([
      ['k1', 'revoked'],
      ['k2', 'revoked'],
    ]);
    expect((await keys.list('lic-b')).map((k) => k.state)).toEqual(['active']);
    // A license whose keys are all revoked may be issued a new one.
    expect((await keys.issue('lic-a')).keyId).toBe('k3');
  });

  it.skipIf(skip)('holds at most four active keys per license', async () => {
    const { keys } = await fresh();
    await keys.issue('lic-a');
    for (let i = 0; i < 3; i++) await keys.rotate('lic-a');
    await expect(keys.rotate('lic-a')).rejects.toMatchObject({ rule: 'too-many-keys' });
  });

  it.skipIf(skip)('binds each ciphertext to its license: one moved to another license does not decrypt', async () => {
    const { keys, table } = await fresh();
    await keys.issue('lic-a');
    await keys.issue('lic-b');
    await client.query(`UPDATE ${table} SET nonce = a.nonce, sealed = a.sealed FROM ${table} a WHERE ${table}.license_id = 'lic-b' AND a.license_id = 'lic-a'`);
    const error = await keys.keysOf('lic-b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error).toMatchObject({ rule: 'kek-mismatch', message: expect.stringMatching(/^key lookup: the secret of lic-b key k1 does not decrypt under key-encryption key [0-9a-f]{16} \(kek-mismatch\); /) });
    // The other license's own secret is untouched.
    expect(await keys.keysOf('lic-a')).toHaveLength(1);
    // check samples one secret per key-encryption key; with all, it reads every one and finds this one.
    await expect(keys.check({ all: true })).rejects.toMatchObject({ rule: 'kek-mismatch' });
  });

  it.skipIf(skip)('finds a wrong key-encryption key at check, in one error that names no key material', async () => {
    const { keys, schema } = await fresh();
    const issued = await keys.issue('lic-a');
    const wrong = createKeyStore(client, { schema, keyring: ring(K2) });
    const error = (await wrong.check().catch((e: unknown) => e)) as KeyStoreError;
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.rule).toBe('kek-unknown');
    expect(error.message).toMatch(/^key store: secrets are stored under the key-encryption key [0-9a-f]{16}, which the keyring \([0-9a-f]{16}\) lacks \(kek-unknown\); /);
    for (const text of [K1, K2, ...forms(issued.secret)]) expect(error.message).not.toContain(text);
    const k1 = kekId(Buffer.from(K1, 'base64'));
    expect(await keys.check()).toEqual({ secrets: 1, dataKeys: 0, records: 0, byKek: { [k1]: 1 }, currentKek: k1, neededKeks: [k1], unneededKeks: [] });
  });

  it.skipIf(skip)('rotates the key-encryption key without reissuing a secret: rewrap, then the new key alone reads everything', async () => {
    const { keys, schema, table } = await fresh();
    const a = await keys.issue('lic-a');
    const b = await keys.issue('lic-b');
    const before = await dump(table);
    const both = createKeyStore(client, { schema, keyring: ring(K2, K1) });
    expect(await both.rewrap()).toEqual({ rewrapped: 2, secrets: 2, dataKeys: 0, currentKek: kekId(Buffer.from(K2, 'base64')) });
    expect(await both.rewrap()).toMatchObject({ rewrapped: 0 });
    expect(await dump(table)).not.toBe(before);
    const only = createKeyStore(client, { schema, keyring: ring(K2) });
    expect(await only.check()).toMatchObject({ secrets: 2, byKek: { [kekId(Buffer.from(K2, 'base64'))]: 2 } });
    expect(await only.keysOf('lic-a')).toEqual([{ id: 'k1', secret: a.secret }]);
    expect(await only.keysOf('lic-b')).toEqual([{ id: 'k1', secret: b.secret }]);
    await expect(createKeyStore(client, { schema, keyring: ring(K1) }).check()).rejects.toMatchObject({ rule: 'kek-unknown' });
  });

  it.skipIf(skip)('reads its keyring again when a secret names a key-encryption key it lacks, as a server does after a rotation', async () => {
    let current = ring(K1);
    const { keys, schema } = await fresh(() => current);
    const a = await keys.issue('lic-a');
    expect(await keys.keysOf('lic-a')).toEqual([{ id: 'k1', secret: a.secret }]);
    // The operator adds K2 first in the file, and rewraps from another process.
    await createKeyStore(client, { schema, keyring: ring(K2, K1) }).rewrap();
    current = ring(K2);
    expect(await keys.keysOf('lic-a')).toEqual([{ id: 'k1', secret: a.secret }]);
  });

  it.skipIf(skip)('refuses a malformed license or key id, naming the rule', async () => {
    const { keys } = await fresh();
    await expect(keys.issue('lic/a')).rejects.toThrow(/^issue: the license id must match .* \(license-id\)$/);
    await expect(keys.revoke('lic-a', "k1' OR 1=1")).rejects.toThrow(/\(key-id\)$/);
    expect(await keys.keysOf('lic/a')).toBeUndefined();
  });
});

describe('parseKeyring', () => {
  it('reads keys separated by commas, spaces or lines, current first, with # comments', () => {
    const keyring = parseKeyring(`# rotated 2026-11\n${K2}\n${K1}\n`, 'file');
    expect(keyring.all.map((k) => k.id)).toEqual([kekId(Buffer.from(K2, 'base64')), kekId(Buffer.from(K1, 'base64'))]);
    expect(keyring.current.id).toBe(kekId(Buffer.from(K2, 'base64')));
    expect(parseKeyring(`${K1}, ${K2}`, 'env').current.id).toBe(kekId(Buffer.from(K1, 'base64')));
  });

  it.each([
    ['', /^TELEMETRY_KEK: holds no key-encryption key \(kek-missing\)/],
    ['c2hvcnQ=', /^TELEMETRY_KEK: key-encryption key 1 is not standard base64 of 32 bytes \(kek-format\)/],
    [`${K1},${K1}`, /^TELEMETRY_KEK: key-encryption key 2 repeats an earlier one \(kek-format\)$/],
  ])('refuses %j without quoting it', (text, message) => {
    expect(() => parseKeyring(text, 'TELEMETRY_KEK')).toThrow(message);
  });
});
