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
export type { Telemetry, TelemetryV1 } from '../generated/index.js';
export type { ValidationError, ValidationResult } from './errors.js';
export { DEFAULT_MAX_BYTES, type ParseOptions, parseTelemetry } from './parse.js';
export { TelemetryValidationError, assertTelemetry, isTelemetry, supportedVersions, validateTelemetry } from './validate.js';

/** The v1 JSON Schema (draft 2020-12), as served at `GET /api/v1/telemetry/schema?version=1`. */
export const schemaV1 = versions[1].schema;

/** Every known version's JSON Schema, by version number. */
export const schemas: Readonly<Record<number, (typeof versions)[keyof typeof versions]['schema']>> = Object.fromEntries(
  Object.entries(versions).map(([version, entry]) => [version, entry.schema]),
);
