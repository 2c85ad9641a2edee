/**
 * The values of a report only the vendor can place: `appVersion` (a build of
 * one of its releases) and `nodeVersion` (a Node.js release line). The
 * contract's pattern bounds their shape, not their meaning: forty hex digits
 * can spell anything a sender likes. So `ingest` keeps such a value only when
 * the vendor can place it, and otherwise takes the report without it: the
 * counts still arrive, the value is never stored, and the result says which
 * field went and by which rule (`unknown-build`, `unknown-node-major`).
 */

/** Node.js major release lines this package knows of (4, the first after io.js, to 25); a server lists later ones itself. */
export const KNOWN_NODE_MAJORS: readonly number[] = Array.from({ length: 22 }, (_, i) => i + 4);

/** A set of values, or a test of one. */
export type Placer<T> = Iterable<T> | ((value: T) => boolean);

/** What the vendor can place, for `ingest`'s `knownSoftware` option. */
export interface KnownSoftware {
  /**
   * The build ids (git commit SHAs, lowercase hex, as uploaders send them in `appVersion`) of the vendor's
   * releases, or a test of one. Default: none, so no `appVersion` is stored until the vendor lists its builds.
   */
  readonly builds?: Placer<string>;
  /** The Node.js majors the vendor knows, or a test of one; default {@link KNOWN_NODE_MAJORS}. */
  readonly nodeMajors?: Placer<number>;
}

/** A value `ingest` took out of a report before handing it on: which field, and the rule that placed it nowhere. */
export interface Unplaced {
  /** JSON Pointer of the field: `/appVersion`, `/nodeVersion`. */
  readonly path: string;
  readonly rule: 'unknown-build' | 'unknown-node-major';
}

function tester<T>(placer: Placer<T> | undefined, fallback: (value: T) => boolean): (value: T) => boolean {
  if (placer === undefined) return fallback;
  if (typeof placer === 'function') return placer;
  const known = new Set(placer);
  return (value) => known.has(value);
}

/** The placing tests of a `knownSoftware` option, made once per option object. */
interface Testers {
  readonly build: (value: string) => boolean;
  readonly nodeMajor: (value: number) => boolean;
}
const testers = new WeakMap<KnownSoftware, Testers>();
const DEFAULT_NODE_MAJORS = new Set(KNOWN_NODE_MAJORS);
const DEFAULTS: Testers = { build: () => false, nodeMajor: (value) => DEFAULT_NODE_MAJORS.has(value) };

function testersOf(known: KnownSoftware | undefined): Testers {
  if (known === undefined) return DEFAULTS;
  let made = testers.get(known);
  if (made === undefined) {
    made = { build: tester(known.builds, DEFAULTS.build), nodeMajor: tester(known.nodeMajors, DEFAULTS.nodeMajor) };
    testers.set(known, made);
  }
  return made;
}

/**
 * The payload without the values the vendor cannot place, and which went.
 * Returns the payload itself when every value is placed (nearly always).
 * Throws nothing: a placing test that throws counts as "cannot place".
 *
 * @example
 * placeSoftware({ ...counts, appVersion: 'ffff…' }, { builds: releases }); // { payload: counts, unplaced: [{ path: '/appVersion', rule: 'unknown-build' }] }
 */
export function placeSoftware<P extends object>(payload: P, known?: KnownSoftware): { readonly payload: P; readonly unplaced: readonly Unplaced[] } {
  const fields = payload as { appVersion?: unknown; nodeVersion?: unknown };
  const { build, nodeMajor } = testersOf(known);
  const placed = (test: () => boolean) => {
    try {
      return test() === true;
    } catch {
      return false;
    }
  };
  const unplaced: Unplaced[] = [];
  if (typeof fields.appVersion === 'string' && !placed(() => build(fields.appVersion as string))) unplaced.push({ path: '/appVersion', rule: 'unknown-build' });
  if (typeof fields.nodeVersion === 'string' && !placed(() => nodeMajor(Number(fields.nodeVersion)))) unplaced.push({ path: '/nodeVersion', rule: 'unknown-node-major' });
  if (unplaced.length === 0) return { payload, unplaced };
  const kept = { ...payload } as Record<string, unknown>;
  for (const { path } of unplaced) delete kept[path.slice(1)];
  return { payload: kept as P, unplaced };
}
