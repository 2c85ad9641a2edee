/**
 * telemetry-contract/uploader: building, signing and sending reports from an
 * on-prem deployment. Needs only WebCrypto and fetch.
 *
 * @example
 * import { createTelemetryRequest, sendTelemetry } from 'telemetry-contract/uploader';
 * const built = await createTelemetryRequest(counts, { version: 1, licenseId, customer, signingSecrets: [secret] });
 * if (built.ok) log.push(...(await sendTelemetry(built.request, { baseUrl })).attempts);
 */
export type * from '../generated/types.js';
export type { ValidationError } from './errors.js';
export type { WireError } from './wire-errors.js';
export {
  type CreateRequestOptions,
  type CreateRequestResult,
  type CurrentVersion,
  type KnownVersion,
  type TelemetryCounts,
  type TelemetryRequest,
  createTelemetryRequest,
} from './request.js';
export { type ProjectionReport, type ProjectionResult, projectTelemetry } from './projection.js';
export { DEPRECATION_HEADER, SUNSET_HEADER, type Deprecation, type VersionLifecycle, readDeprecation, versionLifecycle } from './lifecycle.js';
export {
  DEFAULT_RETRIES,
  type FetchLike,
  MAX_DELAY_MS,
  RETRYABLE_STATUSES,
  type SendAttempt,
  type SendOptions,
  type SendResult,
  discoverAcceptedVersions,
  sendTelemetry,
} from './send.js';
export { SIGNATURE_HEADERS, type SignMessageInput, type SignatureHeaders, generateSecret, parseSecret, sign, signMessage } from './signature.js';
export { MASK_ENV_VARIABLE, deriveMaskKey, encodeCustomer, maskCustomer, maskRequested } from './mask.js';
export { ACCEPTED_VERSIONS_HEADER, checkVersionAccepted, chooseVersion, parseAcceptedVersions } from './negotiation.js';
export { dedupeKey, messageId } from './dedupe.js';
export { JOSE_MEDIA_TYPE, deriveEncryptionKey, encryptBody, encryptionKeyId } from './jwe.js';
export { CONTRACT_HEADERS } from './contract-headers.js';
export { PROBE_MEDIA_TYPE, type ProbeBody, probeMessageId } from './probe.js';
export { type ProbeOptions, type ProbeRequest, type ProbeRequestResult, createProbeRequest } from './probe-request.js';
export {
  CONNECTION_DIAGNOSES,
  type ConnectionDiagnosis,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_TEST_TIMEOUT_MS,
  type VersionFallback,
  testConnection,
} from './connection-test.js';
export { SCHEMA_PATH, TELEMETRY_PATH } from './paths.js';
export { currentVersion } from '../generated/index.js';
export { supportedVersions } from './validate.js';
