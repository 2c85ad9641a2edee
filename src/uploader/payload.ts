/**
 * What an uploader can build: the versions this package may still build (known,
 * not retired), and a version's payload from the counts an application
 * measured, with `schemaVersion` set, keys in schema order and the lists the
 * contract keeps sorted sorted (and deduped where unique), so the same counts
 * always give the same body bytes. Requests (./request.ts) and the connection
 * test stand on it.
 */
import { type TelemetryByVersion, currentVersion, versions } from '../../generated/index.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import { pointerTokens } from '../contract/errors.js';
import { versionLifecycle } from '../contract/lifecycle.js';
import { formatAcceptedVersions } from '../contract/negotiation.js';
import { compareCodePoints } from '../contract/rules.js';
import { supportedVersions } from '../contract/validate.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** A schema version this package knows. */
export type KnownVersion = keyof TelemetryByVersion;
/** The newest released version: the one a new installation names. Never a default: an installation names its own. */
export type CurrentVersion = typeof currentVersion;

/** Lists relaxed to readonly arrays of their items, at every depth. */
type Relaxed<T> = T extends readonly (infer U)[] ? readonly Relaxed<U>[] : T extends object ? { readonly [K in keyof T]: Relaxed<T[K]> } : T;

/**
 * What the uploader measured for version `V`: its payload without
 * `schemaVersion`, lists in any order, repeats allowed where the contract
 * keeps a list sorted and unique. No version, no counts (`never`).
 */
export type TelemetryCounts<V extends KnownVersion> = [V] extends [never] ? never : Relaxed<Omit<TelemetryByVersion[V], 'schemaVersion'>>;

type Schema = { readonly properties?: Readonly<Record<string, Schema>>; readonly items?: Schema; readonly uniqueItems?: boolean };

/** The value with object keys in schema order at every depth, so the same counts always give the same body bytes. */
function ordered(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item, schema?.items));
  if (typeof value !== 'object' || value === null || schema?.properties === undefined) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key such as "__proto__" (JSON.parse makes it an own key) stays a key, and is refused as unknown.
  const set = (key: string, item: unknown) => Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(schema.properties)) if (Object.hasOwn(source, key) && source[key] !== undefined) set(key, ordered(source[key], schema.properties[key]));
  // Unknown keys stay, so validation refuses them instead of them vanishing silently.
  for (const key of Object.keys(source)) if (!Object.hasOwn(out, key) && source[key] !== undefined) set(key, source[key]);
  return out;
}

/** The payload of `version` from counts: the version set, keys in schema order, lists the contract keeps sorted sorted (and deduped where unique). */
export function completePayload(counts: Record<string, unknown>, version: KnownVersion): Record<string, unknown> {
  const schema = versions[version].schema as unknown as Schema & { readonly 'x-rules'?: readonly CrossFieldRule[] };
  const payload = ordered({ ...counts, schemaVersion: version }, schema) as Record<string, unknown>;
  for (const rule of schema['x-rules'] ?? []) {
    if (rule.kind !== 'sorted-by-code-point') continue;
    const tokens = pointerTokens(rule.path);
    let parent: unknown = payload;
    let list: Schema | undefined = schema;
    for (const token of tokens.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null && Object.hasOwn(parent, token) ? (parent as Record<string, unknown>)[token] : undefined;
      list = list?.properties?.[token];
    }
    const last = tokens[tokens.length - 1]!;
    list = list?.properties?.[last];
    if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, last)) continue;
    const items = (parent as Record<string, unknown>)[last];
    if (Array.isArray(items) && items.every((item) => typeof item === 'string')) {
      (parent as Record<string, unknown>)[last] = [...(list?.uniqueItems === true ? new Set(items as string[]) : (items as string[]))].sort(compareCodePoints);
    }
  }
  return payload;
}

/** The refusal of counts that do not validate: nothing was built. */
export function invalidCounts(errors: NonNullable<WireError['errors']>): { readonly ok: false; readonly error: WireError } {
  const n = errors.length;
  return { ok: false, error: wireError('counts', `${n} problem${n === 1 ? '' : 's'}, nothing was built: ${errors.map((e) => e.message).join('; ')}`, 'invalid-payload', { errors }) };
}

/** The version to build, or why none can be: unknown to this package, or retired. */
export function versionProblem(version: number): WireError | undefined {
  const lifecycle = versionLifecycle(version);
  if (lifecycle === undefined) return wireError('version', `${String(version)} is not a version this package knows; known: ${formatAcceptedVersions(supportedVersions)}`, 'unsupported-version', { supportedVersions });
  if (lifecycle.status === 'retired') return wireError('version', `v${version} is retired${lifecycle.retired ? ` since ${lifecycle.retired}` : ''}; servers refuse it. Build the current version, v${currentVersion}`, 'unsupported-version', { supportedVersions });
  return undefined;
}

/** Why nothing is built without a version: a default would move under the installation with the next package release. */
export function versionRequired(where: string): WireError {
  return wireError(
    'version',
    `is required: name the schema version the installation sends, as in ${where}(…, { version: ${currentVersion}, … }); a default would change what it sends whenever the package is upgraded`,
    'version-required',
    { supportedVersions },
  );
}

/** The newest version of a server's list that this package can build, or undefined. */
export function newestBuildable(accepted: readonly number[]): number | undefined {
  const usable = accepted.filter((version) => versionProblem(version) === undefined);
  return usable.length === 0 ? undefined : Math.max(...usable);
}
