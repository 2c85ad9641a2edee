/**
 * Payload validation: the precompiled JSON Schema validator of the payload's
 * version, then the contract's cross-field rules. Nothing here compiles a
 * schema at run time.
 */
import { currentVersion, type Telemetry, versions } from '../generated/index.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { type ValidationError, type ValidationResult, fromSchemaError, kindOf, makeError } from './errors.js';
import type { GeneratedValidator } from './generated-validator.js';
import { checkRules } from './rules.js';

interface VersionEntry {
  readonly validate: GeneratedValidator<Telemetry>;
  readonly rules: readonly CrossFieldRule[];
}

const entries = new Map<number, VersionEntry>(
  Object.entries(versions).map(([version, { schema, validate }]) => [
    Number(version),
    { validate: validate as GeneratedValidator<Telemetry>, rules: schema['x-rules'] as readonly CrossFieldRule[] },
  ]),
);

/** Every schema version this package validates, ascending. */
export const supportedVersions: readonly number[] = [...entries.keys()].sort((a, b) => a - b);

function versionOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'schemaVersion')
    ? (value as { schemaVersion: unknown }).schemaVersion
    : undefined;
}

/**
 * Validates a parsed payload against the contract of its `schemaVersion`.
 * Never throws; returns the typed payload or every problem found.
 *
 * @example
 * const result = validateTelemetry(JSON.parse(body));
 * if (!result.ok) for (const e of result.errors) console.error(e.message);
 */
export function validateTelemetry(value: unknown): ValidationResult<Telemetry> {
  const version = versionOf(value);
  if (typeof version === 'number' && Number.isInteger(version) && !entries.has(version)) {
    return {
      ok: false,
      errors: [makeError('/schemaVersion', `version ${version} is not supported; supported: ${supportedVersions.join(', ')}`, 'unsupported-version')],
    };
  }
  // A payload without a usable version is checked against the current one, to say what is missing.
  const entry = entries.get(typeof version === 'number' ? version : currentVersion) ?? entries.get(currentVersion)!;
  try {
    if (entry.validate(value)) {
      const ruleErrors = checkRules(entry.rules, value, []);
      return ruleErrors.length === 0 ? { ok: true, value } : { ok: false, errors: ruleErrors };
    }
    const schemaErrors = (entry.validate.errors ?? []).map((e) => fromSchemaError(e, value));
    return { ok: false, errors: [...schemaErrors, ...checkRules(entry.rules, value, schemaErrors)] };
  } catch {
    // Only a value that is not plain data (a throwing getter, a revoked Proxy) gets here.
    return { ok: false, errors: [makeError('', `could not be read as JSON data, got ${kindOf(value)}`, 'unreadable')] };
  }
}

/**
 * Type guard: true when the value is a valid payload of a supported version.
 *
 * @example
 * if (isTelemetry(payload)) store(payload.periodStart);
 */
export function isTelemetry(value: unknown): value is Telemetry {
  return validateTelemetry(value).ok;
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
