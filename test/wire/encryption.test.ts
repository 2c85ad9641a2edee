/**
 * Encrypted bodies: a JWE in compact serialization ("alg":"dir",
 * "enc":"A256GCM") inside the signed request, interoperable with the jose
 * package both ways.
 */
import * as jose from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toBase64Url, utf8 } from '../../src/wire/bytes.js';
import { failureResponse, ingest, type IngestOptions, type VerificationKey } from '../../src/server.js';
import { decryptBody, deriveEncryptionKey, encryptBody, encryptionKeyId } from '../../src/wire/jwe.js';
import { signMessage, generateSecret } from '../../src/wire/signature.js';
import { FIXTURE_SOFTWARE, KEY_A, KEY_B, NOW_MS, built, counts } from './support.js';

const keys: VerificationKey[] = [
  { id: 'current', secret: KEY_A },
  { id: 'next', secret: KEY_B },
];
const options: IngestOptions = { licenseKeys: new Map([['lic-0042', keys]]), acceptedVersions: [1], now: () => NOW_MS, knownSoftware: FIXTURE_SOFTWARE };
const keyBytes = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');
afterEach(() => vi.restoreAllMocks());

/** The request with its body replaced by `body`, signed again with KEY_A: what a sender holding the signing key could send. */
async function resigned(request: Awaited<ReturnType<typeof built>>, body: string) {
  const bytes = utf8(body);
  return { headers: { ...request.headers, ...(await signMessage({ id: request.messageId, timestamp: NOW_MS / 1000, body: bytes, secrets: [KEY_A] })) }, body: bytes };
}

/** The parts of a compact JWE, one of them changed. */
function withPart(jwe: string, index: number, change: (part: string) => string): string {
  const parts = jwe.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

/** Flips the lowest bit of the first byte a base64url part encodes. */
const flipFirstByte = (part: string) => {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  return bytes.toString('base64url');
};

describe('encrypted bodies: the uploader', () => {
  it('sends a JWE the jose package decrypts with the key derived from the signing secret, a fresh IV each time', async () => {
    const first = await built({ encrypt: true });
    const second = await built({ encrypt: true });
    expect(first.headers['content-type']).toBe('application/jose');
    expect(first.encrypted).toBe(true);
    const jwe = new TextDecoder().decode(first.body);
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, keyBytes(await deriveEncryptionKey(KEY_A)));
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(first.payload);
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', kid: encryptionKeyId(await deriveEncryptionKey(KEY_A)), cty: 'application/json' });
    expect(jwe.split('.')[2]).not.toBe(new TextDecoder().decode(second.body).split('.')[2]);
  });

  it('signs the JWE exactly as sent: an off-the-shelf Standard Webhooks verifier accepts the bytes', async () => {
    const request = await built({ encrypt: true });
    vi.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    expect(() => new Webhook(KEY_A).verify(new TextDecoder().decode(request.body), request.headers, { jsonParse: false } as never)).not.toThrow();
  });

  it('refuses an explicit key that is not 32 bytes, naming the rule and not the key', async () => {
    const short = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const { createTelemetryRequest } = await import('../../src/uploader/request.js');
    const result = await createTelemetryRequest(counts(), { version: 1, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], encrypt: true, encryptionKey: short });
    expect(result).toMatchObject({ ok: false, error: { rule: 'secret-format' } });
    expect(!result.ok && result.error.message).toContain('must hold exactly 32 bytes');
    expect(!result.ok && result.error.message).not.toContain(short.slice(6));
  });
});

describe('encrypted bodies: ingest', () => {
  it('verifies, decrypts and validates an encrypted request, saying it was encrypted', async () => {
    const request = await built({ encrypt: true });
    expect(await ingest({ headers: request.headers, body: request.body }, options)).toMatchObject({ ok: true, encrypted: true, dedupeKey: request.dedupeKey, payload: request.payload });
    const plain = await built();
    expect(await ingest({ headers: plain.headers, body: plain.body }, options)).toMatchObject({ ok: true, encrypted: false });
  });

  it('accepts a body made by jose.CompactEncrypt and signed with the standardwebhooks package', async () => {
    const key = await deriveEncryptionKey(KEY_B);
    const plain = await built();
    const jwe = await new jose.CompactEncrypt(plain.body).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: encryptionKeyId(key), cty: 'application/json' }).encrypt(keyBytes(key));
    const signature = new Webhook(KEY_B).sign(plain.messageId, new Date(NOW_MS), jwe);
    const headers = { ...plain.headers, 'content-type': 'application/jose', 'webhook-signature': signature };
    expect(await ingest({ headers, body: utf8(jwe) }, options)).toMatchObject({ ok: true, encrypted: true, keyId: 'next' });
  });

  it('takes a configured key as well, and one the server holds during a rotation', async () => {
    const explicit = generateSecret(32);
    const request = await built({ encrypt: true, encryptionKey: explicit });
    expect(await ingest({ headers: request.headers, body: request.body }, { ...options, encryptionKeys: [generateSecret(32), explicit] })).toMatchObject({ ok: true });
    const unknown = await ingest({ headers: request.headers, body: request.body }, options);
    expect(unknown).toMatchObject({ ok: false, status: 400, error: { rule: 'unknown-key-id' } });
  });

  it.each([
    ['ciphertext', 3],
    ['tag', 4],
    ['IV', 2],
  ] as const)('refuses a flipped %s byte as decryption-failed, and says nothing more', async (_what, index) => {
    const request = await built({ encrypt: true });
    const tampered = await resigned(request, withPart(new TextDecoder().decode(request.body), index, flipFirstByte));
    const result = await ingest(tampered, options);
    expect(result).toMatchObject({ ok: false, status: 400, error: { rule: 'decryption-failed', message: 'body: cannot be decrypted (decryption-failed)' } });
  });

  it('refuses a protected header changed by one byte (still the same JSON) as decryption-failed: it is the AAD', async () => {
    const request = await built({ encrypt: true });
    const jwe = new TextDecoder().decode(request.body);
    const header = Buffer.from(jwe.split('.')[0]!, 'base64url').toString('utf8').replace('{"alg"', '{ "alg"');
    const tampered = await resigned(request, withPart(jwe, 0, () => Buffer.from(header).toString('base64url')));
    expect(await ingest(tampered, options)).toMatchObject({ ok: false, status: 400, error: { rule: 'decryption-failed' } });
  });

  it('refuses a replayed JWE whose kid was changed to another key the server holds, and one naming no key', async () => {
    const request = await built({ encrypt: true });
    const jwe = new TextDecoder().decode(request.body);
    const rekeyed = (kid: string) => withPart(jwe, 0, (part) => Buffer.from(Buffer.from(part, 'base64url').toString('utf8').replace(/"kid":"[0-9a-f]+"/, `"kid":"${kid}"`)).toString('base64url'));
    const other = encryptionKeyId(await deriveEncryptionKey(KEY_B));
    expect(await ingest(await resigned(request, rekeyed(other)), options)).toMatchObject({ ok: false, status: 400, error: { rule: 'decryption-failed' } });
    expect(await ingest(await resigned(request, rekeyed('0000000000000000')), options)).toMatchObject({ ok: false, status: 400, error: { rule: 'unknown-key-id' } });
  });

  it.each([
    ['"alg": "none"', { alg: 'none', enc: 'A256GCM' }, '"alg" must be "dir", got "none"'],
    ['a key-wrapping alg', { alg: 'A256KW', enc: 'A256GCM' }, '"alg" must be "dir"'],
    ['another enc', { alg: 'dir', enc: 'A128CBC-HS256' }, '"enc" must be "A256GCM"'],
    ['compression', { alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, '"zip" is not accepted'],
    ['critical extensions', { alg: 'dir', enc: 'A256GCM', crit: ['exp'], exp: 1 }, '"crit" names extensions'],
  ])('refuses %s as malformed-jwe', async (_name, header, message) => {
    const request = await built({ encrypt: true });
    const jwe = new TextDecoder().decode(request.body);
    const kid = JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString('utf8')).kid as string;
    const result = await ingest(await resigned(request, withPart(jwe, 0, () => toBase64Url(utf8(JSON.stringify({ ...header, kid }))))), options);
    expect(result).toMatchObject({ ok: false, status: 400, error: { rule: 'malformed-jwe' } });
    expect(!result.ok && result.error.message).toContain(message);
  });

  it('refuses a body that is not a compact JWE, in words', async () => {
    const request = await built({ encrypt: true });
    for (const body of ['not a jwe', 'a.b.c', `${new TextDecoder().decode(request.body)}.extra`]) {
      expect(await ingest(await resigned(request, body), options), body).toMatchObject({ ok: false, status: 400, error: { rule: 'malformed-jwe' } });
    }
  });

  it('bounds the ciphertext and what it decrypts to by maxBytes', async () => {
    const request = await built({ encrypt: true });
    const jwe = new TextDecoder().decode(request.body);
    expect(await ingest({ headers: request.headers, body: request.body }, { ...options, maxBytes: jwe.length - 1 })).toMatchObject({ ok: false, status: 413, error: { rule: 'too-large' } });
    // The JWE is always longer than what it decrypts to; decryptBody keeps its own bound all the same.
    const plaintextBytes = utf8(JSON.stringify(request.payload)).length;
    expect(await decryptBody(request.body, [await deriveEncryptionKey(KEY_A)], { maxBytes: plaintextBytes - 1 })).toMatchObject({ ok: false, status: 413, error: { rule: 'too-large' } });
    expect(await decryptBody(request.body, [await deriveEncryptionKey(KEY_A)], { maxBytes: plaintextBytes })).toMatchObject({ ok: true });
  });

  it('can require encryption: a plain JSON body is answered 415, naming the type it accepts', async () => {
    const plain = await built();
    const result = await ingest({ headers: plain.headers, body: plain.body }, { ...options, requireEncryption: true });
    expect(result).toMatchObject({ ok: false, status: 415, error: { rule: 'encryption-required' } });
    expect(!result.ok && failureResponse(result).headers['accept-post']).toBe('application/jose');
    const encrypted = await built({ encrypt: true });
    expect(await ingest({ headers: encrypted.headers, body: encrypted.body }, { ...options, requireEncryption: true })).toMatchObject({ ok: true });
  });

  it('encryptBody refuses an IV of another length, and a key of another size', async () => {
    await expect(encryptBody(utf8('{}'), await deriveEncryptionKey(KEY_A), new Uint8Array(16))).rejects.toThrow('iv: must be 12 bytes, got 16');
    expect(() => encryptionKeyId(`whsec_${Buffer.alloc(48).toString('base64')}`)).toThrow('must hold exactly 32 bytes for A256GCM, got 48 (encryption-key)');
  });
});
