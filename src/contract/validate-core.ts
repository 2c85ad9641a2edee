/**
 * The validation algorithm, independent of where the validators come from:
 * the shipped package feeds it the precompiled generated validators; the
 * conformance-vector generator feeds it validators compiled in memory from
 * the schema being generated, so vectors never lag one generate behind.
 */
import type { CrossFieldRule } from '../../schema/rules.js';
import { type ValidationResult, fromSchemaError, kindOf, makeError } from './errors.js';
import type { GeneratedValidator } from './generated-validator.js';
import { checkRules, compileRules } from './rules.js';

export interface VersionEntry<T> {
  /** Reports every schema error; run only on a payload the guard refused. */
  readonly validate: GeneratedValidator<T>;
  /** The same verdict as `validate` without building errors: what nearly every payload, a valid one, costs. */
  readonly isValid: (value: unknown) => boolean;
  readonly rules: readonly CrossFieldRule[];
  /** The JSON Schema `isValid` checks, so the rules need not check again what it did. */
  readonly schema?: unknown;
}

export interface Validators<T> {
  /** The typed payload, or every problem found. Never throws. */
  readonly validate: (value: unknown) => ValidationResult<T>;
  /** The verdict of `validate` alone. Never throws. */
  readonly is: (value: unknown) => value is T;
}

function versionOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'schemaVersion')
    ? (value as { schemaVersion: unknown }).schemaVersion
    : undefined;
}

/**
 * Validators over these versions: dispatch on schemaVersion, then the
 * schema, then the cross-field rules. A payload is first put to the guard and
 * the compiled rules, which answer yes or no; only a refused one goes through
 * the validator that explains why.
 */
export function createValidators<T>(entries: ReadonlyMap<number, VersionEntry<T>>, currentVersion: number): Validators<T> {
  const supported = [...entries.keys()].sort((a, b) => a - b);
  const prepared = new Map([...entries].map(([version, entry]) => [version, { ...entry, rulesHold: compileRules(entry.rules, entry.schema) }]));
  const current = prepared.get(currentVersion);
  if (current === undefined) throw new RangeError(`createValidators: current version ${currentVersion} has no validator`);
  const unsupported = (version: unknown) => typeof version === 'number' && Number.isInteger(version) && !prepared.has(version);
  // A payload without a usable version is checked against the current one, to say what is missing.
  const entryFor = (version: unknown) => (typeof version === 'number' ? prepared.get(version) : undefined) ?? current;

  const is = (value: unknown): value is T => {
    const version = versionOf(value);
    // The current version, nearly every payload, without a lookup.
    const entry = version === currentVersion ? current : unsupported(version) ? undefined : entryFor(version);
    if (entry === undefined) return false;
    try {
      return entry.isValid(value) && entry.rulesHold(value);
    } catch {
      // Only a value that is not plain data (a throwing getter, a revoked Proxy) gets here.
      return false;
    }
  };

  const validate = (value: unknown): ValidationResult<T> => {
    const version = versionOf(value);
    if (unsupported(version)) {
      return { ok: false, errors: [makeError('/schemaVersion', `version ${String(version)} is not supported; supported: ${supported.join(', ')}`, 'unsupported-version')] };
    }
    const entry = entryFor(version);
    try {
      if (entry.isValid(value) && entry.rulesHold(value)) return { ok: true, value: value as T };
      const schemaErrors = entry.validate(value) ? [] : (entry.validate.errors ?? []).map((e) => fromSchemaError(e, value));
      const errors = [...schemaErrors, ...checkRules(entry.rules, value, schemaErrors)];
      if (errors.length > 0) return { ok: false, errors };
      // The guard refused what ajv's code lets through: ajv's uniqueItems misses two equal "__proto__" strings, for one.
      // The guard is the verdict (isTelemetry gives it too), so the payload stays refused, saying why it cannot say more.
      return { ok: false, errors: [makeError('', 'breaks the schema in a way the explaining validator does not report; please report this payload shape', 'validator-disagreement')] };
    } catch {
      return { ok: false, errors: [makeError('', `could not be read as JSON data, got ${kindOf(value)}`, 'unreadable')] };
    }
  };

  return { validate, is };
}
