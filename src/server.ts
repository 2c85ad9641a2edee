/**
 * telemetry-contract/server: what an ingest server needs, framework-agnostic.
 *
 * @example
 * import { ingest, schemaEndpoint, failureResponse } from 'telemetry-contract/server';
 * const result = await ingest({ method: 'POST', headers: req.headers, body }, { licenseKeys: new Map([['lic-0042', [{ id: 'k1', secret }]]]) });
 */
export type * from '../generated/types.js';
export type { ValidationError } from './contract/errors.js';
export type { WireError } from './contract/wire-errors.js';
export type { HeadersLike } from './wire/headers.js';
export { type KeySourceOptions, type LicenseEntry, type LicenseKeyLookup, type LicenseKeys } from './server/key-lookup.js';
export { type LicenseRecord, type UnlicensedFeature, unlicensedFeatures, validateLicenseRecord } from './contract/license.js';
export { type IngestFailure, type IngestOptions, type IngestProbe, type IngestRequest, type IngestResult, type IngestSuccess, failureResponse, ingest, probeResponse } from './server/ingest.js';
export type { KnownSoftware, Unplaced } from './server/placement.js';
export { PROBE_MEDIA_TYPE, type ProbeBody, checkProbeBody, probeMessageId } from './wire/probe.js';
export {
  type Admission,
  type AdmissionOptions,
  type AdmissionRefusal,
  type AdmissionStats,
  type AdmissionTicket,
  type AdmittedRequestLike,
  type AdmittedResponseLike,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_RETRY_AFTER_SECONDS,
  admitRequest,
  createAdmission,
} from './server/admission.js';
export {
  type BundleOptions,
  type BundleRequest,
  type BundleResult,
  type BundleSuccess,
  type BundleWindowResult,
  type WindowOutcome,
  bundleResponse,
  ingestBundle,
  storeBundleWindows,
} from './server/bundle.js';
export { BUNDLE_MEDIA_TYPE, type Bundle, type BundleWindow, DEFAULT_MAX_BUNDLE_BYTES, MAX_BUNDLE_WINDOWS, bundleManifest } from './wire/bundle.js';
export { type ReceiptDocument, type ReceiptKeyPair, type ReceiptPayload, type ReceiptWindow, generateReceiptKey, receiptKeyId, receiptPublicKey, verifyReceipt } from './wire/receipt.js';
export {
  DEFAULT_SCHEMA_MAX_AGE_SECONDS,
  type EndpointResponse,
  SCHEMA_MEDIA_TYPE,
  type SchemaEndpointOptions,
  type SchemaRequest,
  schemaEndpoint,
} from './server/schema-endpoint.js';
export { SIGNATURE_HEADERS, generateSecret, parseSecret } from './wire/signature.js';
export { DEFAULT_TOLERANCE_SECONDS, type SignatureResult, type VerificationKey, type VerifyOptions, verifySignature } from './wire/verify-signature.js';
export { dedupeKey, messageId } from './wire/dedupe.js';
export { type DecryptResult, JOSE_MEDIA_TYPE, decryptBody, deriveEncryptionKey, encryptionKeyId } from './wire/jwe.js';
export { type Customer, decodeCustomer, deriveMaskKey, isMaskedCustomer, maskCustomer } from './wire/mask.js';
export { ACCEPTED_VERSIONS_HEADER, acceptedVersionsOption, checkVersionAccepted, formatAcceptedVersions } from './contract/negotiation.js';
export { CONTRACT_HEADERS } from './wire/contract-headers.js';
export { BUNDLE_PATH, SCHEMA_PATH, TELEMETRY_PATH } from './wire/paths.js';
export { DEFAULT_MAX_BYTES } from './contract/parse.js';
export { supportedVersions } from './contract/validate.js';
export { DEPRECATION_HEADER, SUNSET_HEADER, type VersionLifecycle, type VersionStatus, defaultAcceptedVersions, deprecationHeaders, versionLifecycle } from './contract/lifecycle.js';
