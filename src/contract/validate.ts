/**
 * contract/: the contract at run time, for everyone. What schema/ says,
 * checked: the generated validators with their formats and cross-field
 * rules, I-JSON parsing, the versions and their lives, projection and
 * negotiation between versions, and the two error shapes every layer answers
 * in. Imports none of the other folders (generated/ and schema/ only); every
 * other folder and every entry point imports it. This is its main file.
 *
 * Payload validation: the precompiled JSON Schema validator of the payload's
 * version, then the contract's cross-field rules. Nothing here compiles a
 * schema at run time.
 */
import { currentVersion, type Telemetry, versions } from '../../generated/index.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import type { ValidationError, ValidationResult } from './errors.js';
import type { GeneratedValidator } from './generated-validator.js';
import { type VersionEntry, createValidators } from './validate-core.js';

const entries = new Map<number, VersionEntry<Telemetry>>(
  Object.entries(versions).map(([version, { schema, validate, isValid }]) => [
    Number(version),
    { validate: validate as GeneratedValidator<Telemetry>, isValid, rules: schema['x-rules'] as readonly CrossFieldRule[], schema },
  ]),
);
const validators = createValidators(entries, currentVersion);

/** Every schema version this package validates, ascending. */
export const supportedVersions: readonly number[] = [...entries.keys()].sort((a, b) => a - b);

/**
 * Validates a parsed payload against the contract of its `schemaVersion`.
 * Never throws; returns the typed payload or every problem found.
 *
 * @example
 * const result = validateTelemetry(JSON.parse(body));
 * if (!result.ok) for (const e of result.errors) console.error(e.message);
 */
export const validateTelemetry: (value: unknown) => ValidationResult<Telemetry> = validators.validate;

/**
 * Type guard: true when the value is a valid payload of a supported version.
 *
 * @example
 * if (isTelemetry(payload)) store(payload.periodStart);
 */
export function isTelemetry(value: unknown): value is Telemetry {
  return validators.is(value);
}

/** Thrown by {@link assertTelemetry}; `errors` lists every problem. */
export class TelemetryValidationError extends Error {
  override name = 'TelemetryValidationError';
  constructor(readonly errors: readonly ValidationError[]) {
    super(`invalid telemetry payload, ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
}

/**
 * Throws a {@link TelemetryValidationError} listing every problem unless the value is a valid payload.
 *
 * @example
 * assertTelemetry(payload); // payload is Telemetry from here on
 */
export function assertTelemetry(value: unknown): asserts value is Telemetry {
  const result = validateTelemetry(value);
  if (!result.ok) throw new TelemetryValidationError(result.errors);
}
