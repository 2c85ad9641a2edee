/**
 * The validation algorithm, independent of where the validators come from:
 * the shipped package feeds it the precompiled generated validators; the
 * conformance-vector generator feeds it validators compiled in memory from
 * the schema being generated, so vectors never lag one generate behind.
 */
import type { CrossFieldRule } from '../schema/rules.js';
import { type ValidationResult, fromSchemaError, kindOf, makeError } from './errors.js';
import type { GeneratedValidator } from './generated-validator.js';
import { checkRules } from './rules.js';

export interface VersionEntry<T> {
  readonly validate: GeneratedValidator<T>;
  readonly rules: readonly CrossFieldRule[];
}

function versionOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'schemaVersion')
    ? (value as { schemaVersion: unknown }).schemaVersion
    : undefined;
}

/** A validate function over these versions: dispatch on schemaVersion, schema, then cross-field rules. Never throws. */
export function createValidate<T>(entries: ReadonlyMap<number, VersionEntry<T>>, currentVersion: number): (value: unknown) => ValidationResult<T> {
  const supported = [...entries.keys()].sort((a, b) => a - b);
  const current = entries.get(currentVersion);
  if (current === undefined) throw new RangeError(`createValidate: current version ${currentVersion} has no validator`);
  return (value) => {
    const version = versionOf(value);
    if (typeof version === 'number' && Number.isInteger(version) && !entries.has(version)) {
      return { ok: false, errors: [makeError('/schemaVersion', `version ${version} is not supported; supported: ${supported.join(', ')}`, 'unsupported-version')] };
    }
    // A payload without a usable version is checked against the current one, to say what is missing.
    const entry = (typeof version === 'number' ? entries.get(version) : undefined) ?? current;
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
  };
}
