/**
 * Standard Webhooks 1.0, the receiving half: a request's signing headers read
 * and bounded, its timestamp held to a tolerance, and its signature matched
 * against the keys the receiver knows (the format and the signing are
 * ./signature.ts). The HMAC is computed in-process and synchronously (the
 * platform's node:crypto where there is one, else the bundled, audited
 * @noble/hashes: ./hashes.ts) and compared in constant time: a WebCrypto call
 * waits for the runtime's thread pool, which took most of `ingest`'s time
 * (docs/performance.md), and a receiver verifies every request.
 */
import { type WireError, wireError } from '../contract/wire-errors.js';
import { fromBase64, timingSafeEqual, utf8 } from './bytes.js';
import { type KeyedHmac, hashes } from './hashes.js';
import { type HeadersLike, type NormalizedHeaders, normalizeHeaders } from './headers.js';
import { MAX_ID_LENGTH, SIGNATURE_HEADERS, parseSecret } from './signature.js';

/** How far a signature's timestamp may be from the receiver's clock, either way: the spec's five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Upper bounds that keep a hostile header from costing more than a handful of HMACs. */
const MAX_SIGNATURE_HEADER = 2048;
const MAX_SIGNATURES = 16;
const TIMESTAMP = /^[0-9]{1,12}$/;
/** Keys one verification tries at most: a list, or one license's keys. Bounds the HMACs a request costs. */
export const MAX_KEYS = 64;

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
 * Per key object, as a server passes the same options on every request: its
 * secret and the key made ready for the HMAC (decoded, and with the portable
 * hash its first block hashed), so that a verification hashes only the signed
 * content. Checked against the key's secret on use.
 */
const keyedMacs = new WeakMap<VerificationKey, { readonly secret: string; readonly mac: KeyedHmac }>();

/** The key's HMAC; parses (and so checks) the secret on first use, throwing a TypeError for a malformed one. */
function keyedMac(key: VerificationKey): KeyedHmac {
  const cached = keyedMacs.get(key);
  if (cached !== undefined && cached.secret === key.secret) return cached.mac;
  const mac = hashes.hmacSha256(parseSecret(key.secret));
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

/**
 * The raw MACs of a signature's `v1` entries (other versions are skipped, as the spec says), or
 * undefined when it is too long, has too many entries or no usable one. A bundle's signature reads the same.
 */
export function signatureMacs(header: string): Uint8Array[] | undefined {
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
  for (const key of keys) {
    const computed = keyedMac(key)(head, body);
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
  const macs = signatureMacs(signature!);
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

/** The `signature-mismatch` refusal: no key of a list made any of the signatures. */
export function signatureMismatch(): WireError {
  return wireError(SIGNATURE_HEADERS.signature, 'matches no active key for this id, timestamp and body; the body may have been altered, or the key is unknown', 'signature-mismatch');
}

/** The `revoked-key` refusal for a key that matched but is revoked. */
export function revokedKeyError(keyId: string): WireError {
  return wireError(SIGNATURE_HEADERS.signature, `is made with the revoked key "${keyId}"; sign with a current key from the vendor`, 'revoked-key');
}

/**
 * Verifies a request's Standard Webhooks signature over its raw body bytes:
 * all three headers present, the timestamp within the tolerance, and one `v1`
 * entry made by a key that is not revoked. The HMAC is computed in-process
 * (node:crypto or @noble/hashes, no wait on WebCrypto's thread pool) and compared in constant
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
  return { ok: false, error: signatureMismatch() };
}
