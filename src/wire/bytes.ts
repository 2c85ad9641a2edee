/**
 * Byte helpers over Uint8Array with web-standard globals only (btoa, atob,
 * TextEncoder), so the wire code runs where `Buffer` does not exist.
 */
import { hashes } from './hashes.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Standard base64 (RFC 4648 section 4, with padding). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunked: String.fromCharCode(...bytes) overflows the stack on large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 to bytes, or undefined. atob alone would also accept whitespace and missing padding. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64url without padding (RFC 4648 section 5), as JOSE writes it. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict unpadded base64url to bytes, or undefined (a length of 1 mod 4 is no encoding of anything). */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bytes = fromBase64(padded);
  // Bits past the last whole byte must be zero, so that one value has one spelling.
  return bytes !== undefined && toBase64Url(bytes) === text ? bytes : undefined;
}

/** `length` bytes of HKDF-SHA-256 (RFC 5869) with an empty salt: keys derived from a secret for one purpose each. */
export async function hkdfSha256(secret: Uint8Array, info: string, length: number): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey('raw', bufferSource(secret), 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: bufferSource(utf8(info)) }, ikm, length * 8));
}

/** Lowercase hex. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!]!;
  return hex;
}

/** The bytes as an ArrayBuffer-backed view WebCrypto accepts in every TypeScript lib version. */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/**
 * SHA-256 of the bytes, synchronously, rather than by WebCrypto: it hashes
 * only public data (dedupe keys, the served schema), and a `crypto.subtle`
 * call is a round trip through the runtime's thread pool, ~35 µs on Node 20,
 * more than the rest of `ingest` together (see docs/performance.md). The
 * platform's node:crypto where the runtime has it, else the bundled
 * @noble/hashes (./hashes.ts).
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  return hashes.sha256(bytes);
}

/**
 * Whether two byte strings are equal, in a time that depends on their length
 * alone: every byte is compared, with no exit at the first difference, so the
 * time taken tells an attacker nothing about how much of a guessed MAC was
 * right. Strings of different lengths are unequal at once (a MAC's length is public).
 *
 * @example
 * timingSafeEqual(computedMac, receivedMac);
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** HMAC-SHA-256 of the message under the raw key. */
export async function hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey('raw', bufferSource(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, bufferSource(message)));
}
