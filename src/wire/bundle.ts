/**
 * Offline bundles: the windows an installation could not send, in one JSON
 * file that an administrator reads, carries across an air gap and uploads by
 * hand, and that the vendor's server accepts as if each window had come live.
 * Both sides compute the same manifest and signature, so the format lives
 * here (docs/wire-protocol.md, "Offline bundles", specifies it for servers in
 * other languages; generated/bundle-vectors.json has vectors).
 *
 *   manifest  = "telemetry-contract offline bundle 1\n"
 *               "license <licenseId>\n" "created <createdAt>\n"
 *               one "window <webhook-id> <hex SHA-256 of the body> <supersedes or ->\n" per window
 *   signature = one "v1," + base64(HMAC-SHA-256(signing secret, manifest)) per secret, space-separated
 *
 * The signature covers the manifest, not the file's bytes: the file can be
 * indented or re-saved by an editor and still verifies, and no canonical JSON
 * is needed. It does not expire: a bundle may be uploaded weeks after it was
 * made, and again, since every window keeps its message id and the server
 * stores a window once. The manifest's first line keeps it from ever being
 * the signed content of a live request (which starts with `msg_`).
 */
import { type WireError, wireError } from '../contract/wire-errors.js';
import { parseJsonBody } from '../contract/parse.js';
import { hmacSha256, sha256, toBase64, toHex, utf8 } from './bytes.js';
import { CONTRACT_HEADERS, headerPattern } from './contract-headers.js';
import { JSON_MEDIA_TYPE } from './content-type.js';
import { SIGNATURE_HEADERS, parseSecret } from './signature.js';
import { signatureMacs } from './verify-signature.js';

/** The media type of an uploaded bundle. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.telemetry-contract.bundle+json';
/** What the `bundle` member says, and the manifest's first words. */
export const BUNDLE_KIND = 'telemetry-contract offline bundle';
/** The version of the bundle format. */
export const BUNDLE_FORMAT = 1;
/** Most windows in one bundle; an outbox with more exports several. */
export const MAX_BUNDLE_WINDOWS = 1000;
/** The largest bundle a server reads by default: 4 MiB, room for 1,000 windows of the largest v1 body. */
export const DEFAULT_MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/** The headers of a window exactly as a live request would carry them, but the timestamp and the signature. */
// A type alias, not an interface: it then fits the normalized headers (Record<string, string>) the checks read.
export type BundleWindowHeaders = {
  readonly 'content-type': typeof JSON_MEDIA_TYPE;
  readonly 'webhook-id': string;
  readonly 'x-telemetry-customer': string;
  readonly 'x-telemetry-license-id': string;
  readonly 'x-telemetry-schema-version': string;
};

/** One window of a bundle: its headers, its body as the exact text sent, and what it corrects, if it does. */
export interface BundleWindow {
  readonly headers: BundleWindowHeaders;
  /** The body, exactly the UTF-8 JSON text a live request would send. */
  readonly body: string;
  /**
   * A reviewed correction: the hex SHA-256 digest (the server's `storedDigest`, from a `409 window-conflict`) of
   * the stored report this window replaces. Only a server that allows corrections takes it.
   */
  readonly supersedes?: string;
}

export interface UnsignedBundle {
  readonly bundle: typeof BUNDLE_KIND;
  readonly format: typeof BUNDLE_FORMAT;
  readonly licenseId: string;
  /** When it was made, UTC to the second (`2026-11-20T10:00:00Z`): for the people who handle it; nothing expires by it. */
  readonly createdAt: string;
  readonly windows: readonly BundleWindow[];
}

/** A bundle as written to its file: the windows and the signature over their manifest. */
export interface Bundle extends UnsignedBundle {
  /** `v1,<base64>` entries, one per signing secret, newest first, separated by one space. */
  readonly signature: string;
}

/** The header names of a window, in the order a file shows them. */
export const BUNDLE_WINDOW_HEADERS = ['content-type', SIGNATURE_HEADERS.id, CONTRACT_HEADERS.customer, CONTRACT_HEADERS.licenseId, CONTRACT_HEADERS.schemaVersion] as const;

const DIGEST = /^[0-9a-f]{64}$/;
const MESSAGE_ID = /^msg_[0-9a-f]{64}$/;
const CREATED_AT = /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$/;

/** The hex SHA-256 of a window's body as UTF-8: what the manifest and a receipt name it by. */
export function bodyDigestOf(body: string): string {
  return toHex(sha256(utf8(body)));
}

/**
 * The text a bundle's signature covers (see the file's header).
 *
 * @example
 * bundleManifest(bundle); // "telemetry-contract offline bundle 1\nlicense lic-0042\ncreated …\nwindow msg_… 9c4e… -\n"
 */
export function bundleManifest(bundle: UnsignedBundle): string {
  const lines = [`${BUNDLE_KIND} ${BUNDLE_FORMAT}`, `license ${bundle.licenseId}`, `created ${bundle.createdAt}`];
  for (const window of bundle.windows) lines.push(`window ${window.headers[SIGNATURE_HEADERS.id]} ${bodyDigestOf(window.body)} ${window.supersedes ?? '-'}`);
  return `${lines.join('\n')}\n`;
}

/** `bnd_` + hex SHA-256 of the manifest: the bundle's name in receipts and logs. */
export function bundleIdOf(manifest: string): string {
  return `bnd_${toHex(sha256(utf8(manifest)))}`;
}

/**
 * Signs a bundle with the license's signing secrets (1 to 8, newest first):
 * one `v1,` entry per secret over the manifest.
 *
 * @example
 * const bundle = await signBundle({ bundle: BUNDLE_KIND, format: 1, licenseId, createdAt, windows }, [secret]);
 */
export async function signBundle(unsigned: UnsignedBundle, secrets: readonly string[]): Promise<Bundle> {
  if (secrets.length === 0 || secrets.length > 8) throw new RangeError(`secrets: must hold 1 to 8 secrets, got ${secrets.length} (secret-count)`);
  const manifest = utf8(bundleManifest(unsigned));
  const entries = await Promise.all(secrets.map(async (secret) => `v1,${toBase64(await hmacSha256(parseSecret(secret), manifest))}`));
  return { bundle: unsigned.bundle, format: unsigned.format, licenseId: unsigned.licenseId, createdAt: unsigned.createdAt, windows: unsigned.windows, signature: entries.join(' ') };
}

/** The file's text: indented JSON, one member per line, so it reads well before it travels. */
export function serializeBundle(bundle: Bundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

/** A bundle read and checked for shape: its manifest, id and signature entries, ready for the license's keys. */
export interface ReadBundle {
  readonly bundle: Bundle;
  readonly manifest: Uint8Array;
  readonly bundleId: string;
  /** The raw MACs of the signature's `v1` entries. */
  readonly macs: readonly Uint8Array[];
}

export type ReadBundleResult = { readonly ok: true; readonly read: ReadBundle } | { readonly ok: false; readonly status: 400 | 413; readonly error: WireError };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The members of an object that are not `allowed`, the first one, or undefined. */
function stranger(value: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(value).find((key) => !allowed.includes(key));
}

const malformed = (path: string, what: string): { ok: false; status: 400; error: WireError } => ({ ok: false, status: 400, error: wireError(`bundle${path === '' ? '' : ` ${path}`}`, what, 'malformed-bundle') });

/**
 * Reads an uploaded bundle: size, UTF-8 I-JSON, and the closed shape of the
 * format (every member named here and no other, strings where strings go,
 * 1 to {@link MAX_BUNDLE_WINDOWS} windows, each message id once, each body at
 * most `maxBytes`). The windows' contents are checked later, one by one, as a
 * live report's are. Never throws on input.
 *
 * @example
 * const read = readBundle(bytes, { maxBundleBytes: DEFAULT_MAX_BUNDLE_BYTES, maxBytes: 65536 });
 */
export function readBundle(bytes: Uint8Array, limits: { readonly maxBundleBytes: number; readonly maxBytes: number }): ReadBundleResult {
  const decoded = parseJsonBody(bytes, { maxBytes: limits.maxBundleBytes });
  if (!decoded.ok) {
    const { path, rule, message } = decoded.errors[0]!;
    if (rule === 'too-large') return { ok: false, status: 413, error: wireError('bundle', `is larger than the limit of ${limits.maxBundleBytes} bytes; export fewer windows per bundle`, 'too-large') };
    return { ok: false, status: 400, error: { rule, message: `bundle${path === '' ? '' : ` ${path}`}: ${message.slice((path === '' ? '(root)' : path).length + 2)}`, errors: decoded.errors } };
  }
  const value = decoded.value;
  if (!isObject(value)) return malformed('', 'must be a JSON object');
  const extra = stranger(value, ['bundle', 'format', 'licenseId', 'createdAt', 'windows', 'signature']);
  if (extra !== undefined) return malformed('', `has a member the format does not define (${JSON.stringify(extra.slice(0, 32))}); the format is closed`);
  if (value['bundle'] !== BUNDLE_KIND) return malformed('/bundle', `must be "${BUNDLE_KIND}"`);
  if (value['format'] !== BUNDLE_FORMAT) return malformed('/format', `must be ${BUNDLE_FORMAT}, the only format this server reads`);
  if (typeof value['licenseId'] !== 'string' || !headerPattern(CONTRACT_HEADERS.licenseId).test(value['licenseId'])) return malformed('/licenseId', 'must be a license id (letters, digits, ".", "_" and "-", at most 128)');
  if (typeof value['createdAt'] !== 'string' || !CREATED_AT.test(value['createdAt'])) return malformed('/createdAt', 'must be a UTC time to the second, such as 2026-11-20T10:00:00Z');
  if (typeof value['signature'] !== 'string') return malformed('/signature', 'must be a string of v1,<base64> entries');
  const macs = signatureMacs(value['signature']);
  if (macs === undefined) return malformed('/signature', 'must hold 1 to 16 space-separated entries, at least one "v1,<base64 of 32 bytes>"');
  const windows = value['windows'];
  if (!Array.isArray(windows) || windows.length === 0 || windows.length > MAX_BUNDLE_WINDOWS) return malformed('/windows', `must be a list of 1 to ${MAX_BUNDLE_WINDOWS} windows`);
  const seen = new Set<string>();
  for (const [i, window] of windows.entries()) {
    const at = `/windows/${i}`;
    if (!isObject(window)) return malformed(at, 'must be an object with headers and body');
    const other = stranger(window, ['headers', 'body', 'supersedes']);
    if (other !== undefined) return malformed(at, `has a member the format does not define (${JSON.stringify(other.slice(0, 32))})`);
    const headers = window['headers'];
    if (!isObject(headers)) return malformed(`${at}/headers`, 'must be an object');
    const otherHeader = stranger(headers, BUNDLE_WINDOW_HEADERS);
    if (otherHeader !== undefined) return malformed(`${at}/headers`, `has a header a window does not carry (${JSON.stringify(otherHeader.slice(0, 32))}); a window carries ${BUNDLE_WINDOW_HEADERS.join(', ')}`);
    for (const name of BUNDLE_WINDOW_HEADERS) if (typeof headers[name] !== 'string') return malformed(`${at}/headers`, `lacks ${name}`);
    if (headers['content-type'] !== JSON_MEDIA_TYPE) return malformed(`${at}/headers/content-type`, `must be ${JSON_MEDIA_TYPE}: a bundle carries plain bodies, for the administrator to read`);
    const id = headers[SIGNATURE_HEADERS.id] as string;
    if (!MESSAGE_ID.test(id)) return malformed(`${at}/headers/${SIGNATURE_HEADERS.id}`, 'must be msg_ followed by 64 lowercase hex digits');
    if (seen.has(id)) return malformed(`${at}/headers/${SIGNATURE_HEADERS.id}`, 'names a window that is already in this bundle; each window comes once');
    seen.add(id);
    if (typeof window['body'] !== 'string') return malformed(`${at}/body`, 'must be the body as a JSON string');
    if (utf8(window['body']).byteLength > limits.maxBytes) return malformed(`${at}/body`, `is larger than the limit of ${limits.maxBytes} bytes`);
    if (window['supersedes'] !== undefined && (typeof window['supersedes'] !== 'string' || !DIGEST.test(window['supersedes']))) return malformed(`${at}/supersedes`, 'must be the 64 hex digits of the stored report\'s digest');
  }
  const bundle = value as unknown as Bundle;
  const manifest = bundleManifest(bundle);
  return { ok: true, read: { bundle, manifest: utf8(manifest), bundleId: bundleIdOf(manifest), macs } };
}
