/**
 * telemetry-contract/uploader: building, signing and sending reports from an
 * on-prem deployment. Needs only WebCrypto and fetch.
 *
 * @example
 * import { createTelemetryRequest, sendTelemetry } from 'telemetry-contract/uploader';
 * const built = await createTelemetryRequest(counts, { version: 1, license, signingSecrets: [secret] }); // license: the record shipped with the license
 * if (built.ok) log.push(...(await sendTelemetry(built.request, { baseUrl })).attempts);
 */
export type * from '../generated/types.js';
export type { ValidationError } from './contract/errors.js';
export type { WireError } from './contract/wire-errors.js';
export { type CreateRequestOptions, type CreateRequestResult, type TelemetryRequest, createTelemetryRequest } from './uploader/request.js';
export type { CurrentVersion, KnownVersion, TelemetryCounts } from './uploader/payload.js';
export { type LicenseRecord, type UnlicensedFeature, unlicensedFeatures, validateLicenseRecord } from './contract/license.js';
export { type ProjectionReport, type ProjectionResult, projectTelemetry } from './contract/projection.js';
export { DEPRECATION_HEADER, SUNSET_HEADER, type Deprecation, type VersionLifecycle, readDeprecation, versionLifecycle } from './contract/lifecycle.js';
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
} from './uploader/send.js';
export { SIGNATURE_HEADERS, type SignMessageInput, type SignatureHeaders, generateSecret, parseSecret, sign, signMessage } from './wire/signature.js';
export { MASK_ENV_VARIABLE, deriveMaskKey, encodeCustomer, maskCustomer, maskRequested } from './wire/mask.js';
export { ACCEPTED_VERSIONS_HEADER, checkVersionAccepted, chooseVersion, parseAcceptedVersions } from './contract/negotiation.js';
export { dedupeKey, messageId } from './wire/dedupe.js';
export { JOSE_MEDIA_TYPE, deriveEncryptionKey, encryptBody, encryptionKeyId } from './wire/jwe.js';
export { CONTRACT_HEADERS } from './wire/contract-headers.js';
export { PROBE_MEDIA_TYPE, type ProbeBody, probeMessageId } from './wire/probe.js';
export { type ProbeOptions, type ProbeRequest, type ProbeRequestResult, createProbeRequest } from './uploader/probe-request.js';
export {
  CONNECTION_DIAGNOSES,
  type ConnectionDiagnosis,
  type ConnectionTestOptions,
  type ConnectionTestResult,
  DEFAULT_TEST_TIMEOUT_MS,
  type VersionFallback,
  testConnection,
} from './uploader/connection-test.js';
export { SCHEMA_PATH, TELEMETRY_PATH } from './wire/paths.js';
export {
  DEFAULT_FREQUENCY,
  type DueWindow,
  type DueWindowsOptions,
  type DueWindowsResult,
  MAX_DUE_WINDOWS,
  REPORTING_SCHEDULES,
  type ReportingFrequency,
  type ReportingWindow,
  SEND_DELAY_MS,
  SEND_SPREAD_MS,
  dueWindows,
  sendOffsetMs,
} from './uploader/windows.js';
export { currentVersion } from '../generated/index.js';
export { supportedVersions } from './contract/validate.js';
