/**
 * Every check a report gets once its sender is authenticated, in one place,
 * whichever way it came: a live request (`ingest`, after the signature and
 * any decryption) or a window of an offline bundle (`ingestBundle`, after the
 * bundle's signature). A check added here holds for both paths.
 *
 *   contract headers → customer header → JSON (I-JSON) → [a probe's own checks]
 *   → version accepted → version header = body's → schema and cross-field rules
 *   → message id (binds the license id, the window and the customer header)
 *   → what the license record allows (./license-check.ts: features, customer header)
 *   → what the vendor can place (./placement.ts: appVersion, nodeVersion leave the payload otherwise)
 */
import { deprecationHeaders } from '../contract/lifecycle.js';
import { checkVersionAccepted } from '../contract/negotiation.js';
import { parseJsonBody } from '../contract/parse.js';
import { supportedVersions, validateTelemetry } from '../contract/validate.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { CONTRACT_HEADERS, validateContractHeaders } from '../wire/contract-headers.js';
import { dedupeKey as dedupeKeyOf, messageIdNow } from '../wire/dedupe.js';
import type { NormalizedHeaders } from '../wire/headers.js';
import { decodeCustomer } from '../wire/mask.js';
import { verifyProbe } from '../wire/probe.js';
import { SIGNATURE_HEADERS } from '../wire/signature.js';
import type { IngestFailure, IngestProbe, IngestSuccess } from './ingest.js';
import { type LicensedSender, refusedByLicense } from './license-check.js';
import { type KnownSoftware, placeSoftware } from './placement.js';

/** One report whose sender the transport authenticated: its headers, its body as it is parsed, and who vouched for it. */
export interface AuthenticatedReport {
  /** The headers with lowercase names, the contract headers among them. */
  readonly headers: NormalizedHeaders;
  /** The body to parse: the bytes received, or what an encrypted body decrypted to. */
  readonly body: Uint8Array;
  /** The signed message id (`webhook-id`). */
  readonly messageId: string;
  /** The id of the key that authenticated it. */
  readonly keyId: string;
  readonly encrypted: boolean;
  /** Declared a connection test (its media type): checked as a probe and never stored. */
  readonly probe?: boolean;
  /**
   * How the sender was authenticated: a live request carries the Standard Webhooks signing headers
   * (default); a window of an offline bundle does not, the bundle's signature vouches for it.
   */
  readonly via?: 'request' | 'bundle';
}

/** What the receiver settled before any report: the versions it accepts, its size limit, and the headers of every answer. */
export interface ReportContext {
  readonly accepted: readonly number[];
  readonly maxBytes: number;
  readonly baseHeaders: Readonly<Record<string, string>>;
  /** What the key lookup found of the license that authenticated the sender: its keys, its record, its mask keys. */
  readonly sender?: LicensedSender;
  /** Refuse a report of a license without a record (`503 license-record-missing`) instead of accepting it unchecked. */
  readonly requireRecord?: boolean;
  /** The builds and Node.js majors the vendor can place (see `ingest`'s `knownSoftware`). */
  readonly knownSoftware?: KnownSoftware;
}

/** A refusal with the receiver's answer headers. */
export function refusal(context: Pick<ReportContext, 'baseHeaders'>, status: number, error: WireError, extra: Record<string, string> = {}): IngestFailure {
  return { ok: false, status, error, headers: { ...context.baseHeaders, ...extra } };
}

/**
 * Checks an authenticated report and returns it verified (a report to store,
 * or a probe to answer) or the refusal to send. Never throws on input.
 *
 * @example
 * const result = await verifyReport({ headers, body, messageId, keyId, encrypted: false }, { accepted: [1], maxBytes: 65536, baseHeaders: {} });
 */
export async function verifyReport(report: AuthenticatedReport, context: ReportContext): Promise<IngestSuccess | IngestProbe | IngestFailure> {
  const { headers, messageId } = report;
  const { accepted, maxBytes, baseHeaders } = context;
  const fail = (status: number, error: WireError, extra: Record<string, string> = {}) => refusal(context, status, error, extra);
  const licensed = (payload?: unknown) =>
    context.sender === undefined
      ? Promise.resolve(undefined)
      : refusedByLicense({ sender: context.sender, customerHeader: headers[CONTRACT_HEADERS.customer]!, requireRecord: context.requireRecord === true, ...(payload === undefined ? {} : { payload }) });
  const licenseOf = context.sender?.license === undefined ? {} : { license: context.sender.license };

  const versionHeader = headers[CONTRACT_HEADERS.schemaVersion];
  const headerVersion = versionHeader !== undefined && /^[1-9][0-9]{0,3}$/.test(versionHeader) ? Number(versionHeader) : undefined;
  const unsigned = report.via === 'bundle' ? [`/${SIGNATURE_HEADERS.timestamp}`, `/${SIGNATURE_HEADERS.signature}`] : [];
  const headerErrors = validateContractHeaders(headers, headerVersion !== undefined && supportedVersions.includes(headerVersion) ? headerVersion : accepted.at(-1)!).filter((e) => !unsigned.includes(e.path));
  if (headerErrors.length > 0 || headerVersion === undefined) {
    return fail(400, wireError('headers', `${headerErrors.length} contract header${headerErrors.length === 1 ? ' is' : 's are'} missing or malformed: ${headerErrors.map((e) => e.message).join('; ')}`, 'invalid-header', { errors: headerErrors }));
  }
  const customer = decodeCustomer(headers[CONTRACT_HEADERS.customer]!);
  if (!customer.ok) return fail(400, customer.error);

  const decoded = parseJsonBody(report.body, { maxBytes });
  if (!decoded.ok) {
    const { path, rule, message } = decoded.errors[0]!;
    // "(root): …" or "/a/0: …" becomes "body: …" or "body /a/0: …"; `errors` keeps the pointer.
    return fail(400, { rule, message: `body${path === '' ? '' : ` ${path}`}: ${message.slice((path === '' ? '(root)' : path).length + 2)}`, errors: decoded.errors });
  }

  const licenseId = headers[CONTRACT_HEADERS.licenseId]!;
  // What a verified report and a verified probe both say of who sent them and how.
  const sender = { ok: true as const, keyId: report.keyId, messageId, licenseId, customer: customer.customer, ...licenseOf, encrypted: report.encrypted };
  if (report.probe === true) {
    const refused = verifyProbe(decoded.value, { headerVersion, licenseId, messageId, accepted });
    if (refused !== undefined) return fail(refused.status, refused.error);
    const unlicensed = await licensed();
    if (unlicensed !== undefined) return fail(unlicensed.status, unlicensed.error, { ...unlicensed.headers });
    return { ...sender, kind: 'probe', schemaVersion: headerVersion, headers: { ...baseHeaders, ...deprecationHeaders(headerVersion) } };
  }

  const versionError = checkVersionAccepted(headerVersion, accepted, CONTRACT_HEADERS.schemaVersion);
  if (versionError !== undefined) return fail(422, versionError);
  const bodyVersion = typeof decoded.value === 'object' && decoded.value !== null ? (decoded.value as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof bodyVersion === 'number' && bodyVersion !== headerVersion) {
    return fail(422, wireError('/schemaVersion', `is ${bodyVersion} but the ${CONTRACT_HEADERS.schemaVersion} header says ${headerVersion}; both must name the version of the body`, 'version-mismatch'));
  }

  const validated = validateTelemetry(decoded.value);
  if (!validated.ok) {
    const n = validated.errors.length;
    return fail(422, wireError('body', `${n} problem${n === 1 ? '' : 's'}: ${validated.errors.map((e) => e.message).join('; ')}`, 'invalid-payload', { errors: validated.errors }));
  }
  const key = dedupeKeyOf(licenseId, validated.value.periodStart, validated.value.periodEnd);
  if (messageId !== messageIdNow(key, headers[CONTRACT_HEADERS.customer]!)) {
    return fail(
      422,
      wireError(
        SIGNATURE_HEADERS.id,
        `does not belong to this license, window and ${CONTRACT_HEADERS.customer}; it must be "msg_" + hex SHA-256 of the dedupe key, a line feed and the customer header as sent, so a changed customer header or license id is refused`,
        'message-id-mismatch',
      ),
    );
  }
  const unlicensed = await licensed(validated.value);
  if (unlicensed !== undefined) return fail(unlicensed.status, unlicensed.error, { ...unlicensed.headers });
  // Checked last: a value the vendor cannot place leaves the payload, the report stays.
  const { payload, unplaced } = placeSoftware(validated.value, context.knownSoftware);
  return { ...sender, kind: 'report', payload, unplaced, dedupeKey: key, schemaVersion: payload.schemaVersion, headers: { ...baseHeaders, ...deprecationHeaders(payload.schemaVersion) } } as IngestSuccess;
}
