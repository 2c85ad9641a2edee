/**
 * uploader/: what an uploader team calls to send reports from any runtime
 * with WebCrypto and fetch: build a request (this file, its main one, with
 * ./sender.ts and ./payload.ts), send it (./send.ts), test the connection
 * (./probe-request.ts, ./connection-test.ts). Imports contract/ and wire/;
 * imported by the `telemetry-contract/uploader` entry and by outbox/; never
 * by server/ or store/.
 *
 * Building a signed telemetry request: the payload completed and checked, the
 * customer masked when asked, the body serialized once (the bytes every retry
 * replays) and signed. Any version the package knows can be built, the one
 * the application names: never a default, which would move under an
 * installation when the package is upgraded. When the server does not accept
 * it, the server's newest version by projection where the contract allows. Who sends
 * and how it is signed is ./sender.ts; the payload of a version, ./payload.ts.
 */
import type { Telemetry } from '../../generated/index.js';
import { parseTelemetry } from '../contract/parse.js';
import { checkVersionAccepted } from '../contract/negotiation.js';
import { type ProjectionReport, projectTelemetry } from '../contract/projection.js';
import { featuresRefused, unlicensedFeatures } from '../contract/license.js';
import { validateTelemetry } from '../contract/validate.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { utf8 } from '../wire/bytes.js';
import { CONTRACT_HEADERS } from '../wire/contract-headers.js';
import { JSON_MEDIA_TYPE } from '../wire/content-type.js';
import { dedupeKey as dedupeKeyOf, messageId as messageIdOf } from '../wire/dedupe.js';
import { JOSE_MEDIA_TYPE, encryptBody } from '../wire/jwe.js';
import { checkCustomerName, checkMaskEnvVariable, MASK_ENV_VARIABLE } from '../wire/mask.js';
import { TELEMETRY_PATH } from '../wire/paths.js';
import { type KnownVersion, type TelemetryCounts, completePayload, invalidCounts, newestBuildable, versionProblem, versionRequired } from './payload.js';
import { type Sender, type SenderOptions, checkedSecrets, customerHeaderOf, encryptionOf, senderIdentity, signingHeaders } from './sender.js';

/** What `createTelemetryRequest` takes: who sends, and the versions the server accepts. */
export interface CreateRequestOptions extends SenderOptions {
  /**
   * The versions the server accepts (from configuration or `discoverAcceptedVersions`). When the version
   * to build is not among them, the report is projected onto the newest of them, or refused.
   */
  readonly acceptedVersions?: readonly number[];
}

/** A signed request, ready for `sendTelemetry` or any HTTP client. */
export interface TelemetryRequest {
  readonly method: 'POST';
  /** {@link TELEMETRY_PATH}; the caller supplies the origin. */
  readonly path: string;
  /** Every header, signed at creation time. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body bytes; every retry sends these bytes again. */
  readonly body: Uint8Array;
  readonly payload: Telemetry;
  readonly schemaVersion: number;
  readonly dedupeKey: string;
  /** The `webhook-id`, the same for every retry and in every version of the window. */
  readonly messageId: string;
  /** Set when the report was built in another version and projected onto this one. */
  readonly projection?: ProjectionReport;
  /** Whether `body` is the payload encrypted as a JWE (`content-type: application/jose`). */
  readonly encrypted: boolean;
  /** The headers for a new attempt: same id and body, a new timestamp and signature. Keeps the secrets out of the object. */
  sign(timestampSeconds: number): Promise<Record<string, string>>;
  /**
   * The same window as a request of another version, by projection (fields that version lacks are
   * dropped), signed with the same secrets; a `projection-refused` error when the contract does not allow it.
   */
  project(version: number): Promise<CreateRequestResult>;
}

export type CreateRequestResult = { readonly ok: true; readonly request: TelemetryRequest } | { readonly ok: false; readonly error: WireError };

/**
 * Builds and signs a telemetry request in the version the application names
 * (`version`, required: the counts are typed as that version's, so a missing
 * required field is a compile error): fills `schemaVersion`, keeps lists the
 * contract sorts sorted and unique, validates (an invalid payload is refused,
 * nothing is built), masks the customer when asked, and signs the body. The
 * version stays the application's when the package is upgraded; only
 * `acceptedVersions` without it makes the report go out projected onto the
 * newest accepted version, if the contract allows it (`request.projection`).
 * Returns a typed error instead of throwing for bad counts or options.
 *
 * With `license` (the record the vendor ships with the license), a report naming
 * a feature the license does not declare is refused (`feature-not-licensed`,
 * naming the path and the name) and nothing is built.
 *
 * @example
 * const license = JSON.parse(readFileSync('/etc/aster/license.json', 'utf8')); // as the vendor shipped it
 * const built = await createTelemetryRequest(counts, { version: 1, license, signingSecrets: [secret] });
 * if (!built.ok) throw new Error(built.error.message);
 * const sent = await sendTelemetry(built.request, { baseUrl: 'https://telemetry.example.com' });
 */
export async function createTelemetryRequest<V extends KnownVersion>(counts: NoInfer<TelemetryCounts<V>>, options: CreateRequestOptions & { readonly version: V }): Promise<CreateRequestResult> {
  const version: number | undefined = options.version;
  if (version === undefined) return { ok: false, error: versionRequired('createTelemetryRequest') };
  const problem = versionProblem(version);
  if (problem !== undefined) return { ok: false, error: problem };
  if (options.acceptedVersions !== undefined && newestBuildable(options.acceptedVersions) === undefined) {
    const refused = checkVersionAccepted(version, options.acceptedVersions);
    if (refused !== undefined) return { ok: false, error: refused };
  }
  const checked = checkedSecrets(options.signingSecrets, options.maskKey, options.encryptionKey);
  if (!checked.ok) return checked;
  const secrets = checked.secrets;
  const identity = senderIdentity(options);
  if (!identity.ok) return identity;
  const customerProblem = checkCustomerName(identity.customer);
  if (customerProblem !== undefined) return { ok: false, error: customerProblem };
  const maskEnvVariable = options.maskEnvVariable ?? MASK_ENV_VARIABLE;
  const envProblem = checkMaskEnvVariable(maskEnvVariable);
  if (envProblem !== undefined) return { ok: false, error: envProblem };

  const validated = validateTelemetry(completePayload((counts ?? {}) as Record<string, unknown>, version as KnownVersion));
  if (!validated.ok) return invalidCounts(validated.errors);
  // On-prem refuses to send what the license does not allow: nothing is built, so nothing can be queued.
  const outside = identity.license === undefined ? [] : unlicensedFeatures(validated.value, identity.license);
  if (outside.length > 0) return { ok: false, error: featuresRefused(outside, { where: 'counts', echo: true }) };
  const built = await signedRequest(validated.value, { ...options, licenseId: identity.licenseId, customer: identity.customer }, secrets);
  if (!built.ok || options.acceptedVersions === undefined || options.acceptedVersions.includes(version)) return built;
  // The application's version, which the server does not accept: its newest version, by projection, or nothing.
  return built.request.project(newestBuildable(options.acceptedVersions)!);
}

/** The request for a valid payload, signed; the customer header is worked out once, from the options. */
async function signedRequest(payload: Telemetry, options: CreateRequestOptions & { readonly licenseId: string; readonly customer: string }, secrets: readonly string[]): Promise<CreateRequestResult> {
  const customerHeader = await customerHeaderOf(options, secrets);
  const encryption = await encryptionOf(options, secrets);
  return assembleRequest(payload, { licenseId: options.licenseId, customerHeader, now: options.now ?? Date.now, ...(encryption === undefined ? {} : { encryption }) }, secrets);
}

/**
 * The request for a valid payload from one sender, signed; `body` when the
 * exact bytes are already known (a stored window). `project` builds the same
 * window in another version for the same sender.
 */
async function assembleRequest(payload: Telemetry, sender: Sender, secrets: readonly string[], projection?: ProjectionReport, stored?: Uint8Array): Promise<CreateRequestResult> {
  const version = payload.schemaVersion;
  let key: string;
  try {
    key = dedupeKeyOf(sender.licenseId, payload.periodStart, payload.periodEnd);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('dedupeKey: licenseId ')) return { ok: false, error: { rule: 'invalid-header', message: `${CONTRACT_HEADERS.licenseId}: ${message.replace(/^dedupeKey: licenseId /, '')}` } };
    // The payload is valid, so only a contract without the window fields gets here.
    return { ok: false, error: { rule: 'no-window', message: `counts: ${message.replace(/^dedupeKey: /, '')}; every version needs periodStart and periodEnd, the window the dedupe key is made of (no-window)` } };
  }
  const id = await messageIdOf(key, sender.customerHeader);
  const json = stored ?? utf8(JSON.stringify(payload));
  const body = sender.encryption === undefined ? json : utf8(await encryptBody(json, sender.encryption.key, sender.encryption.randomBytes?.(12)));
  const signed = await signingHeaders({ contentType: sender.encryption === undefined ? JSON_MEDIA_TYPE : JOSE_MEDIA_TYPE, sender, version, id, body, secrets });
  if (!signed.ok) return signed;
  const { headers, sign: signHeaders } = signed;
  return {
    ok: true,
    request: {
      method: 'POST',
      path: TELEMETRY_PATH,
      headers,
      body,
      payload,
      schemaVersion: version,
      dedupeKey: key,
      messageId: id,
      ...(projection === undefined ? {} : { projection }),
      encrypted: sender.encryption !== undefined,
      sign: signHeaders,
      async project(to: number): Promise<CreateRequestResult> {
        if (to === version) return { ok: false, error: wireError('version', `the request already is v${to}`, 'projection-refused') };
        const problem = versionProblem(to);
        if (problem !== undefined) return { ok: false, error: problem };
        const projected = projectTelemetry(payload, to);
        if (!projected.ok) return projected;
        const source = projection ?? projected.report;
        // The report describes the whole way from the version first built, whatever the steps.
        const report = { from: source.from, to, dropped: [...new Set([...(projection?.dropped ?? []), ...projected.report.dropped])] };
        const completed = validateTelemetry(completePayload(projected.value as unknown as Record<string, unknown>, to as KnownVersion));
        if (!completed.ok) return invalidCounts(completed.errors);
        return assembleRequest(completed.value, sender, secrets, report);
      },
    },
  };
}

/**
 * A request built as `createTelemetryRequest` builds it (the same version
 * check, completion, sorting and validation), for a sender whose customer
 * header was worked out before: an outbox folder set up by `telemetry-outbox
 * init` keeps the header as masking made it, never the name. Not part of the
 * public entries: the outbox uses it.
 */
export async function createRequestAs(
  sender: { readonly licenseId: string; readonly customerHeader: string; readonly licensedFeatures?: readonly string[] },
  counts: unknown,
  options: { readonly version: number; readonly signingSecrets: string | readonly string[]; readonly now?: () => number },
): Promise<CreateRequestResult> {
  const problem = versionProblem(options.version);
  if (problem !== undefined) return { ok: false, error: problem };
  const checked = checkedSecrets(options.signingSecrets);
  if (!checked.ok) return checked;
  const validated = validateTelemetry(completePayload((counts ?? {}) as Record<string, unknown>, options.version as KnownVersion));
  if (!validated.ok) return invalidCounts(validated.errors);
  // The features the license record declared when the folder was set up: what createTelemetryRequest checks against the record.
  const outside = sender.licensedFeatures === undefined ? [] : unlicensedFeatures(validated.value, { features: [...sender.licensedFeatures] });
  if (outside.length > 0) return { ok: false, error: featuresRefused(outside, { where: 'counts', echo: true }) };
  return assembleRequest(validated.value, { licenseId: sender.licenseId, customerHeader: sender.customerHeader, now: options.now ?? Date.now }, checked.secrets);
}

/** What a store keeps of a built request to send it again later: everything but the secrets. */
export interface StoredRequest {
  /** The exact JSON body bytes that were built (before any encryption). */
  readonly body: Uint8Array;
  readonly licenseId: string;
  /** The `x-telemetry-customer` value as built: the percent-encoded name, or its mask. */
  readonly customerHeader: string;
}

/**
 * A request rebuilt from what a store kept of it (the outbox's records): the
 * same body bytes, message id and contract headers, signed anew with secrets
 * the caller holds in memory. The body is parsed and validated again, so a
 * damaged record is refused (`invalid-payload`, `json-syntax`…) rather than sent.
 * Not part of the public entries: the outbox uses it.
 */
export async function restoreTelemetryRequest(
  stored: StoredRequest,
  options: { readonly signingSecrets: string | readonly string[]; readonly now?: () => number } & Pick<CreateRequestOptions, 'encrypt' | 'encryptionKey' | 'randomBytes'>,
): Promise<CreateRequestResult> {
  const checked = checkedSecrets(options.signingSecrets, undefined, options.encryptionKey);
  if (!checked.ok) return checked;
  const parsed = parseTelemetry(stored.body);
  if (!parsed.ok) return invalidCounts(parsed.errors);
  const problem = versionProblem(parsed.value.schemaVersion);
  if (problem !== undefined) return { ok: false, error: problem };
  // Encrypted afresh when sent encrypted: a stored window keeps the JSON it was built as, and every restore gets a new IV.
  const encryption = await encryptionOf(options, checked.secrets);
  return assembleRequest(parsed.value, { licenseId: stored.licenseId, customerHeader: stored.customerHeader, now: options.now ?? Date.now, ...(encryption === undefined ? {} : { encryption }) }, checked.secrets, undefined, stored.body);
}
