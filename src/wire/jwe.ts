/**
 * Payload encryption: the body as a JWE in compact serialization (RFC 7516),
 * key management `"alg": "dir"` (the key is shared, nothing is wrapped) and
 * content encryption `"enc": "A256GCM"` (RFC 7518 section 5.3), so a receiver
 * in any language decrypts it with an off-the-shelf JOSE library:
 *
 *   BASE64URL(protected header) . "" . BASE64URL(IV) . BASE64URL(ciphertext) . BASE64URL(tag)
 *
 *   protected header  {"alg":"dir","enc":"A256GCM","kid":"<key id>","cty":"application/json"}
 *   IV                96 random bits, fresh for every encryption
 *   AAD               the ASCII bytes of the first part, as written
 *   tag               128 bits
 *
 * The key is 32 bytes, written as a `whsec_` secret: given, or derived from a
 * signing secret with HKDF-SHA-256 (info `"telemetry-contract payload
 * encryption v1"`). Its id is the first 8 bytes of its SHA-256, in hex, so
 * both sides compute it from the key alone and a server holding several keys
 * during a rotation picks the right one. WebCrypto AES-GCM only.
 */
import { bufferSource, fromBase64Url, hkdfSha256, sha256, toBase64, toBase64Url, toHex, utf8 } from './bytes.js';
import { probeContract } from '../../generated/probe.js';
import { iJsonProblem } from '../contract/i-json.js';
import { parseSecret } from './signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The media type of a JWE in compact serialization (RFC 7516 section 9). */
export const JOSE_MEDIA_TYPE = 'application/jose';
/** The HKDF info string of the key derived from a signing secret. */
export const ENCRYPTION_KEY_INFO = 'telemetry-contract payload encryption v1';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A protected header is a few dozen bytes; more is not a header this package would write. */
const MAX_HEADER_CHARS = 1024;

/**
 * The 32-byte key derived from a signing secret, as a `whsec_` secret. It
 * changes when that secret is rotated; pass an explicit key to keep it.
 *
 * @example
 * const encryptionKey = await deriveEncryptionKey(signingSecret);
 */
export async function deriveEncryptionKey(signingSecret: string): Promise<string> {
  return `whsec_${toBase64(await hkdfSha256(parseSecret(signingSecret), ENCRYPTION_KEY_INFO, KEY_BYTES))}`;
}

/** The key bytes of a `whsec_` encryption key; a TypeError (a configuration mistake) unless it holds exactly 32 bytes. */
function keyBytes(key: string): Uint8Array {
  const bytes = parseSecret(key);
  if (bytes.length !== KEY_BYTES) throw new TypeError(`encryptionKey: must hold exactly 32 bytes for A256GCM, got ${bytes.length} (encryption-key)`);
  return bytes;
}

/**
 * The key id (`kid`) of an encryption key: the first 8 bytes of the SHA-256
 * of its bytes, in hex. Public: it names the key without revealing it.
 *
 * @example
 * encryptionKeyId(key); // "3f1c0d9a7b2e4c55"
 */
export function encryptionKeyId(key: string): string {
  return toHex(sha256(keyBytes(key)).subarray(0, 8));
}

function aesKey(bytes: Uint8Array, usage: 'encrypt' | 'decrypt') {
  return crypto.subtle.importKey('raw', bufferSource(bytes), 'AES-GCM', false, [usage]);
}

/**
 * Encrypts a body to a JWE compact string. `iv` is for test vectors only:
 * real bodies take a fresh random IV, as they must (an IV used twice with one
 * key breaks AES-GCM).
 *
 * @example
 * const jwe = await encryptBody(utf8(JSON.stringify(payload)), encryptionKey);
 */
export async function encryptBody(
  plaintext: Uint8Array,
  key: string,
  iv: Uint8Array = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
  contentType: PlaintextType = 'application/json',
): Promise<string> {
  if (iv.length !== IV_BYTES) throw new RangeError(`iv: must be 12 bytes, got ${iv.length}`);
  const header = toBase64Url(utf8(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: encryptionKeyId(key), cty: contentType })));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(utf8(header)), tagLength: TAG_BYTES * 8 }, await aesKey(keyBytes(key), 'encrypt'), bufferSource(plaintext)),
  );
  return `${header}..${toBase64Url(iv)}.${toBase64Url(sealed.subarray(0, sealed.length - TAG_BYTES))}.${toBase64Url(sealed.subarray(sealed.length - TAG_BYTES))}`;
}

/** What an encrypted body may hold (its `cty`): a report, or a connection test (a probe). */
export type PlaintextType = 'application/json' | typeof probeContract.mediaType;

export type DecryptResult = { readonly ok: true; readonly plaintext: Uint8Array; readonly keyId: string; readonly contentType: PlaintextType } | { readonly ok: false; readonly status: number; readonly error: WireError };

const malformed = (what: string): DecryptResult => ({ ok: false, status: 400, error: wireError('body', `is not a JWE this endpoint reads: ${what}`, 'malformed-jwe') });

/** The protected header, when it is the one kind this package reads. */
function readHeader(part: string): { ok: true; kid: string; cty: PlaintextType } | { ok: false; what: string } {
  if (part.length > MAX_HEADER_CHARS) return { ok: false, what: 'the protected header is too long' };
  const bytes = fromBase64Url(part);
  if (bytes === undefined) return { ok: false, what: 'the protected header is not base64url' };
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    header = JSON.parse(text);
  } catch {
    return { ok: false, what: 'the protected header is not UTF-8 JSON' };
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, what: 'the protected header is not a JSON object' };
  if (iJsonProblem(text) !== undefined) return { ok: false, what: 'the protected header names a member twice, or holds a lone surrogate' };
  const h = header as Record<string, unknown>;
  if (h['alg'] !== 'dir') return { ok: false, what: `"alg" must be "dir", got ${typeof h['alg'] === 'string' && h['alg'].length <= 16 ? JSON.stringify(h['alg']) : 'another value'}` };
  if (h['enc'] !== 'A256GCM') return { ok: false, what: `"enc" must be "A256GCM", got ${typeof h['enc'] === 'string' && h['enc'].length <= 16 ? JSON.stringify(h['enc']) : 'another value'}` };
  if (Object.hasOwn(h, 'zip')) return { ok: false, what: '"zip" is not accepted: a body is never compressed before encryption' };
  if (Object.hasOwn(h, 'crit')) return { ok: false, what: '"crit" names extensions this endpoint does not implement' };
  // RFC 7515 lets "cty" omit "application/"; a probe says so here, as its plain body says so in content-type.
  const cty = !Object.hasOwn(h, 'cty') ? 'json' : typeof h['cty'] === 'string' ? h['cty'].toLowerCase().replace(/^application\//, '') : '';
  const probe = probeContract.mediaType.replace(/^application\//, '');
  if (cty !== 'json' && cty !== probe) return { ok: false, what: `"cty" must be "application/json" (a report) or "${probeContract.mediaType}" (a connection test)` };
  if (typeof h['kid'] !== 'string' || !/^[0-9a-f]{16}$/.test(h['kid'])) return { ok: false, what: '"kid" must be the 16 hex digits of the key id' };
  return { ok: true, kid: h['kid'], cty: cty === probe ? probeContract.mediaType : 'application/json' };
}

/**
 * Decrypts a JWE compact body with the key its `kid` names. Never throws on
 * request input: a JWE of another kind is `malformed-jwe` (400), a key id the
 * server does not hold `unknown-key-id` (400), anything that does not decrypt
 * `decryption-failed` (400, saying nothing more), a plaintext over `maxBytes`
 * `too-large` (413).
 *
 * @example
 * const opened = await decryptBody(body, [encryptionKey], { maxBytes: 65536 });
 * if (opened.ok) parseTelemetry(opened.plaintext);
 */
export async function decryptBody(body: Uint8Array, keys: readonly string[], options: { readonly maxBytes: number }): Promise<DecryptResult> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return malformed('it is not ASCII text');
  }
  const parts = text.trim().split('.');
  if (parts.length !== 5) return malformed(`it has ${parts.length} dot-separated parts, a compact JWE has 5`);
  const [protectedPart, encryptedKey, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string, string];
  const header = readHeader(protectedPart);
  if (!header.ok) return malformed(header.what);
  if (encryptedKey !== '') return malformed('with "alg": "dir" the encrypted key part is empty');
  const iv = fromBase64Url(ivPart);
  const ciphertext = fromBase64Url(ciphertextPart);
  const tag = fromBase64Url(tagPart);
  if (iv === undefined || ciphertext === undefined || tag === undefined) return malformed('the IV, ciphertext or tag is not base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return malformed(`the IV must be 12 bytes and the tag 16, got ${iv.length} and ${tag.length}`);
  // AES-GCM's ciphertext is as long as its plaintext: the limit holds for what decryption would give.
  if (ciphertext.length > options.maxBytes) return { ok: false, status: 413, error: wireError('body', `decrypts to more than the limit of ${options.maxBytes} bytes`, 'too-large') };
  const key = keys.find((candidate) => encryptionKeyId(candidate) === header.kid);
  if (key === undefined) return { ok: false, status: 400, error: wireError('body', `the JWE's "kid" names no encryption key this endpoint holds; uploader and server must share the key (derived from the signing secret unless one is configured)`, 'unknown-key-id') };
  const sealed = new Uint8Array(ciphertext.length + TAG_BYTES);
  sealed.set(ciphertext);
  sealed.set(tag, ciphertext.length);
  try {
    const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(utf8(protectedPart)), tagLength: TAG_BYTES * 8 }, await aesKey(keyBytes(key), 'decrypt'), sealed);
    return { ok: true, plaintext: new Uint8Array(plaintext), keyId: header.kid, contentType: header.cty };
  } catch {
    return { ok: false, status: 400, error: wireError('body', 'cannot be decrypted', 'decryption-failed') };
  }
}
