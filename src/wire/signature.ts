/**
 * wire/: the protocol both sides speak, byte for byte: Standard Webhooks
 * signing and verification, the contract and content headers, dedupe keys and
 * message ids, the customer mask, encrypted bodies, the probe's format and
 * the paths. Imports only contract/; imported by server/, uploader/, outbox/,
 * store/ and the entry points. A change here moves the wire vectors in
 * generated/. This is its main file.
 *
 * Standard Webhooks 1.0, the sending half: the header names, the secrets and
 * the signatures, byte for byte as the spec writes them, so a receiver in any
 * language can use an off-the-shelf library:
 *
 *   signed content  = `${webhook-id}.${webhook-timestamp}.` + raw body bytes
 *   webhook-signature = "v1," + base64(HMAC-SHA-256(secret, signed content)),
 *                       several entries separated by one space during a key rotation
 *   secrets           = "whsec_" + base64(24 to 64 random bytes)
 *
 * No `node:crypto`, no `Buffer`: secrets and signatures come from WebCrypto.
 * Checking a signature is ./verify-signature.ts.
 */
import { bufferSource, fromBase64, toBase64, utf8 } from './bytes.js';

/** The header names Standard Webhooks defines (lowercase, as fetch reports them). */
export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';
/** WebCrypto's key type, named without relying on the DOM lib. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
/** The spec's bounds on secret size. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** The longest `webhook-id` either side accepts. */
export const MAX_ID_LENGTH = 256;

/** The three signing headers of one attempt. */
// A type alias, not an interface: it then fits HeadersLike (and Record<string, string>) without a cast.
export type SignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

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
