/**
 * server/: what a server team calls to receive reports, with any HTTP
 * framework: `ingest` (this file, its main one), the license key lookup
 * (./key-lookup.ts) and the schema endpoint (./schema-endpoint.ts). Imports
 * contract/ and wire/; imported by the `telemetry-contract/server` entry and,
 * for its types, by store/; never by uploader/ or outbox/.
 *
 * The receiving side of the wire, independent of any HTTP framework: raw
 * headers and body bytes in, the verified payload or the HTTP status to
 * answer out. The checks run cheapest and most fundamental first:
 *
 *   size limit → content type → signing headers and timestamp → the keys of
 *   the license the request names, and the signature over the raw bytes →
 *   decryption of a JWE body → then ./verify-report.ts, which an offline
 *   bundle's windows go through too (./bundle.ts): contract headers → JSON
 *   (I-JSON) → version → schema validation and cross-field rules → message id
 *   (which binds the license id, the window and the customer header) → what
 *   the license record allows (the features named, the customer header)
 */
import type { TelemetryByVersion } from '../../generated/index.js';
import { CONTRACT_HEADERS, validateContractHeaders } from '../wire/contract-headers.js';
import { JSON_MEDIA_TYPE, checkContentHeaders } from '../wire/content-type.js';
import { JOSE_MEDIA_TYPE, decryptBody, deriveEncryptionKey } from '../wire/jwe.js';
import { type HeadersLike, normalizeHeaders } from '../wire/headers.js';
import type { Customer } from '../wire/mask.js';
import { ACCEPTED_VERSIONS_HEADER, acceptedVersionsOption, formatAcceptedVersions } from '../contract/negotiation.js';
import { DEFAULT_MAX_BYTES } from '../contract/parse.js';
import { TELEMETRY_PATH } from '../wire/paths.js';
import { type KeySourceOptions, checkKeySource, verifyForLicense } from './key-lookup.js';
import type { KnownSoftware, Unplaced } from './placement.js';
import { refusal, verifyReport } from './verify-report.js';
import type { LicenseRecord } from '../contract/license.js';
import { PROBE_MEDIA_TYPE } from '../wire/probe.js';
import { type VerificationKey, type VerifyOptions, readSignedParts } from '../wire/verify-signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';


export interface IngestRequest {
  /** The request headers: fetch `Headers`, node:http `req.headers` or a plain record. */
  readonly headers: HeadersLike;
  /** The raw body bytes exactly as received; the signature covers these bytes. */
  readonly body: Uint8Array | ArrayBuffer;
  /** The HTTP method, when known; anything but POST is answered 405. */
  readonly method?: string;
}

export interface IngestOptions extends KeySourceOptions, Pick<VerifyOptions, 'toleranceSeconds' | 'now'> {
  /** Largest accepted body in bytes; default 64 KiB. Stop reading the request a byte past it. */
  readonly maxBytes?: number;
  /** The versions this server accepts, several at once; default every version the package knows that is not retired. */
  readonly acceptedVersions?: readonly number[];
  /**
   * The `whsec_` keys (32 bytes each) an encrypted body (`application/jose`) may be encrypted with; the
   * JWE's `kid` picks one. Default: the key derived from each verification key that is not revoked,
   * which is what an uploader uses unless it is given a key of its own.
   */
  readonly encryptionKeys?: readonly string[];
  /** Refuse a plain JSON body with 415 `encryption-required`: every body must be an encrypted JWE. Default false. */
  readonly requireEncryption?: boolean;
  /**
   * Answer `503 license-record-missing` (with Retry-After) to a signed request of a license whose
   * lookup found keys but no license record, instead of accepting it unchecked. Default false, for
   * lookups that return keys alone; the example server sets it with its license store. Not with
   * `vendorWideKeys`, which look up no license.
   */
  readonly requireLicenseRecord?: boolean;
  /**
   * The builds of the vendor's releases and the Node.js majors it knows. A report's `appVersion` or
   * `nodeVersion` that is not among them is taken out of the payload before it is handed on (see
   * `unplaced`): the report is accepted, the value never stored. Default: no build, Node.js 4 to 25.
   */
  readonly knownSoftware?: KnownSoftware;
}

/** Derived keys by signing secret: one HKDF per key, not per request. Bounded, so many licenses only cost recomputation. */
const derivedKeys = new Map<string, Promise<string>>();

/** The keys an encrypted body may use: the configured ones, or those derived from the verifying license's active keys. */
function encryptionKeys(options: IngestOptions, signingKeys: readonly VerificationKey[]): Promise<string[]> {
  if (options.encryptionKeys !== undefined) return Promise.resolve([...options.encryptionKeys]);
  return Promise.all(
    signingKeys
      .filter((key) => key.revoked !== true)
      .map((key) => {
        let derived = derivedKeys.get(key.secret);
        if (derived === undefined) {
          if (derivedKeys.size >= 1024) derivedKeys.clear();
          derived = deriveEncryptionKey(key.secret);
          derivedKeys.set(key.secret, derived);
        }
        return derived;
      }),
  );
}

interface IngestSuccessBase {
  readonly ok: true;
  /** A report, to store; a connection test comes as an {@link IngestProbe} instead. */
  readonly kind: 'report';
  /** `<licenseId>/<periodStart>/<periodEnd>`: store the report idempotently under it. */
  readonly dedupeKey: string;
  /** The id of the key that verified the signature: one of the license's keys (or of `vendorWideKeys`). */
  readonly keyId: string;
  /** The `webhook-id`, the same for every retry of the window. */
  readonly messageId: string;
  readonly licenseId: string;
  readonly customer: Customer;
  /**
   * The license record the report was checked against (its features and customer header), as the
   * lookup found it, never read from the request: a store stamps the report with its `dataRegion`.
   * Absent when the lookup gave keys alone, or with `vendorWideKeys`.
   */
  readonly license?: LicenseRecord;
  /** Whether the body came encrypted (a JWE, `application/jose`). */
  readonly encrypted: boolean;
  /** Headers to send with the answer: the accepted versions, and `Deprecation` and `Sunset` for a deprecated version. */
  readonly headers: Readonly<Record<string, string>>;
  /** Values taken out of the payload because the vendor cannot place them (see `knownSoftware`); empty nearly always. */
  readonly unplaced: readonly Unplaced[];
  /**
   * Set only on a window of an offline bundle that a server allowing corrections took as one
   * (`ingestBundle`'s `allowSupersede`): the digest of the stored report it replaces. The store
   * replaces that report, and only that one; a live request never carries it.
   */
  readonly supersedes?: string;
}

/**
 * A verified, valid report, ready to store under its dedupe key. A union over
 * the versions, so checking `schemaVersion` narrows the payload:
 * `if (result.schemaVersion === 2) result.payload.environmentPairs`.
 */
export type IngestSuccess = {
  readonly [V in keyof TelemetryByVersion]: IngestSuccessBase & { readonly schemaVersion: V; readonly payload: TelemetryByVersion[V] };
}[keyof TelemetryByVersion];

/**
 * A verified connection test (a probe): signed, in an accepted version, with
 * valid contract headers, encrypted when required, and nothing to store. It
 * has no payload and no dedupe key, so a store's `put` does not take it;
 * answer it with {@link probeResponse}.
 */
export interface IngestProbe {
  readonly ok: true;
  readonly kind: 'probe';
  readonly keyId: string;
  readonly messageId: string;
  readonly licenseId: string;
  readonly customer: Customer;
  /** The license record the probe was checked against, as for a report. */
  readonly license?: LicenseRecord;
  readonly encrypted: boolean;
  /** The version the installation sends its reports in. */
  readonly schemaVersion: number;
  /** Headers to send with the answer: the accepted versions, and `Deprecation` and `Sunset` for a deprecated version. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A refused request: the status to answer and an error safe to send back and to log. */
export interface IngestFailure {
  readonly ok: false;
  readonly status: number;
  readonly error: WireError;
  /** Headers to send with the answer (the accepted versions; `Allow` on 405, `Retry-After` on 503). */
  readonly headers: Readonly<Record<string, string>>;
  /** On `503 key-lookup-failed`: what the lookup threw, for the server's log (never sent). */
  readonly cause?: unknown;
}

export type IngestResult = IngestSuccess | IngestProbe | IngestFailure;

/**
 * Verifies and validates one telemetry request. The signature is checked
 * with the keys of the license the request names (`licenseKeys`), or with
 * `vendorWideKeys` when a server asks for one key for all. Never throws on
 * request input; a malformed key or version configuration throws a TypeError.
 * A window already stored is not a failure here: store it unless present, and
 * answer 2xx for the same body, 409 for another (see store-postgres).
 *
 * Statuses: 405 not POST, 413 too large (the body, or what it decrypts to),
 * 415 a body not declared as JSON or a JWE (`content-type`), declared encoded
 * (`content-encoding`), or plain where encryption is required, 401 missing/
 * malformed/expired/revoked/mismatched signature or one not made by a key of
 * the license named (`license-key-mismatch`, unknown licenses included), 503
 * a key lookup that failed (`key-lookup-failed`), 400 a JWE that cannot be
 * read or decrypted, invalid contract headers, or a body that is not UTF-8
 * I-JSON (a byte-order mark, a repeated member name, a lone surrogate), 422
 * unsupported or mismatched version, invalid payload, a message id that
 * does not belong to the license, window and customer header, or (when the
 * lookup gives the license record) a feature the license does not declare
 * (`feature-not-licensed`), a customer header that is not its legal entity
 * (`customer-not-licensed`) or not its mask (`mask-not-licensed`); 503
 * `license-record-missing` with `requireLicenseRecord`. A connection
 * test (content type `application/vnd.telemetry-contract.probe+json`, or that
 * `cty` in a JWE) goes through the same checks, the license's keys included,
 * and comes back as `kind: 'probe'`: answer it with `probeResponse`, never
 * store it.
 *
 * @example
 * const licenseKeys = new Map([['lic-0042', { keys: [{ id: '2026-11', secret }], license }]]); // or licenseStore.licenseOf
 * const result = await ingest({ method: req.method, headers: req.headers, body }, { licenseKeys, acceptedVersions: [1] });
 * if (!result.ok) return send(result.status, { error: result.error }, result.headers);
 * if (result.kind === 'probe') return send(200, probeResponse(result).body, result.headers);
 * const created = store.putIfAbsent(result.dedupeKey, result.payload);
 * send(created ? 201 : 200, { dedupeKey: result.dedupeKey }, result.headers);
 */
export async function ingest(request: IngestRequest, options: IngestOptions): Promise<IngestResult> {
  checkKeySource(options);
  const accepted = acceptedVersionsOption(options.acceptedVersions);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError(`maxBytes: must be a positive integer, got ${String(maxBytes)}`);
  const baseHeaders = { [ACCEPTED_VERSIONS_HEADER]: formatAcceptedVersions(accepted) };
  const fail = (status: number, error: WireError, extra: Record<string, string> = {}): IngestFailure => refusal({ baseHeaders }, status, error, extra);

  if (request.method !== undefined && request.method.toUpperCase() !== 'POST') {
    return fail(405, wireError('method', `must be POST to ${TELEMETRY_PATH}`, 'method-not-allowed'), { allow: 'POST' });
  }
  const body = request.body instanceof ArrayBuffer ? new Uint8Array(request.body) : request.body;
  if (!(body instanceof Uint8Array)) return fail(400, wireError('body', 'must be the raw request bytes', 'body-type'));
  if (body.byteLength > maxBytes) {
    return fail(413, wireError('body', `is larger than the limit of ${maxBytes} bytes`, 'too-large'));
  }

  // Normalized once: the content, signature and contract-header checks below all read this object.
  const headers = normalizeHeaders(request.headers);
  const content = checkContentHeaders(headers, options.requireEncryption === true ? [JOSE_MEDIA_TYPE] : [JSON_MEDIA_TYPE, JOSE_MEDIA_TYPE, PROBE_MEDIA_TYPE]);
  if (!content.ok) {
    if (options.requireEncryption === true && content.error.rule === 'unsupported-media-type' && checkContentHeaders(headers, [JSON_MEDIA_TYPE, PROBE_MEDIA_TYPE]).ok) {
      return fail(415, wireError('content-type', `must be ${JOSE_MEDIA_TYPE}: this endpoint takes encrypted bodies only; send the body as a JWE (encrypt: true)`, 'encryption-required'), content.headers);
    }
    return fail(415, content.error, content.headers);
  }
  const signed = readSignedParts(headers, options);
  if (!signed.ok) return fail(401, signed.error);
  // The license id picks the keys, so it is checked first; its format is public, so saying what is wrong tells nothing.
  const licenseErrors = validateContractHeaders(headers, accepted.at(-1)!).filter((e) => e.path === `/${CONTRACT_HEADERS.licenseId}`);
  if (licenseErrors.length > 0) {
    return fail(400, wireError('headers', `1 contract header is missing or malformed: ${licenseErrors[0]!.message}`, 'invalid-header', { errors: licenseErrors }));
  }
  const verdict = await verifyForLicense(options, headers[CONTRACT_HEADERS.licenseId], signed.parts, body);
  if (!verdict.ok) {
    return verdict.status === 503 ? { ...fail(503, verdict.error, { 'retry-after': '5' }), cause: verdict.cause } : fail(401, verdict.error);
  }

  // Decrypted only now: a body is signed as sent, so an unsigned one never costs a decryption.
  let plaintext = body;
  const encrypted = content.mediaType === JOSE_MEDIA_TYPE;
  let probe = content.mediaType === PROBE_MEDIA_TYPE;
  if (encrypted) {
    const opened = await decryptBody(body, await encryptionKeys(options, verdict.keys), { maxBytes });
    if (!opened.ok) return fail(opened.status, opened.error);
    plaintext = opened.plaintext;
    probe = opened.contentType === PROBE_MEDIA_TYPE;
  }

  return verifyReport(
    { headers, body: plaintext, messageId: signed.parts.id, keyId: verdict.keyId, encrypted, probe },
    { accepted, maxBytes, baseHeaders, sender: verdict, requireRecord: options.requireLicenseRecord === true, ...(options.knownSoftware === undefined ? {} : { knownSoftware: options.knownSoftware }) },
  );
}

/**
 * The answer to send for a refused request: its status, headers and a JSON
 * body `{"error": {rule, message, …}}` that uploaders read (`sendTelemetry`
 * corrects its clock from it). The body holds no secret and no payload string.
 *
 * @example
 * if (!result.ok) { const r = failureResponse(result); res.writeHead(r.status, r.headers).end(r.body); }
 */
export function failureResponse(failure: IngestFailure): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: failure.status,
    headers: { ...failure.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: failure.error }),
  };
}

/**
 * The answer to a verified connection test: 200 with the ingest's headers
 * (accepted versions, and `Deprecation` and `Sunset` for a deprecated
 * version) and `{"probe":"verified","messageId":…,"schemaVersion":…,
 * "encrypted":…,"stored":false}`, which the uploader's `testConnection`
 * requires before it calls the connection good.
 *
 * @example
 * if (result.ok && result.kind === 'probe') { const r = probeResponse(result); res.writeHead(r.status, r.headers).end(r.body); }
 */
export function probeResponse(probe: IngestProbe): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: 200,
    headers: { ...probe.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ probe: 'verified', messageId: probe.messageId, schemaVersion: probe.schemaVersion, encrypted: probe.encrypted, stored: false }),
  };
}
