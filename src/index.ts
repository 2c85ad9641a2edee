/**
 * telemetry-contract: the wire contract for on-prem usage telemetry.
 *
 * @example
 * import { parseTelemetry } from 'telemetry-contract';
 * const result = parseTelemetry(body);
 * if (!result.ok) respond(422, result.errors);
 */
import { versions } from '../generated/index.js';

export { currentVersion } from '../generated/index.js';
export type * from '../generated/types.js';
export type { ValidationError, ValidationResult } from './contract/errors.js';
export { DEFAULT_MAX_BYTES, type ParseOptions, parseTelemetry } from './contract/parse.js';
export { TelemetryValidationError, assertTelemetry, isTelemetry, supportedVersions, validateTelemetry } from './contract/validate.js';
export { type LicenseRecord, validateLicenseRecord } from './contract/license.js';

// The wire protocol's shared algorithms; the full server and uploader APIs live in ./server and ./uploader.
export type { WireError } from './contract/wire-errors.js';
export { dedupeKey, messageId } from './wire/dedupe.js';
export { SIGNATURE_HEADERS, type SignatureHeaders, generateSecret, signMessage } from './wire/signature.js';
export { type SignatureResult, type VerificationKey, verifySignature } from './wire/verify-signature.js';
export { deriveMaskKey, isMaskedCustomer, maskCustomer } from './wire/mask.js';
export { JOSE_MEDIA_TYPE, deriveEncryptionKey, encryptionKeyId } from './wire/jwe.js';
export { ACCEPTED_VERSIONS_HEADER, chooseVersion } from './contract/negotiation.js';
export { type VersionLifecycle, type VersionStatus, defaultAcceptedVersions, versionLifecycle } from './contract/lifecycle.js';
export { SCHEMA_PATH, TELEMETRY_PATH } from './wire/paths.js';

/** The v1 JSON Schema (draft 2020-12), as served at `GET /api/v1/telemetry/schema?version=1`. */
export const schemaV1 = versions[1].schema;

/** Every known version's JSON Schema, by version number. */
export const schemas: Readonly<Record<number, (typeof versions)[keyof typeof versions]['schema']>> = Object.fromEntries(
  Object.entries(versions).map(([version, entry]) => [version, entry.schema]),
);
