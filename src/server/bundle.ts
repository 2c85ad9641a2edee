/**
 * Receiving an offline bundle (../wire/bundle.ts): beside `ingest`, for the
 * windows of an installation that cannot reach the server, uploaded by hand.
 * The bundle is authenticated once, with the keys of the license it names
 * and no timestamp tolerance; then every window goes through the same checks
 * as a live report (./verify-report.ts) and gets its own answer. The caller
 * stores each verified window with the same `store.put` as a live one, and
 * answers with a receipt signed by its Ed25519 key (../wire/receipt.ts).
 *
 *   size → content type → shape of the bundle → keys of its license and the
 *   signature over its manifest → per window: its license is the bundle's →
 *   a correction only where allowed → verifyReport
 */
import { acceptedVersionsOption, ACCEPTED_VERSIONS_HEADER, formatAcceptedVersions } from '../contract/negotiation.js';
import { DEFAULT_MAX_BYTES } from '../contract/parse.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { BUNDLE_MEDIA_TYPE, DEFAULT_MAX_BUNDLE_BYTES, bodyDigestOf, readBundle } from '../wire/bundle.js';
import { utf8 } from '../wire/bytes.js';
import { checkContentHeaders } from '../wire/content-type.js';
import { CONTRACT_HEADERS } from '../wire/contract-headers.js';
import { type HeadersLike, normalizeHeaders } from '../wire/headers.js';
import { BUNDLE_PATH } from '../wire/paths.js';
import { RECEIPT_KIND, type ReceiptDocument, type ReceiptWindow, signReceipt } from '../wire/receipt.js';
import { SIGNATURE_HEADERS } from '../wire/signature.js';
import type { IngestFailure, IngestSuccess } from './ingest.js';
import { type KeySourceOptions, checkKeySource, verifyForLicense } from './key-lookup.js';
import { refusal, verifyReport } from './verify-report.js';
import type { KnownSoftware } from './placement.js';

export interface BundleRequest {
  /** The request headers (`content-type` must be the bundle's media type). */
  readonly headers: HeadersLike;
  /** The uploaded file's bytes. */
  readonly body: Uint8Array | ArrayBuffer;
  readonly method?: string;
}

export interface BundleOptions extends KeySourceOptions {
  /** As for `ingest`: the versions accepted, a draft only when named. */
  readonly acceptedVersions?: readonly number[];
  /** The largest window body, as `ingest`'s `maxBytes`; default 64 KiB. */
  readonly maxBytes?: number;
  /** The largest bundle; default {@link DEFAULT_MAX_BUNDLE_BYTES}. */
  readonly maxBundleBytes?: number;
  /**
   * Take a window that names the digest of a stored report in `supersedes` as a correction of it
   * (the store replaces exactly that report and records the replacement). Default false: such a
   * window is refused with `409 supersede-refused`, and the stored report stands.
   */
  readonly allowSupersede?: boolean;
  /** As for `ingest`: a window of a license whose lookup found keys but no record is answered `503 license-record-missing`. */
  readonly requireLicenseRecord?: boolean;
  /** As for `ingest`: an appVersion or nodeVersion the vendor cannot place leaves the window's payload. */
  readonly knownSoftware?: KnownSoftware;
}

/** One window of a verified bundle: its id, the digest of its body, and `verifyReport`'s verdict. */
export interface BundleWindowResult {
  readonly messageId: string;
  readonly bodySha256: string;
  readonly result: IngestSuccess | IngestFailure;
}

/** A bundle whose signature verified: each window verified or refused on its own. */
export interface BundleSuccess {
  readonly ok: true;
  readonly kind: 'bundle';
  readonly bundleId: string;
  readonly licenseId: string;
  /** The license key that verified the bundle's signature. */
  readonly keyId: string;
  readonly createdAt: string;
  readonly windows: readonly BundleWindowResult[];
  /** Headers to send with the answer (the accepted versions). */
  readonly headers: Readonly<Record<string, string>>;
}

export type BundleResult = BundleSuccess | IngestFailure;

/** What storing a window came to: `store.put`'s result (201, 200, 409), or a refusal. */
export interface WindowOutcome {
  readonly status: number;
  readonly error?: WireError;
  /** When a correction replaced a stored report: that report's digest. */
  readonly superseded?: string;
}

/**
 * Verifies an uploaded bundle. Never throws on request input; a malformed key
 * or version configuration throws a TypeError, as for `ingest`.
 *
 * Statuses of the bundle as a whole: 405 not POST, 413 larger than
 * `maxBundleBytes`, 415 not declared as a bundle, 400 not UTF-8 I-JSON or not
 * of the bundle's shape (`malformed-bundle`), 401 a signature no active key of
 * the license made (`license-key-mismatch`, `revoked-key`), 503 a key lookup
 * that failed. A verified bundle comes back with one verdict per window:
 * exactly what `ingest` would say of it live, or `422 license-mismatch` for a
 * window of another license, `409 supersede-refused` for a correction this
 * server does not take.
 *
 * @example
 * const verified = await ingestBundle({ method: 'POST', headers: req.headers, body }, { licenseKeys, acceptedVersions: [1] });
 * if (!verified.ok) return send(failureResponse(verified));
 * const outcomes = await storeBundleWindows(verified, (report) => store.put(report));
 * return send(await bundleResponse(verified, outcomes, { receiptKey }));
 */
export async function ingestBundle(request: BundleRequest, options: BundleOptions): Promise<BundleResult> {
  checkKeySource(options);
  const accepted = acceptedVersionsOption(options.acceptedVersions);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxBundleBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  for (const [name, value] of [['maxBytes', maxBytes], ['maxBundleBytes', maxBundleBytes]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name}: must be a positive integer, got ${String(value)}`);
  }
  const base = { accepted, maxBytes, baseHeaders: { [ACCEPTED_VERSIONS_HEADER]: formatAcceptedVersions(accepted) } };
  const fail = (status: number, error: WireError, extra: Record<string, string> = {}): IngestFailure => refusal(base, status, error, extra);

  if (request.method !== undefined && request.method.toUpperCase() !== 'POST') return fail(405, wireError('method', `must be POST to ${BUNDLE_PATH}`, 'method-not-allowed'), { allow: 'POST' });
  const body = request.body instanceof ArrayBuffer ? new Uint8Array(request.body) : request.body;
  if (!(body instanceof Uint8Array)) return fail(400, wireError('body', 'must be the raw request bytes', 'body-type'));
  if (body.byteLength > maxBundleBytes) return fail(413, wireError('bundle', `is larger than the limit of ${maxBundleBytes} bytes; export fewer windows per bundle`, 'too-large'));
  const content = checkContentHeaders(normalizeHeaders(request.headers), [BUNDLE_MEDIA_TYPE]);
  if (!content.ok) return fail(415, content.error, content.headers);

  const read = readBundle(body, { maxBundleBytes, maxBytes });
  if (!read.ok) return fail(read.status, read.error);
  const { bundle, manifest, bundleId, macs } = read.read;
  // The manifest is the signed content; no timestamp, so no tolerance: a bundle may travel for weeks.
  const verdict = await verifyForLicense(options, bundle.licenseId, { id: bundleId, timestamp: 0, head: new Uint8Array(0), macs }, manifest);
  if (!verdict.ok) return verdict.status === 503 ? { ...fail(503, verdict.error, { 'retry-after': '5' }), cause: verdict.cause } : fail(401, verdict.error);

  // Each window is checked against what the lookup found of the license, its record included, as a live report is.
  const context = { ...base, sender: verdict, requireRecord: options.requireLicenseRecord === true, ...(options.knownSoftware === undefined ? {} : { knownSoftware: options.knownSoftware }) };
  const windows: BundleWindowResult[] = [];
  for (const window of bundle.windows) {
    const messageId = window.headers[SIGNATURE_HEADERS.id];
    const answer = (result: IngestSuccess | IngestFailure) => windows.push({ messageId, bodySha256: bodyDigestOf(window.body), result });
    const named = window.headers[CONTRACT_HEADERS.licenseId];
    if (named !== bundle.licenseId) {
      answer(fail(422, wireError(CONTRACT_HEADERS.licenseId, 'names another license than the bundle, whose key signed it; a bundle carries the windows of one license', 'license-mismatch')));
      continue;
    }
    if (window.supersedes !== undefined && options.allowSupersede !== true) {
      answer(fail(409, wireError(messageId, 'is a correction of a stored report, and this server does not take corrections; the stored report stands. Discard the window (telemetry-outbox discard) with the reason', 'supersede-refused')));
      continue;
    }
    // Not declared a probe, so verifyReport answers with a report or a refusal.
    const result = (await verifyReport({ headers: window.headers, body: utf8(window.body), messageId, keyId: verdict.keyId, encrypted: false, via: 'bundle' }, context)) as IngestSuccess | IngestFailure;
    answer(result.ok && window.supersedes !== undefined ? { ...result, supersedes: window.supersedes } : result);
  }
  return { ok: true, kind: 'bundle', bundleId, licenseId: bundle.licenseId, keyId: verdict.keyId, createdAt: bundle.createdAt, windows, headers: base.baseHeaders };
}

/**
 * Stores the verified windows of a bundle one after the other through `put`
 * (the store's `put`, as for a live report), and returns one outcome per
 * window: `put`'s answer, or the window's refusal. A `put` that throws (the
 * database is away) ends it: answer the bundle with that failure, and the
 * administrator uploads it again; windows stored meanwhile answer 200.
 *
 * @example
 * const outcomes = await storeBundleWindows(verified, (report) => store.put(report));
 */
export async function storeBundleWindows(bundle: BundleSuccess, put: (report: IngestSuccess) => Promise<WindowOutcome>): Promise<WindowOutcome[]> {
  const outcomes: WindowOutcome[] = [];
  for (const { result } of bundle.windows) outcomes.push(result.ok ? await put(result) : { status: result.status, error: result.error });
  return outcomes;
}

/** One line of at most 500 characters: a refusal's message as a receipt keeps it. */
const bounded = (text: string) => {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
};

/**
 * The answer to a bundle: 200 with its receipt, signed with the server's
 * Ed25519 key (`receiptKey`, PKCS#8 PEM), one entry per window in the
 * bundle's order. `outcomes` are `storeBundleWindows`' (same order).
 *
 * @example
 * const answer = await bundleResponse(verified, outcomes, { receiptKey: pem });
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 */
export async function bundleResponse(
  bundle: BundleSuccess,
  outcomes: readonly WindowOutcome[],
  options: { readonly receiptKey: string; readonly now?: () => number },
): Promise<{ status: 200; headers: Record<string, string>; body: string; receipt: ReceiptDocument }> {
  if (outcomes.length !== bundle.windows.length) throw new TypeError(`outcomes: one per window of the bundle, ${bundle.windows.length}, got ${outcomes.length}`);
  const windows: ReceiptWindow[] = bundle.windows.map(({ messageId, bodySha256 }, i) => {
    const outcome = outcomes[i]!;
    const stored = outcome.status >= 200 && outcome.status < 300;
    return {
      messageId,
      bodySha256,
      status: outcome.status,
      ...(!stored && outcome.error ? { rule: outcome.error.rule, message: bounded(outcome.error.message) } : {}),
      ...(outcome.error?.storedDigest !== undefined ? { storedDigest: outcome.error.storedDigest } : {}),
      ...(stored && outcome.superseded !== undefined ? { superseded: outcome.superseded } : {}),
    };
  });
  const receipt = await signReceipt(
    { receipt: RECEIPT_KIND, format: 1, bundleId: bundle.bundleId, licenseId: bundle.licenseId, receivedAt: new Date((options.now ?? Date.now)()).toISOString(), windows },
    options.receiptKey,
  );
  return { status: 200, headers: { ...bundle.headers, 'content-type': 'application/json', 'cache-control': 'no-store' }, body: `${JSON.stringify(receipt, null, 2)}\n`, receipt };
}
