/**
 * The license record at run time: checked against its generated validator
 * (schema/license.ts declares it), and what it allows a report to name. Both
 * sides use it: the uploader refuses to build a report that names a feature
 * outside the license, the ingest endpoint refuses to accept one.
 */
import { featurePaths } from '../../generated/license.js';
import type { LicenseRecord } from '../../generated/license.js';
import validateRecord from '../../generated/license-validate.js';
import { type ValidationResult, fromSchemaError, kindOf, makeError, pointerTokens, valueAtTokens } from './errors.js';
import { type WireError, wireError } from './wire-errors.js';

export type { LicenseRecord } from '../../generated/license.js';

/** Records already checked: a server's lookup hands the same object to every request of a license. */
const checked = new WeakSet<object>();

/**
 * Checks a license record against the contract's schema (generated/license.schema.json).
 * Never throws; the errors name the path and the rule and never a value (the legal
 * entity may be a person's name).
 *
 * @example
 * const checked = validateLicenseRecord(JSON.parse(readFileSync('license.json', 'utf8')));
 * if (!checked.ok) throw new Error(checked.errors.map((e) => e.message).join('; '));
 */
export function validateLicenseRecord(value: unknown): ValidationResult<LicenseRecord> {
  if (typeof value === 'object' && value !== null && checked.has(value)) return { ok: true, value: value as LicenseRecord };
  try {
    if (validateRecord(value)) {
      checked.add(value as object);
      return { ok: true, value };
    }
    return { ok: false, errors: (validateRecord.errors ?? []).map((e) => fromSchemaError(e, value)) };
  } catch {
    return { ok: false, errors: [makeError('', `could not be read as JSON data, got ${kindOf(value)}`, 'unreadable')] };
  }
}

/** A feature name a report holds that its license does not declare: where it is, and the name. */
export interface UnlicensedFeature {
  /** JSON Pointer to the name, e.g. `/featuresUsed/3`. */
  readonly path: string;
  readonly name: string;
}

const featureSets = new WeakMap<Pick<LicenseRecord, 'features'>, ReadonlySet<string>>();
const paths = featurePaths.map((pointer) => ({ pointer, tokens: pointerTokens(pointer) }));

/**
 * The feature names of a payload (of any version) that the license does not declare, in order;
 * empty when the payload names only licensed features. Reads the lists at the contract's
 * feature paths (schema/license.ts); a version without them names no feature.
 *
 * @example
 * unlicensedFeatures({ featuresUsed: ['export', 'sso'] }, { ...license, features: ['sso'] }); // [{ path: '/featuresUsed/0', name: 'export' }]
 */
export function unlicensedFeatures(payload: unknown, license: Pick<LicenseRecord, 'features'>): UnlicensedFeature[] {
  let declared = featureSets.get(license);
  if (declared === undefined) {
    declared = new Set(license.features);
    featureSets.set(license, declared);
  }
  const found: UnlicensedFeature[] = [];
  for (const { pointer, tokens } of paths) {
    const list = valueAtTokens(payload, tokens);
    if (!Array.isArray(list)) continue;
    list.forEach((name, i) => {
      if (typeof name !== 'string' || !declared.has(name)) found.push({ path: `${pointer}/${i}`, name: String(name) });
    });
  }
  return found;
}

/** How many of the refused names a message lists; `errors` holds every one. */
const LISTED = 5;

/**
 * The refusal of a report naming features its license does not declare (`feature-not-licensed`),
 * with one error per name. `where` opens the message (`counts`, `body`). With `echo`, the message
 * quotes each name, cut to the 64 characters a feature name may have (the uploader's own data, for
 * its developers); without it (what a server answers and logs) it names paths only.
 *
 * @example
 * featuresRefused([{ path: '/featuresUsed/0', name: 'export' }], { where: 'body', echo: false }).message;
 * // "body /featuresUsed/0: is not a feature the license declares; a report names only the features of its license record (feature-not-licensed)"
 */
export function featuresRefused(outside: readonly UnlicensedFeature[], { where, echo }: { readonly where: string; readonly echo: boolean }): WireError {
  const rule = 'feature-not-licensed';
  const named = (f: UnlicensedFeature) => (echo ? `${f.path} ${JSON.stringify(f.name.slice(0, 64))}` : f.path);
  const errors = outside.map((f) => makeError(f.path, 'is not a feature the license declares', rule));
  const why = 'a report names only the features of its license record';
  if (outside.length === 1) return wireError(`${where} ${named(outside[0]!)}`, `is not a feature the license declares; ${why}`, rule, { errors });
  const listed = outside.slice(0, LISTED).map(named).join(', ') + (outside.length > LISTED ? ` and ${outside.length - LISTED} more` : '');
  return wireError(where, `${outside.length} names are not features the license declares: ${listed}; ${why}`, rule, { errors });
}
