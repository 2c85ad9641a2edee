/**
 * Sending a signed request until the server has it: the same body bytes and
 * message id on every attempt, a fresh timestamp and signature each time,
 * backoff between attempts, and one record per attempt for the caller's
 * transmission log. Uses only `fetch`, so it runs outside Node too.
 */
import { type Deprecation, readDeprecation } from '../contract/lifecycle.js';
import { checkVersionAccepted, parseAcceptedVersions, ACCEPTED_VERSIONS_HEADER } from '../contract/negotiation.js';
import { SCHEMA_PATH } from '../wire/paths.js';
import { runtimeHeaders } from '../wire/contract-headers.js';
import type { ProjectionReport } from '../contract/projection.js';
import { type AddressOptions, checkIngestAddress } from './address.js';
import { newestBuildable } from './payload.js';
import type { TelemetryRequest } from './request.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The `fetch` signature this module needs; the global one fits. */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array; redirect: 'manual'; signal: AbortSignal }) => Promise<Response>;

/** Statuses that say "try again later"; every other non-2xx answer is final. */
export const RETRYABLE_STATUSES: readonly number[] = [408, 425, 429, 500, 502, 503, 504];
export const DEFAULT_RETRIES = 5;
/** Longest wait between attempts, including a server's Retry-After. */
export const MAX_DELAY_MS = 5 * 60 * 1000;
const MAX_ERROR_BODY = 16 * 1024;

export interface SendOptions extends AddressOptions {
  /** The ingest server's origin, e.g. `https://telemetry.example.com`; the request's path is appended. Only `https:` (see `allowHttpLoopback`). */
  readonly baseUrl: string;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Retries after the first attempt; default {@link DEFAULT_RETRIES}. */
  readonly retries?: number;
  /** Milliseconds to wait before retry `n` (1-based); default exponential from 1 s, doubling, capped at 60 s, with jitter. A Retry-After answer overrides it. */
  readonly delays?: (retry: number) => number;
  /** How to wait; default a timer. Tests pass one that resolves at once. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The uploader's clock in milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /**
   * Versions the server accepts (from `discoverAcceptedVersions` or configuration). A request of another
   * version is projected onto the newest of them before anything is sent, or refused.
   */
  readonly acceptedVersions?: readonly number[];
  /**
   * Whether a report the server does not accept in its version (by `acceptedVersions`, or a
   * `422 unsupported-version` answer) is sent in the server's newest version instead, by projection:
   * fields that version lacks are dropped, and where the contract does not allow it nothing is sent.
   * Default true.
   */
  readonly fallback?: boolean;
  /** Per-attempt time limit; default 30 s. */
  readonly timeoutMs?: number;
}

/** One attempt, as a transmission log keeps it. Holds no secret and no body. */
export interface SendAttempt {
  /** 1-based. */
  readonly attempt: number;
  /** When the attempt started, ISO 8601 from the uploader's clock. */
  readonly at: string;
  /** The `webhook-timestamp` it was signed with (clock correction included). */
  readonly timestamp: number;
  /** The HTTP status, absent when no answer came (network error, timeout). */
  readonly status?: number;
  /** The server's error rule, or `network-error` / `timeout`. */
  readonly rule?: string;
  /** The server's error message or the network failure, one line. */
  readonly error?: string;
  /** Milliseconds waited before the next attempt, when there was one. */
  readonly delayMs?: number;
  /** The schema version of the body this attempt sent. */
  readonly schemaVersion: number;
  /** The server said the version is deprecated (`Deprecation`, `Sunset`): time to upgrade. */
  readonly deprecation?: Deprecation;
  /** After this attempt the report was projected onto another version (the server does not accept this one). */
  readonly projectedTo?: number;
}

interface SendOutcome {
  readonly attempts: readonly SendAttempt[];
  readonly acceptedVersions?: readonly number[];
  /** The schema version of the last body sent (or, when nothing was sent, of the request). */
  readonly schemaVersion: number;
  /** Set when the report went out in another version than it was built in. */
  readonly projection?: ProjectionReport;
  /** Set when the server announced the deprecation of the version sent. */
  readonly deprecation?: Deprecation & { readonly version: number };
}

export type SendResult = (SendOutcome & { readonly ok: true; readonly status: number }) | (SendOutcome & { readonly ok: false; readonly status?: number; readonly error: WireError });

function defaultDelay(retry: number): number {
  const ceiling = Math.min(60_000, 1000 * 2 ** (retry - 1));
  // Jitter keeps a fleet of deployments that failed together from retrying together.
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A time limit for one exchange with the server: `signal` aborts after
 * `timeoutMs`, `timedOut()` says whether that is why the exchange ended, and
 * `clear()` stops the timer once it is over.
 */
export function deadline(timeoutMs: number): { readonly signal: AbortSignal; timedOut(): boolean; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  return { signal: controller.signal, timedOut: () => controller.signal.aborted, clear: () => clearTimeout(timer) };
}

/** Retry-After as milliseconds (delta seconds or an HTTP date), or undefined. */
function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d{1,9}\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export async function readLimited(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, MAX_ERROR_BODY));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes);
}

/** The longest server message an uploader keeps: what it logs and shows is bounded, however long the answer. */
export const MAX_SERVER_MESSAGE = 500;
const RULE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The server's `{error: {rule, message, clockSkewSeconds, supportedVersions, storedDigest}}`, when the answer has one:
 * a rule only when it looks like one (lowercase words and hyphens, at most 64 characters), and at most
 * 500 characters of the message on one line, without control characters.
 */
export function serverError(text: string): { rule?: string; message?: string; clockSkewSeconds?: number; toleranceSeconds?: number; supportedVersions?: number[]; storedDigest?: string } {
  try {
    const error = (JSON.parse(text) as { error?: Record<string, unknown> }).error;
    if (typeof error !== 'object' || error === null) return {};
    const message = typeof error['message'] === 'string' ? error['message'].replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim() : undefined;
    return {
      ...(typeof error['rule'] === 'string' && RULE.test(error['rule']) ? { rule: error['rule'] } : {}),
      ...(message !== undefined && message !== '' ? { message: [...message].length > MAX_SERVER_MESSAGE ? `${[...message].slice(0, MAX_SERVER_MESSAGE - 1).join('')}…` : message } : {}),
      ...(typeof error['clockSkewSeconds'] === 'number' ? { clockSkewSeconds: error['clockSkewSeconds'] } : {}),
      ...(Number.isSafeInteger(error['toleranceSeconds']) ? { toleranceSeconds: error['toleranceSeconds'] as number } : {}),
      ...(typeof error['storedDigest'] === 'string' && /^[0-9a-f]{64}$/.test(error['storedDigest']) ? { storedDigest: error['storedDigest'] } : {}),
      ...(Array.isArray(error['supportedVersions']) && error['supportedVersions'].length <= 64 && error['supportedVersions'].every((v) => Number.isSafeInteger(v) && v > 0)
        ? { supportedVersions: error['supportedVersions'] as number[] }
        : {}),
    };
  } catch {
    return {};
  }
}

function networkFailure(error: unknown, timedOut: boolean): { rule: string; error: string } {
  if (timedOut) return { rule: 'timeout', error: 'no answer within the time limit (timeout)' };
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as Error)?.name ?? 'Error';
  return { rule: 'network-error', error: `the request failed before an answer: ${code} (network-error)` };
}

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Sends a request until the server answers 2xx or a status that retrying
 * cannot fix. Each attempt re-signs the identical body with a new timestamp
 * under the same message id; the server stores a window once, so replays are
 * safe. A 401 for a timestamp outside the server's tolerance corrects the
 * clock once from the server's `Date` header and retries at once. When the
 * server does not accept the request's version (`acceptedVersions`, or a
 * `422 unsupported-version` answer), the report goes out once more in the
 * server's newest version by projection, if the contract allows it
 * (`result.projection` says what was dropped). Never throws for network or
 * HTTP failures; returns every attempt.
 *
 * @example
 * const result = await sendTelemetry(built.request, { baseUrl, retries: 5 });
 * log.push(...result.attempts);
 * if (result.deprecation) warn(`v${result.deprecation.version} is deprecated; sunset ${result.deprecation.sunset}`);
 */
export async function sendTelemetry(request: TelemetryRequest, options: SendOptions): Promise<SendResult> {
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > 100) throw new RangeError(`retries: must be an integer from 0 to 100, got ${String(retries)}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const delays = options.delays ?? defaultDelay;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fallback = options.fallback ?? true;
  const attempts: SendAttempt[] = [];
  let current = request;
  let acceptedVersions: number[] | undefined;
  let deprecation: SendOutcome['deprecation'];
  const outcome = (): SendOutcome => ({
    attempts,
    schemaVersion: current.schemaVersion,
    ...(acceptedVersions ? { acceptedVersions } : {}),
    ...(current.projection ? { projection: current.projection } : {}),
    ...(deprecation ? { deprecation } : {}),
  });
  /** The request in the newest of `versions` this package can build, or the error that says why not. */
  const switchTo = async (versions: readonly number[]): Promise<WireError | undefined> => {
    const target = newestBuildable(versions);
    if (!fallback || target === undefined || target === current.schemaVersion) return checkVersionAccepted(current.schemaVersion, versions);
    const projected = await current.project(target);
    if (!projected.ok) return projected.error;
    current = projected.request;
    return undefined;
  };

  // Nothing leaves the process for an address that is not https: (or, asked for by name, loopback http:).
  const address = checkIngestAddress(options.baseUrl, options);
  if (address !== undefined) return { ok: false, error: address, ...outcome() };

  if (options.acceptedVersions !== undefined && !options.acceptedVersions.includes(current.schemaVersion)) {
    const refused = await switchTo(options.acceptedVersions);
    if (refused !== undefined) return { ok: false, error: refused, ...outcome() };
  }

  const url = joinUrl(options.baseUrl, current.path);
  let clockOffsetMs = 0;
  let clockCorrected = false;
  let switched = current !== request;
  let last: { status?: number; rule?: string; message: string; storedDigest?: string } = { message: 'no attempt was made' };
  // A switch to another version is one attempt more, not one retry less.
  let maxAttempts = retries + 1;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const started = now();
    const timestamp = Math.floor((started + clockOffsetMs) / 1000);
    const sent = current;
    const headers = await sent.sign(timestamp);
    const limit = deadline(timeoutMs);
    const record: { -readonly [K in keyof SendAttempt]: SendAttempt[K] } = { attempt, at: new Date(started).toISOString(), timestamp, schemaVersion: sent.schemaVersion };
    attempts.push(record);
    let retryable: boolean;
    let serverDelay: number | undefined;
    try {
      const response = await fetchFn(url, { method: sent.method, headers, body: sent.body, redirect: 'manual', signal: limit.signal });
      record.status = response.status;
      acceptedVersions = parseAcceptedVersions(response.headers.get(ACCEPTED_VERSIONS_HEADER)) ?? acceptedVersions;
      const announced = readDeprecation(response.headers);
      if (announced !== undefined) {
        record.deprecation = announced;
        deprecation = { version: sent.schemaVersion, ...announced };
      }
      const text = await readLimited(response);
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, status: response.status, ...outcome() };
      }
      const error = serverError(text);
      record.rule = error.rule ?? `http-${response.status}`;
      record.error = error.message ?? `the server answered ${response.status}`;
      last = { status: response.status, rule: record.rule, message: record.error, ...(error.storedDigest !== undefined ? { storedDigest: error.storedDigest } : {}) };
      retryable = RETRYABLE_STATUSES.includes(response.status);
      serverDelay = retryAfterMs(response.headers.get('retry-after'), now());
      if (response.status === 422 && error.rule === 'unsupported-version' && !switched) {
        const versions = error.supportedVersions ?? acceptedVersions;
        if (versions !== undefined && fallback) {
          switched = true;
          const refused = await switchTo(versions);
          if (refused !== undefined) return { ok: false, status: response.status, error: refused, ...outcome() };
          record.projectedTo = current.schemaVersion;
          record.delayMs = 0;
          maxAttempts++;
          continue;
        }
      }
      if (response.status === 401 && (error.rule === 'timestamp-too-old' || error.rule === 'timestamp-too-new') && !clockCorrected) {
        // The server's clock decides; its Date header (1 s resolution) is well inside the tolerance.
        const serverDate = Date.parse(response.headers.get('date') ?? '');
        const offset = !Number.isNaN(serverDate) ? serverDate - now() : error.clockSkewSeconds !== undefined ? -error.clockSkewSeconds * 1000 : undefined;
        if (offset !== undefined && attempt < maxAttempts) {
          clockOffsetMs = offset;
          clockCorrected = true;
          record.delayMs = 0;
          continue;
        }
      }
    } catch (error) {
      const failure = networkFailure(error, limit.timedOut());
      record.rule = failure.rule;
      record.error = failure.error;
      last = { rule: failure.rule, message: failure.error };
      retryable = true;
    } finally {
      limit.clear();
    }
    if (!retryable) {
      return {
        ok: false,
        ...(last.status !== undefined ? { status: last.status } : {}),
        error: { rule: last.rule ?? 'http-error', message: last.message, ...(last.storedDigest !== undefined ? { storedDigest: last.storedDigest } : {}) },
        ...outcome(),
      };
    }
    if (attempt < maxAttempts) {
      const delay = Math.min(MAX_DELAY_MS, Math.max(0, serverDelay ?? delays(attempt)));
      record.delayMs = delay;
      await sleep(delay);
    }
  }
  return {
    ok: false,
    ...(last.status !== undefined ? { status: last.status } : {}),
    error: wireError('send', `gave up after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}; the last failed with ${last.rule ?? 'an error'}; the window is kept and sent again next time`, 'retries-exhausted'),
    ...outcome(),
  };
}

/**
 * Asks a server which schema versions it accepts (`HEAD` of the schema
 * endpoint, its `x-telemetry-accepted-versions` header).
 *
 * @example
 * const found = await discoverAcceptedVersions({ baseUrl });
 * if (found.ok) built = await createTelemetryRequest(counts, { ...options, acceptedVersions: found.versions });
 */
export async function discoverAcceptedVersions(options: { readonly baseUrl: string; readonly fetch?: FetchLike; readonly timeoutMs?: number } & AddressOptions): Promise<
  { readonly ok: true; readonly versions: readonly number[] } | { readonly ok: false; readonly error: WireError }
> {
  const address = checkIngestAddress(options.baseUrl, options);
  if (address !== undefined) return { ok: false, error: address };
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const limit = deadline(options.timeoutMs ?? 30_000);
  try {
    // The contract's own request headers, so the runtime adds none of its defaults.
    const response = await fetchFn(joinUrl(options.baseUrl, SCHEMA_PATH), { method: 'HEAD', headers: { ...runtimeHeaders() }, redirect: 'manual', signal: limit.signal });
    const versions = parseAcceptedVersions(response.headers.get(ACCEPTED_VERSIONS_HEADER));
    if (versions === undefined) {
      return { ok: false, error: wireError(ACCEPTED_VERSIONS_HEADER, `is missing or malformed in the answer (status ${response.status})`, 'no-accepted-versions') };
    }
    return { ok: true, versions };
  } catch (error) {
    return { ok: false, error: { rule: 'network-error', message: networkFailure(error, limit.timedOut()).error } };
  } finally {
    limit.clear();
  }
}
