/**
 * Licenses in memory, so that `ingest` looks a license up without a query per
 * request, and no answer is older than the bound every process promises
 * (`LICENSE_CHANGE_BOUND_SECONDS`, ./license-store.ts). What the cache holds
 * was true at its last read of the change feed (./license-changes.ts) or
 * later; a lookup is served from memory only while that read is younger than
 * the bound. Past half the bound a lookup starts the next read without
 * waiting for it; at the bound a lookup waits for it, and when the database
 * cannot answer, the lookup fails (ingest answers 503) rather than serve what
 * may have changed. A license unknown to the database is remembered too, in
 * a table of its own with a smaller bound, so ids that name no license cost
 * one query each at most per bound and never push known licenses out.
 */
import type { LicenseEntry } from '../server/key-lookup.js';
import { type Changes, bucketOf } from './license-changes.js';

/** How many licenses and unknown license ids a process keeps in memory, and its clock. */
export interface LicenseCacheOptions {
  /**
   * Licenses held at most (their decrypted keys and records), the least recently used dropped first;
   * default 100,000. `0` keeps nothing: every lookup reads the database.
   */
  readonly entries?: number;
  /** License ids found unknown held at most, the oldest dropped first; default 10,000. */
  readonly unknownEntries?: number;
  /** A license not looked up for this long (to the minute above) is dropped at a read of the change feed; default 15 minutes. */
  readonly idleSeconds?: number;
  /**
   * Milliseconds on a clock that never goes back (default `performance.now()`): the age of what the
   * cache holds is measured on it, so a wall clock set back cannot stretch the bound. Tests pass their own.
   */
  readonly clock?: () => number;
}

export const DEFAULT_CACHE_ENTRIES = 100_000;
export const DEFAULT_UNKNOWN_ENTRIES = 10_000;
export const DEFAULT_IDLE_SECONDS = 15 * 60;
/** How often (ms) a read of the change feed also drops the licenses idle for `idleSeconds`: a scan of every entry. */
const SWEEP_MS = 60_000;

interface Held {
  readonly entry: LicenseEntry | undefined;
  readonly bucket: number;
  /** Sweeps passed since it was last looked up (a small integer: a hit writes no number the heap must box). */
  idle: number;
  /** Looked up since it was last passed over for eviction: it gets a second chance (the clock algorithm, an approximation of least recently used that costs a hit no reordering). */
  hit: boolean;
}

interface Loading {
  readonly started: number;
  readonly promise: Promise<LicenseEntry | undefined>;
  /** Set when a change to the license may have committed after the load's snapshot: its answer is returned, not kept. */
  stale: boolean;
}

interface Reading {
  readonly started: number;
  readonly done: Promise<void>;
}

/** The cache of one license store. */
export interface LicenseCache {
  /** The license as the database had it within the bound; `load` reads it when it is not held. */
  lookup(licenseId: string): Promise<LicenseEntry | undefined>;
  /** Reads the change feed now and drops what changed; throws when the database does not answer. */
  refresh(): Promise<void>;
  /** Drops a license this process changed (after the change committed). */
  drop(licenseId: string): void;
  /** How many licenses and unknown ids are held now. */
  size(): { readonly known: number; readonly unknown: number };
}

/**
 * A cache over `load` (one license from the database) and `read` (the change feed since a snapshot),
 * trusting what it holds for `boundMs` at most. `changed` hears the buckets of every change read, or
 * `all`, so what else the store keeps of those licenses (their data keys) goes too.
 */
export function licenseCache(
  options: LicenseCacheOptions,
  boundMs: number,
  load: (licenseId: string) => Promise<LicenseEntry | undefined>,
  read: (snapshot: string | undefined) => Promise<Changes>,
  changed: (buckets: ReadonlySet<number> | 'all') => void,
): LicenseCache {
  const maxKnown = options.entries ?? DEFAULT_CACHE_ENTRIES;
  const maxUnknown = options.unknownEntries ?? DEFAULT_UNKNOWN_ENTRIES;
  const idleMs = (options.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000;
  const clock = options.clock ?? (() => performance.now());
  // Maps iterate in insertion order: the front is the least recently used (known) or the oldest (unknown).
  const known = new Map<string, Held>();
  const unknown = new Map<string, Held>();
  const loading = new Map<string, Loading>();
  /** The last read of the feed: its snapshot, and the clock when it was sent (everything committed before is in it). */
  let checked: { readonly snapshot: string; readonly at: number } | undefined;
  let reading: Reading | undefined;
  let swept = 0;

  const dropWhere = (test: (bucket: number) => boolean) => {
    for (const map of [known, unknown]) for (const [id, held] of map) if (test(held.bucket)) map.delete(id);
    for (const [id, pending] of loading) if (test(bucketOf(id))) pending.stale = true;
  };

  const startRead = (started: number): Reading => {
    const done = (async () => {
      const changes = await read(checked?.snapshot);
      if (changes.buckets === 'all') dropWhere(() => true);
      else if (changes.buckets.size > 0) {
        const buckets = changes.buckets;
        dropWhere((b) => buckets.has(b));
      }
      if (changes.buckets === 'all' || changes.buckets.size > 0) changed(changes.buckets);
      // Overlapping reads may finish out of order: the newer one stands.
      if (checked === undefined || started > checked.at) checked = { snapshot: changes.snapshot, at: started };
      if (started - swept >= SWEEP_MS) {
        swept = started;
        for (const [id, held] of known) if (++held.idle * SWEEP_MS > idleMs) known.delete(id);
      }
    })();
    const current = { started, done };
    reading = current;
    void done.then(
      () => (reading === current ? (reading = undefined) : undefined),
      () => (reading === current ? (reading = undefined) : undefined),
    );
    return current;
  };

  /** Waits for a read of the feed sent after `now - boundMs`: one in flight, or a new one. */
  const fresh = (now: number): Promise<void> => (reading !== undefined && reading.started > now - boundMs ? reading : startRead(now)).done;

  const keep = (licenseId: string, entry: LicenseEntry | undefined) => {
    const map = entry === undefined ? unknown : known;
    const max = entry === undefined ? maxUnknown : maxKnown;
    map.delete(licenseId);
    if (max <= 0) return;
    // The oldest entry goes, unless it was looked up since it was last passed over: then it goes to the back, once.
    while (map.size >= max) {
      const [oldest, held] = map.entries().next().value!;
      map.delete(oldest);
      if (!held.hit) break;
      held.hit = false;
      map.set(oldest, held);
    }
    map.set(licenseId, { entry, bucket: bucketOf(licenseId), idle: 0, hit: false });
  };

  const loadOnce = (licenseId: string, now: number): Promise<LicenseEntry | undefined> => {
    const pending = loading.get(licenseId);
    // A load sent within the bound answers for this lookup too (a herd of one license costs one query).
    if (pending !== undefined && pending.started > now - boundMs) return pending.promise;
    const slot: { started: number; promise: Promise<LicenseEntry | undefined>; stale: boolean } = { started: now, promise: undefined!, stale: false };
    slot.promise = (async () => {
      try {
        const entry = freeze(await load(licenseId));
        if (!slot.stale && maxKnown > 0) keep(licenseId, entry);
        return entry;
      } finally {
        if (loading.get(licenseId) === slot) loading.delete(licenseId);
      }
    })();
    loading.set(licenseId, slot);
    return slot.promise;
  };

  return {
    async lookup(licenseId) {
      const now = clock();
      // Written so that a clock gone wrong (NaN) reads the feed rather than trusts memory.
      if (checked === undefined || !(now - checked.at < boundMs)) await fresh(now);
      else if (!(now - checked.at < boundMs / 2) && reading === undefined) {
        // Read ahead while what is held is still trusted; a failure here is met by the lookup that must wait.
        startRead(now).done.catch(() => {});
      }
      const held = known.get(licenseId) ?? unknown.get(licenseId);
      if (held === undefined) return loadOnce(licenseId, now);
      held.idle = 0;
      held.hit = true;
      return held.entry;
    },

    refresh: () => startRead(clock()).done,

    drop(licenseId) {
      known.delete(licenseId);
      unknown.delete(licenseId);
      const pending = loading.get(licenseId);
      if (pending !== undefined) pending.stale = true;
    },

    size: () => ({ known: known.size, unknown: unknown.size }),
  };
}

/** An entry as the cache shares it between requests: frozen, so no caller can change what the next one sees. */
function freeze(entry: LicenseEntry | undefined): LicenseEntry | undefined {
  if (entry === undefined) return undefined;
  for (const key of entry.keys) Object.freeze(key);
  Object.freeze(entry.keys);
  if (entry.license !== undefined) {
    Object.freeze(entry.license.features);
    Object.freeze(entry.license);
  }
  return Object.freeze(entry);
}
