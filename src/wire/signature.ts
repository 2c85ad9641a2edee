/**
 * Standard Webhooks 1.0 signing and verification, byte for byte as the spec
 * writes it, so a receiver in any language can use an off-the-shelf library:
 *
 *   signed content  = `${webhook-id}.${webhook-timestamp}.` + raw body bytes
 *   webhook-signature = "v1," + base64(HMAC-SHA-256(secret, signed content)),
 *                       several entries separated by one space during a key rotation
 *   secrets           = "whsec_" + base64(24 to 64 random bytes)
 *
 * No `node:crypto`, no `Buffer`. Secrets and signatures come from WebCrypto.
 * Verification computes the HMAC in-process with the bundled, audited
 * @noble/hashes and compares it in constant time: a WebCrypto call waits for
 * the runtime's thread pool, which took most of `ingest`'s time
 * (docs/performance.md), and a receiver verifies every request.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bufferSource, fromBase64, timingSafeEqual, toBase64, utf8 } from './bytes.js';
import { type HeadersLike, type NormalizedHeaders, normalizeHeaders } from './headers.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The header names Standard Webhooks defines (lowercase, as fetch reports them). */
export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** How far a signature's timestamp may be from the receiver's clock, either way: the spec's five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';
/** WebCrypto's key type, named without relying on the DOM lib. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
/** The spec's bounds on secret size. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Upper bounds that keep a hostile header from costing more than a handful of HMACs. */
const MAX_SIGNATURE_HEADER = 2048;
const MAX_SIGNATURES = 16;
const MAX_ID_LENGTH = 256;
const TIMESTAMP = /^[0-9]{1,12}$/;
/** Keys one verification tries at most: a list, or one license's keys. Bounds the HMACs a request costs. */
export const MAX_KEYS = 64;

/** The three signing headers of one attempt. */
// A type alias, not an interface: it then fits HeadersLike (and Record<string, string>) without a cast.
export type SignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** A key the receiver knows: an id for logs and results, the `whsec_` secret, and whether it is revoked. */
export interface VerificationKey {
  /** A name for the key (not secret), returned as `keyId` when it verifies a request. */
  readonly id: string;
  /** `whsec_<base64>`. */
  readonly secret: string;
  /** A revoked key's signatures are refused with `revoked-key`, so the sender learns to rotate. */
  readonly revoked?: boolean;
}

export interface VerifyOptions {
  /** Every key the receiver knows; at least one not revoked. Several active keys allow a rotation. */
  readonly keys: readonly VerificationKey[];
  /** Default {@link DEFAULT_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock in milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

export type SignatureResult =
  | { readonly ok: true; readonly keyId: string; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly error: WireError };

/**
 * Decodes a `whsec_<base64>` secret to its key bytes. Throws a TypeError for a
 * malformed secret (a configuration mistake, not bad input); the message never
 * contains the secret.
 *
 * @example
 * const key = parseSecret(process.env.TELEMETRY_SIGNING_SECRET!);
 */
export function parseSecret(secret: string): Uint8Array {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError(`secret: must be "whsec_" followed by base64, got ${typeof secret === 'string' ? 'a string without the prefix' : typeof secret} (secret-format)`);
  }
  const bytes = fromBase64(secret.slice(SECRET_PREFIX.length));
  if (bytes === undefined) throw new TypeError('secret: the part after "whsec_" is not standard padded base64 (secret-format)');
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new TypeError(`secret: must decode to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${bytes.length} (secret-size); generate one with generateSecret()`);
  }
  return bytes;
}

/**
 * A new random secret in the spec's format (`whsec_` + base64 of 32 bytes).
 *
 * @example
 * const secret = generateSecret(); // "whsec_…", store it on both sides
 */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`generateSecret: bytes must be an integer from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}, got ${String(bytes)} (secret-size)`);
  }
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function signingKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bufferSource(parseSecret(secret)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** `<id>.<timestamp>.<body>` as the bytes the MAC covers. */
function signedContent(id: string, timestamp: number, body: Uint8Array | string): Uint8Array<ArrayBuffer> {
  const head = utf8(`${id}.${timestamp}.`);
  const bytes = typeof body === 'string' ? utf8(body) : body;
  const out = new Uint8Array(head.byteLength + bytes.byteLength);
  out.set(head);
  out.set(bytes, head.byteLength);
  return out;
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > 999_999_999_999) {
    throw new RangeError(`timestamp: must be whole Unix seconds from 0 to 999999999999, got ${String(timestamp)} (timestamp-format)`);
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || /[^\x21-\x7e]/.test(id)) {
    throw new TypeError(`id: must be 1 to ${MAX_ID_LENGTH} printable ASCII characters (message-id-format)`);
  }
}

/**
 * One Standard Webhooks signature entry, `v1,<base64>`, for one secret.
 *
 * @example
 * await sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
 * // "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
 */
export async function sign(secret: string, id: string, timestamp: number, body: Uint8Array | string): Promise<string> {
  checkId(id);
  checkTimestamp(timestamp);
  const key = await signingKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, signedContent(id, timestamp, body));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

export interface SignMessageInput {
  /** The message id (`webhook-id`); the same for every retry of one message. */
  readonly id: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  /** The exact bytes sent as the body. */
  readonly body: Uint8Array | string;
  /** One or more `whsec_` secrets; each adds one signature entry, in this order. */
  readonly secrets: string | readonly string[];
}

/**
 * The three signing headers for one attempt: one `v1,` entry per secret,
 * space-separated, so a receiver holding any one of the keys can verify.
 *
 * @example
 * const headers = await signMessage({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: [newSecret, oldSecret] });
 */
export async function signMessage(input: SignMessageInput): Promise<SignatureHeaders> {
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : [...input.secrets];
  if (secrets.length === 0 || secrets.length > 8) {
    throw new RangeError(`secrets: must hold 1 to 8 secrets, got ${secrets.length} (secret-count)`);
  }
  const entries = await Promise.all(secrets.map((secret) => sign(secret, input.id, input.timestamp, input.body)));
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': entries.join(' '),
  };
}

type KeyedMac = ReturnType<typeof hmac.create>;

/**
 * Per key object, as a server passes the same options on every request: its
 * secret and the HMAC state after the key's block, so that a verification
 * hashes only the signed content. Checked against the key's secret on use.
 */
const keyedMacs = new WeakMap<VerificationKey, { readonly secret: string; readonly mac: KeyedMac }>();

/** The key's HMAC state; parses (and so checks) the secret on first use, throwing a TypeError for a malformed one. */
function keyedMac(key: VerificationKey): KeyedMac {
  const cached = keyedMacs.get(key);
  if (cached !== undefined && cached.secret === key.secret) return cached.mac;
  const mac = hmac.create(sha256, parseSecret(key.secret));
  keyedMacs.set(key, { secret: key.secret, mac });
  return mac;
}

/**
 * Checks a key list: ids of 1 to 64 characters, each once, every secret well formed. With
 * `requireActive`, at least one key must not be revoked (a license whose keys are all revoked is
 * a license that may no longer send, so a lookup may return such a list).
 * Throws a TypeError naming the problem, never the secret.
 */
export function checkKeys(keys: readonly VerificationKey[], { requireActive = true, where = 'keys' }: { readonly requireActive?: boolean; readonly where?: string } = {}): void {
  if (!Array.isArray(keys) || (requireActive && !keys.some((k) => k.revoked !== true))) {
    throw new TypeError(`${where}: must hold at least one key that is not revoked (keys-config)`);
  }
  if (keys.length > MAX_KEYS) throw new TypeError(`${where}: must hold at most ${MAX_KEYS} keys, got ${keys.length} (keys-config)`);
  const ids = new Set<string>();
  for (const key of keys) {
    if (typeof key?.id !== 'string' || key.id.length === 0 || key.id.length > 64) throw new TypeError(`${where}: every key needs an id of 1 to 64 characters (keys-config)`);
    if (ids.has(key.id)) throw new TypeError(`${where}: the key id "${key.id}" is used twice (keys-config)`);
    ids.add(key.id);
    keyedMac(key);
  }
}

/** The raw MACs of the header's `v1` entries; other versions are skipped, as the spec says. */
function parseSignatureHeader(header: string): Uint8Array[] | undefined {
  if (header.length > MAX_SIGNATURE_HEADER) return undefined;
  const entries = header.split(' ');
  if (entries.length > MAX_SIGNATURES) return undefined;
  const macs: Uint8Array[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const mac = fromBase64(entry.slice(comma + 1));
    if (mac !== undefined && mac.length === 32) macs.push(mac);
  }
  return macs.length === 0 ? undefined : macs;
}

/** The first key whose HMAC of `<id>.<timestamp>.` + body equals one of the MACs, compared in constant time. */
function firstMatch(keys: readonly VerificationKey[], macs: readonly Uint8Array[], head: Uint8Array, body: Uint8Array): VerificationKey | undefined {
  const computed = new Uint8Array(32);
  for (const key of keys) {
    keyedMac(key).clone().update(head).update(body).digestInto(computed);
    for (const mac of macs) if (timingSafeEqual(computed, mac)) return key;
  }
  return undefined;
}

function describeSkew(skew: number, tolerance: number): string {
  const direction = skew < 0 ? 'behind' : 'ahead of';
  return `is ${Math.abs(skew)} s ${direction} the receiver's clock, outside the ±${tolerance} s tolerance; if this is not a replay, the sender's clock is off: set it (or an offset) from the receiver's Date header and sign again`;
}

/** A request's signing headers, read and checked, before any key is tried. */
export interface SignedParts {
  readonly id: string;
  readonly timestamp: number;
  /** `<id>.<timestamp>.` as bytes, the start of the signed content. */
  readonly head: Uint8Array;
  /** The raw MACs of the header's `v1` entries. */
  readonly macs: readonly Uint8Array[];
}

/**
 * The signing headers checked without any key: all three present and well
 * formed, the timestamp within the tolerance. The cheap half of a
 * verification, run before a server looks up any key. Takes the headers as
 * the receiver normalized them once for all its checks.
 */
export function readSignedParts(headers: NormalizedHeaders, options: Pick<VerifyOptions, 'toleranceSeconds' | 'now'>): { readonly ok: true; readonly parts: SignedParts } | { readonly ok: false; readonly error: WireError } {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) throw new RangeError(`toleranceSeconds: must be a non-negative integer, got ${String(tolerance)}`);
  const id = headers[SIGNATURE_HEADERS.id];
  const timestampText = headers[SIGNATURE_HEADERS.timestamp];
  const signature = headers[SIGNATURE_HEADERS.signature];
  for (const [name, value] of [
    [SIGNATURE_HEADERS.id, id],
    [SIGNATURE_HEADERS.timestamp, timestampText],
    [SIGNATURE_HEADERS.signature, signature],
  ] as const) {
    if (value === undefined || value === '') {
      return { ok: false, error: wireError(name, 'is missing; every request is signed with Standard Webhooks headers', 'missing-signature') };
    }
  }
  if (id!.length > MAX_ID_LENGTH) {
    return { ok: false, error: wireError(SIGNATURE_HEADERS.id, `must have at most ${MAX_ID_LENGTH} characters`, 'malformed-signature-header') };
  }
  if (!TIMESTAMP.test(timestampText!)) {
    return { ok: false, error: wireError(SIGNATURE_HEADERS.timestamp, 'must be whole Unix seconds (1 to 12 digits)', 'malformed-signature-header') };
  }
  const macs = parseSignatureHeader(signature!);
  if (macs === undefined) {
    return {
      ok: false,
      error: wireError(SIGNATURE_HEADERS.signature, `must hold 1 to ${MAX_SIGNATURES} space-separated entries, at least one "v1,<base64 of 32 bytes>"`, 'malformed-signature-header'),
    };
  }
  const timestamp = Number(timestampText);
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const skew = timestamp - now;
  if (Math.abs(skew) > tolerance) {
    const rule = skew < 0 ? 'timestamp-too-old' : 'timestamp-too-new';
    return { ok: false, error: wireError(SIGNATURE_HEADERS.timestamp, describeSkew(skew, tolerance), rule, { clockSkewSeconds: skew, toleranceSeconds: tolerance }) };
  }
  // The spec signs the timestamp as an integer, so "0123" is signed as "123" like its reference library does.
  return { ok: true, parts: { id: id!, timestamp, head: utf8(`${id!}.${timestamp}.`), macs } };
}

/**
 * Which of `keys` made one of the signatures: an active key first, else a
 * revoked one, else none. Costs one HMAC per key, never more.
 */
export function matchKeys(parts: SignedParts, body: Uint8Array | string, keys: readonly VerificationKey[]): { readonly key: VerificationKey; readonly revoked: boolean } | undefined {
  const bytes = typeof body === 'string' ? utf8(body) : body;
  const active = firstMatch(
    keys.filter((k) => k.revoked !== true),
    parts.macs,
    parts.head,
    bytes,
  );
  if (active !== undefined) return { key: active, revoked: false };
  const revoked = firstMatch(
    keys.filter((k) => k.revoked === true),
    parts.macs,
    parts.head,
    bytes,
  );
  return revoked === undefined ? undefined : { key: revoked, revoked: true };
}

/** The `revoked-key` refusal for a key that matched but is revoked. */
export function revokedKeyError(keyId: string): WireError {
  return wireError(SIGNATURE_HEADERS.signature, `is made with the revoked key "${keyId}"; sign with a current key from the vendor`, 'revoked-key');
}

/**
 * Verifies a request's Standard Webhooks signature over its raw body bytes:
 * all three headers present, the timestamp within the tolerance, and one `v1`
 * entry made by a key that is not revoked. The HMAC is computed in-process
 * (@noble/hashes, no wait on WebCrypto's thread pool) and compared in constant
 * time. Never throws on request input; throws a TypeError only for a
 * malformed key configuration. Any of `keys` verifies any request: a server
 * of many licenses uses `ingest` with `licenseKeys`, which tries only the keys
 * of the license a request names.
 *
 * @example
 * const result = await verifySignature(req.headers, rawBody, { keys: [{ id: '2026-01', secret }] });
 * if (!result.ok) return respond(401, result.error);
 */
export async function verifySignature(headers: HeadersLike, body: Uint8Array | string, options: VerifyOptions): Promise<SignatureResult> {
  checkKeys(options.keys);
  const read = readSignedParts(normalizeHeaders(headers), options);
  if (!read.ok) return read;
  const { parts } = read;
  const match = matchKeys(parts, body, options.keys);
  if (match !== undefined && !match.revoked) return { ok: true, keyId: match.key.id, id: parts.id, timestamp: parts.timestamp };
  if (match !== undefined) return { ok: false, error: revokedKeyError(match.key.id) };
  return {
    ok: false,
    error: wireError(SIGNATURE_HEADERS.signature, 'matches no active key for this id, timestamp and body; the body may have been altered, or the key is unknown', 'signature-mismatch'),
  };
}
