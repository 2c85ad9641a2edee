/**
 * AES-256-GCM as the store uses it: a fresh 96-bit nonce per encryption,
 * stored in front of the ciphertext and its 128-bit tag, and associated data
 * that says what the value is and whose, so a ciphertext moved elsewhere does
 * not open. The platform's node:crypto where the runtime lends it
 * (`process.getBuiltinModule`, Node.js 20.16 and later), reached at run time
 * rather than imported so the store's entry builds for any runtime;
 * WebCrypto elsewhere. Same bytes either way (test/store/aead.test.ts).
 *
 * node:crypto answers in microseconds; WebCrypto's promise goes through the
 * runtime's thread pool and costs about ten times as much here, which `put`
 * (two encryptions a report) would feel next to an INSERT.
 */
import { bufferSource, utf8 } from '../wire/bytes.js';
import { lentNodeCrypto } from '../wire/hashes.js';

/** Bytes of the nonce and of the tag around every ciphertext. */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** What sealing adds to a value's length. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** What this module uses of node:crypto; Node's own types are not assumed, so the entry builds for any runtime. */
interface PlatformCipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
export interface PlatformCrypto {
  createCipheriv(algorithm: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array): PlatformCipher & { getAuthTag(): Uint8Array };
  createDecipheriv(algorithm: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array): PlatformCipher & { setAuthTag(tag: Uint8Array): unknown };
}

function platformCrypto(): PlatformCrypto | undefined {
  const found = lentNodeCrypto();
  return typeof found?.['createCipheriv'] === 'function' && typeof found['createDecipheriv'] === 'function' ? (found as unknown as PlatformCrypto) : undefined;
}

let platform: PlatformCrypto | undefined;
let lookedUp = false;
/** The platform's AES, looked up once; undefined where the runtime lends none (then WebCrypto). */
export function aesPlatform(): PlatformCrypto | undefined {
  if (!lookedUp) {
    platform = platformCrypto();
    lookedUp = true;
  }
  return platform;
}

/** Makes the store seal with `chosen` (undefined: WebCrypto) from now on; for tests of both paths. */
export function useAesPlatform(chosen: PlatformCrypto | undefined): void {
  platform = chosen;
  lookedUp = true;
}

type WebKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A 256-bit key made ready once for many values. Holds key material: never log it. */
export interface AeadKey {
  readonly bytes: Uint8Array;
  web?: Promise<WebKey>;
}

/** A key of 32 bytes; a TypeError for any other length. */
export function aeadKey(bytes: Uint8Array): AeadKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new TypeError('aeadKey: an AES-256 key is 32 bytes (key-length)');
  return { bytes };
}

const webKey = (key: AeadKey): Promise<WebKey> => (key.web ??= crypto.subtle.importKey('raw', bufferSource(key.bytes), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));

const concat = (...parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Random bytes for 1,024 nonces, drawn at once: one call to the random source per thousand seals, not per seal. */
const nonces = new Uint8Array(NONCE_BYTES * 1024);
let noncesUsed = nonces.length;

/** A fresh random 96-bit nonce (a copy: the pool is refilled later). */
function freshNonce(): Uint8Array {
  if (noncesUsed === nonces.length) {
    crypto.getRandomValues(nonces);
    noncesUsed = 0;
  }
  noncesUsed += NONCE_BYTES;
  return nonces.slice(noncesUsed - NONCE_BYTES, noncesUsed);
}

/** `nonce ‖ ciphertext ‖ tag` of `plaintext` under `key`, bound to `context` (text or bytes) as associated data. */
export async function sealValue(key: AeadKey, context: string | Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const aad = typeof context === 'string' ? utf8(context) : context;
  const nonce = freshNonce();
  const node = aesPlatform();
  if (node !== undefined) {
    const cipher = node.createCipheriv('aes-256-gcm', key.bytes, nonce);
    cipher.setAAD(aad);
    return concat(nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  }
  const out = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 }, await webKey(key), bufferSource(plaintext));
  return concat(nonce, new Uint8Array(out));
}

/**
 * The plaintext of a value {@link sealValue} made, or undefined when it does not open: another key, another
 * context, a changed or cut byte. The tag is checked before any plaintext is returned.
 */
export async function openValue(key: AeadKey, context: string | Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const aad = typeof context === 'string' ? utf8(context) : context;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const node = aesPlatform();
  if (node !== undefined) {
    try {
      const decipher = node.createDecipheriv('aes-256-gcm', key.bytes, nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES));
      // final() checks the tag; until it has, `body` is not returned.
      return concat(body, decipher.final());
    } catch {
      return undefined;
    }
  }
  try {
    const out = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 }, await webKey(key), bufferSource(sealed.subarray(NONCE_BYTES)));
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}
