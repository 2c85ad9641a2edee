/**
 * Bundle receipts: what the vendor's server answers to an uploaded bundle, a
 * per-window account (stored, stored before, refused and why) that the
 * installation imports to mark exactly those windows delivered. The customer
 * holds the license's signing secret, so a receipt MACed with it could be
 * forged by anyone on the customer's side; a receipt is instead signed by
 * the server with an Ed25519 key whose private half never leaves the vendor,
 * and verified with its public half, which ships with the license.
 *
 *   receipt file = { receipt, format, bundleId, licenseId, receivedAt, windows, jws }
 *   jws          = compact JWS (RFC 7515): {"alg":"EdDSA","kid":"<key id>","typ":"telemetry-receipt+json"}
 *                  over the UTF-8 JSON of the same members but `jws`
 *
 * Only the signed payload counts; the readable copy beside it must equal it,
 * or the receipt is refused. Ed25519 signatures are deterministic, so the
 * vectors in generated/bundle-vectors.json repeat byte for byte. WebCrypto
 * only (Ed25519 is in Node.js 20, Deno, Bun and current browsers).
 */
import { type WireError, wireError } from '../contract/wire-errors.js';
import { bufferSource, fromBase64, fromBase64Url, sha256, toBase64, toBase64Url, toHex, utf8 } from './bytes.js';
import { BUNDLE_FORMAT, MAX_BUNDLE_WINDOWS } from './bundle.js';

/** What the `receipt` member says. */
export const RECEIPT_KIND = 'telemetry-contract bundle receipt';
/** The JWS `typ` of a receipt. */
export const RECEIPT_TYPE = 'telemetry-receipt+json';
const PUBLIC_PREFIX = 'ed25519:';
/** PKCS#8 of an Ed25519 key is this fixed prefix and the 32-byte seed (RFC 8410). */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const ED25519 = { name: 'Ed25519' } as const;

/** What the server did with one window of the bundle. */
export interface ReceiptWindow {
  readonly messageId: string;
  /** Hex SHA-256 of the window's body as uploaded: the receipt speaks of these bytes only. */
  readonly bodySha256: string;
  /** 201 stored, 200 stored before with the same body (or a correction applied); anything else is a refusal. */
  readonly status: number;
  /** The refusal's rule (`window-conflict`, `invalid-payload`, …); absent when stored. */
  readonly rule?: string;
  /** The refusal in one line; absent when stored. */
  readonly message?: string;
  /** On `window-conflict`: the digest of the stored report, which a correction names. */
  readonly storedDigest?: string;
  /** When a correction was applied: the digest of the report it replaced. */
  readonly superseded?: string;
}

export interface ReceiptPayload {
  readonly receipt: typeof RECEIPT_KIND;
  readonly format: typeof BUNDLE_FORMAT;
  /** The bundle's id (`bnd_…`, the SHA-256 of its manifest). */
  readonly bundleId: string;
  readonly licenseId: string;
  /** When the server received the bundle (ISO 8601, UTC). */
  readonly receivedAt: string;
  /** One entry per window of the bundle, in its order. */
  readonly windows: readonly ReceiptWindow[];
}

/** The receipt as the server answers it and the administrator carries it back: the payload to read, and its signature. */
export interface ReceiptDocument extends ReceiptPayload {
  /** The compact JWS over the payload; only this counts. */
  readonly jws: string;
}

/** A receipt signing key: the private key (PKCS#8 PEM), its public key as licenses carry it, and the key's id. */
export interface ReceiptKeyPair {
  /** `-----BEGIN PRIVATE KEY-----…`: keep it on the server; `openssl genpkey -algorithm ed25519` writes the same. */
  readonly privateKey: string;
  /** `ed25519:<base64url of the 32-byte public key>`: ship it with the license. */
  readonly publicKey: string;
  /** 16 hex digits: the first 8 bytes of the SHA-256 of the public key, the JWS `kid`. */
  readonly keyId: string;
}

function publicKeyBytes(publicKey: string, where = 'receiptKeys'): Uint8Array {
  const raw = typeof publicKey === 'string' && publicKey.startsWith(PUBLIC_PREFIX) ? fromBase64Url(publicKey.slice(PUBLIC_PREFIX.length)) : undefined;
  if (raw === undefined || raw.length !== 32) throw new TypeError(`${where}: a receipt key must be "ed25519:" followed by the base64url of 32 bytes (receipt-key)`);
  return raw;
}

/**
 * The id of a receipt key (public), as the JWS `kid` names it.
 *
 * @example
 * receiptKeyId('ed25519:11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'); // 16 hex digits
 */
export function receiptKeyId(publicKey: string): string {
  return toHex(sha256(publicKeyBytes(publicKey)).subarray(0, 8));
}

function pemBody(pem: string): Uint8Array | undefined {
  const match = /^-----BEGIN PRIVATE KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PRIVATE KEY-----\s*$/.exec(typeof pem === 'string' ? pem.trim() + '\n' : '');
  return match === null ? undefined : fromBase64(match[1]!.replace(/\s+/g, ''));
}

type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function importPrivate(privateKey: string): Promise<Key> {
  const der = pemBody(privateKey);
  const isEd25519 = der !== undefined && der.length === 48 && PKCS8_PREFIX.every((byte, i) => der[i] === byte);
  if (!isEd25519) throw new TypeError('receiptKey: must be an Ed25519 private key in PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", as `openssl genpkey -algorithm ed25519` writes it) (receipt-key)');
  return crypto.subtle.importKey('pkcs8', bufferSource(der), ED25519, true, ['sign']);
}

/**
 * The public key of a receipt signing key, as a license carries it. Throws a
 * TypeError for anything but an Ed25519 PKCS#8 PEM key; the message never
 * holds the key.
 *
 * @example
 * const publicKey = await receiptPublicKey(readFileSync('/run/credentials/telemetry/receipt-key', 'utf8'));
 */
export async function receiptPublicKey(privateKey: string): Promise<string> {
  const jwk = (await crypto.subtle.exportKey('jwk', await importPrivate(privateKey))) as { x?: string };
  return `${PUBLIC_PREFIX}${jwk.x!}`;
}

/**
 * A new receipt signing key.
 *
 * @example
 * const { privateKey, publicKey, keyId } = await generateReceiptKey(); // keep privateKey on the server, ship publicKey
 */
export async function generateReceiptKey(): Promise<ReceiptKeyPair> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const lines = toBase64(der).match(/.{1,64}/g)!.join('\n');
  const publicKey = `${PUBLIC_PREFIX}${toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)))}`;
  return { privateKey: `-----BEGIN PRIVATE KEY-----\n${lines}\n-----END PRIVATE KEY-----\n`, publicKey, keyId: receiptKeyId(publicKey) };
}

/** The payload's members in a fixed order, optional ones only when set: the bytes the JWS signs. */
function payloadOf(receipt: ReceiptPayload): ReceiptPayload {
  return {
    receipt: receipt.receipt,
    format: receipt.format,
    bundleId: receipt.bundleId,
    licenseId: receipt.licenseId,
    receivedAt: receipt.receivedAt,
    windows: receipt.windows.map((w) => ({
      messageId: w.messageId,
      bodySha256: w.bodySha256,
      status: w.status,
      ...(w.rule !== undefined ? { rule: w.rule } : {}),
      ...(w.message !== undefined ? { message: w.message } : {}),
      ...(w.storedDigest !== undefined ? { storedDigest: w.storedDigest } : {}),
      ...(w.superseded !== undefined ? { superseded: w.superseded } : {}),
    })),
  };
}

/**
 * Signs a receipt with the server's Ed25519 key: the payload, and the same
 * payload as a compact JWS (`alg` EdDSA, `kid` the key's id).
 *
 * @example
 * const receipt = await signReceipt({ receipt: RECEIPT_KIND, format: 1, bundleId, licenseId, receivedAt, windows }, privateKeyPem);
 */
export async function signReceipt(receipt: ReceiptPayload, privateKey: string): Promise<ReceiptDocument> {
  const key = await importPrivate(privateKey);
  const payload = payloadOf(receipt);
  const kid = receiptKeyId(await receiptPublicKey(privateKey));
  const head = toBase64Url(utf8(JSON.stringify({ alg: 'EdDSA', kid, typ: RECEIPT_TYPE })));
  const body = toBase64Url(utf8(JSON.stringify(payload)));
  const signature = new Uint8Array(await crypto.subtle.sign(ED25519, key, bufferSource(utf8(`${head}.${body}`))));
  return { ...payload, jws: `${head}.${body}.${toBase64Url(signature)}` };
}

export type VerifiedReceipt = { readonly ok: true; readonly receipt: ReceiptPayload; readonly keyId: string } | { readonly ok: false; readonly error: WireError };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const HEX64 = /^[0-9a-f]{64}$/;

/** The payload's shape, closed: the problem, or undefined. */
function receiptProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a JSON object';
  const members = ['receipt', 'format', 'bundleId', 'licenseId', 'receivedAt', 'windows'];
  const extra = Object.keys(value).find((k) => !members.includes(k));
  if (extra !== undefined) return `has a member the format does not define (${JSON.stringify(extra.slice(0, 32))})`;
  if (value['receipt'] !== RECEIPT_KIND || value['format'] !== BUNDLE_FORMAT) return `is not a "${RECEIPT_KIND}" of format ${BUNDLE_FORMAT}`;
  if (typeof value['bundleId'] !== 'string' || !/^bnd_[0-9a-f]{64}$/.test(value['bundleId'])) return 'has no bundleId';
  if (typeof value['licenseId'] !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(value['licenseId'])) return 'has no licenseId';
  if (typeof value['receivedAt'] !== 'string' || Number.isNaN(Date.parse(value['receivedAt'])) || value['receivedAt'].length > 40) return 'has no receivedAt time';
  const windows = value['windows'];
  if (!Array.isArray(windows) || windows.length > MAX_BUNDLE_WINDOWS) return `has no list of at most ${MAX_BUNDLE_WINDOWS} windows`;
  for (const [i, w] of windows.entries()) {
    if (!isObject(w)) return `windows/${i} is not an object`;
    const other = Object.keys(w).find((k) => !['messageId', 'bodySha256', 'status', 'rule', 'message', 'storedDigest', 'superseded'].includes(k));
    if (other !== undefined) return `windows/${i} has a member the format does not define (${JSON.stringify(other.slice(0, 32))})`;
    if (typeof w['messageId'] !== 'string' || !/^msg_[0-9a-f]{64}$/.test(w['messageId'])) return `windows/${i} has no messageId`;
    if (typeof w['bodySha256'] !== 'string' || !HEX64.test(w['bodySha256'])) return `windows/${i} has no bodySha256`;
    if (!Number.isSafeInteger(w['status']) || (w['status'] as number) < 100 || (w['status'] as number) > 599) return `windows/${i} has no HTTP status`;
    if (w['rule'] !== undefined && (typeof w['rule'] !== 'string' || w['rule'].length > 64)) return `windows/${i} has a malformed rule`;
    if (w['message'] !== undefined && (typeof w['message'] !== 'string' || w['message'].length > 1000)) return `windows/${i} has a malformed message`;
    for (const digest of ['storedDigest', 'superseded'] as const) if (w[digest] !== undefined && (typeof w[digest] !== 'string' || !HEX64.test(w[digest]))) return `windows/${i} has a malformed ${digest}`;
  }
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return a === b;
}

/**
 * Verifies a receipt document (parsed JSON) with the receipt keys the license
 * shipped (`ed25519:…`, several during a rotation): the JWS made by one of
 * them over a well-formed payload, and the readable copy equal to it. Never
 * throws on the document; throws a TypeError for a malformed key.
 *
 * @example
 * const verified = await verifyReceipt(JSON.parse(text), ['ed25519:…']);
 * if (verified.ok) for (const w of verified.receipt.windows) …;
 */
export async function verifyReceipt(document: unknown, publicKeys: readonly string[]): Promise<VerifiedReceipt> {
  const keys = new Map(publicKeys.map((key) => [receiptKeyId(key), publicKeyBytes(key)] as const));
  const refuse = (what: string, rule = 'receipt-invalid'): VerifiedReceipt => ({ ok: false, error: wireError('receipt', what, rule) });
  if (!isObject(document) || typeof document['jws'] !== 'string') return refuse('is not a receipt: a JSON object with a "jws" member, as the server answered the bundle');
  const parts = document['jws'].split('.');
  if (parts.length !== 3 || document['jws'].length > 1_000_000) return refuse('has a "jws" that is not a compact JWS (three base64url parts)');
  const [head, body, signatureText] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(head) ?? utf8('!')));
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(body) ?? utf8('!')));
  } catch {
    return refuse('has a "jws" whose header or payload is not base64url JSON');
  }
  if (!isObject(header) || header['alg'] !== 'EdDSA' || typeof header['kid'] !== 'string' || header['crit'] !== undefined) return refuse('has a "jws" that is not signed with EdDSA under a key id');
  const key = keys.get(header['kid']);
  if (key === undefined) {
    return refuse(`is signed with the receipt key ${header['kid'].slice(0, 16).replace(/[^0-9a-f]/g, '?')}, which is none of the receipt keys this installation trusts (${[...keys.keys()].join(', ') || 'none configured'}); install the vendor's current receipt key with the license`, 'receipt-key-unknown');
  }
  const signature = fromBase64Url(signatureText);
  const publicKey = await crypto.subtle.importKey('raw', bufferSource(key), ED25519, false, ['verify']);
  if (signature === undefined || signature.length !== 64 || !(await crypto.subtle.verify(ED25519, publicKey, bufferSource(signature), bufferSource(utf8(`${head}.${body}`))))) {
    return refuse('has a signature that does not verify: it was changed after the server signed it, or the server did not sign it', 'receipt-forged');
  }
  const problem = receiptProblem(payload);
  if (problem !== undefined) return refuse(`is signed, but its payload ${problem}`);
  const { jws: _jws, ...readable } = document;
  if (!sameJson(readable, payload)) return refuse('has a readable part that differs from what the server signed: someone edited it', 'receipt-forged');
  return { ok: true, receipt: payload as ReceiptPayload, keyId: header['kid'] };
}
