/**
 * Admission control for an ingest service: at most `maxInFlight` requests are
 * worked on at once, and past that a request is answered `503` at once, with a
 * `Retry-After` sized to the backlog, instead of waiting inside the process
 * until its client times out and its retry piles on. What a server holds is
 * then bounded whatever the arrival rate: the requests in flight (each body at
 * most `maxBytes`), and for a refused one its headers while the 503 is
 * written; its body is never read into memory.
 *
 * `Retry-After` spreads the refused clients over the time the service needs
 * for them: each refusal books the mean time per request (measured over the
 * admitted ones, start to release) divided by `maxInFlight`, after the ones
 * booked before it, and is told to come back when its turn comes, rounded up
 * to whole seconds: at least 1, at most `maxRetryAfterSeconds`. Once the
 * whole of that window is booked, further refusals are sent back over it
 * again, each a per-request time after the one before (wrapping around), so a
 * herd larger than the window serves returns as an even stream rather than
 * all at the longest wait. The uploader (`sendTelemetry`) waits exactly as
 * long as it is told.
 *
 * `createAdmission` is the counting; `admitRequest` applies it to a node:http
 * style request and response. Neither imports node:http, so the server entry
 * stays runtime-neutral.
 */
import { wireError } from '../contract/wire-errors.js';

/** Requests worked on at once by default; the example server reads TELEMETRY_MAX_IN_FLIGHT. */
export const DEFAULT_MAX_IN_FLIGHT = 128;
/** The longest wait a refusal asks for by default; the uploader waits at most five minutes anyway. */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 120;
/** How many bytes of a refused request's body are read and dropped before its connection is closed, by default. */
export const DEFAULT_MAX_DISCARD_BYTES = 1024 * 1024;

/** Weight of each new request's time in the running mean: about the last 20 requests count. */
const SMOOTHING = 0.05;

export interface AdmissionOptions {
  /** Requests worked on at once; default {@link DEFAULT_MAX_IN_FLIGHT}. */
  readonly maxInFlight?: number;
  /** The longest `Retry-After`, in seconds; default {@link DEFAULT_MAX_RETRY_AFTER_SECONDS}. */
  readonly maxRetryAfterSeconds?: number;
  /** Clock in milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** A place for one request: release it once its answer is sent (more calls change nothing). */
export interface AdmissionTicket {
  readonly admitted: true;
  release(): void;
}

/** The answer to a refused request: send it as it is. */
export interface AdmissionRefusal {
  readonly admitted: false;
  readonly status: 503;
  readonly retryAfterSeconds: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `{"error":{"rule":"overloaded","message":…}}`. */
  readonly body: string;
}

export interface AdmissionStats {
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** The most requests in flight at once so far. */
  readonly peakInFlight: number;
  readonly admitted: number;
  readonly refused: number;
  /** The running mean of an admitted request's time, start to release, in milliseconds (0 before the first). */
  readonly meanServiceMs: number;
  /** How far ahead the refusals so far have booked the service, in milliseconds from now. */
  readonly backlogMs: number;
}

/** Admission control; one per service (or per route), shared by every request it guards. */
export interface Admission {
  readonly maxInFlight: number;
  /** Takes a place for a request, or returns the 503 to answer it with. */
  enter(): AdmissionTicket | AdmissionRefusal;
  stats(): AdmissionStats;
}

function positiveInteger(name: string, value: unknown, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw new TypeError(`${name}: must be an integer from 1 to ${max}, got ${typeof value === 'number' ? String(value) : `a ${value === null ? 'null' : typeof value}`} (admission-config)`);
  }
  return value as number;
}

/**
 * Admission control counting requests in flight.
 *
 * @example
 * const admission = createAdmission({ maxInFlight: 64 });
 * const place = admission.enter();
 * if (!place.admitted) return res.writeHead(place.status, place.headers).end(place.body);
 * try { await handle(req, res); } finally { place.release(); }
 */
export function createAdmission(options: AdmissionOptions = {}): Admission {
  const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 1_000_000);
  const maxRetryAfterSeconds = positiveInteger('maxRetryAfterSeconds', options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS, 86_400);
  const now = options.now ?? Date.now;
  let inFlight = 0;
  let peakInFlight = 0;
  let admitted = 0;
  let refused = 0;
  let meanServiceMs = 0;
  // The moment up to which the clients refused so far have been given the service's time.
  let bookedUntil = 0;

  // Where the last refusal past a fully booked window was sent back to, in milliseconds into the window.
  let overflowAt = 0;

  const refusal = (): AdmissionRefusal => {
    const at = now();
    const perRequest = meanServiceMs / maxInFlight;
    const windowMs = maxRetryAfterSeconds * 1000;
    const ahead = Math.max(bookedUntil, at) - at + perRequest;
    let waitMs: number;
    if (ahead <= windowMs) {
      bookedUntil = at + ahead;
      waitMs = ahead;
    } else {
      // The whole window is booked: the rest are sent back over it again, one per-request time apart, so that a
      // herd larger than the window serves comes back as an even stream, not all at once at the longest wait.
      bookedUntil = at + windowMs;
      overflowAt = (overflowAt + perRequest) % windowMs;
      waitMs = overflowAt === 0 ? windowMs : overflowAt;
    }
    const retryAfterSeconds = Math.min(maxRetryAfterSeconds, Math.max(1, Math.ceil(waitMs / 1000)));
    refused++;
    const error = wireError('server', `${inFlight} requests are in flight, the most this server takes at once; send again in ${retryAfterSeconds} s, as Retry-After says`, 'overloaded');
    return {
      admitted: false,
      status: 503,
      retryAfterSeconds,
      headers: { 'retry-after': String(retryAfterSeconds), 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ error }),
    };
  };

  return {
    maxInFlight,
    enter() {
      if (inFlight >= maxInFlight) return refusal();
      inFlight++;
      admitted++;
      if (inFlight > peakInFlight) peakInFlight = inFlight;
      const started = now();
      let released = false;
      return {
        admitted: true,
        release() {
          if (released) return;
          released = true;
          inFlight--;
          const took = Math.max(0, now() - started);
          meanServiceMs = meanServiceMs === 0 ? took : meanServiceMs + SMOOTHING * (took - meanServiceMs);
        },
      };
    },
    stats: () => ({ maxInFlight, inFlight, peakInFlight, admitted, refused, meanServiceMs, backlogMs: Math.max(0, bookedUntil - now()) }),
  };
}

/** What `admitRequest` needs of a request: node:http's IncomingMessage fits. */
export interface AdmittedRequestLike {
  resume(): unknown;
  on(event: 'data', listener: (chunk: { readonly length: number }) => void): unknown;
  destroy(): unknown;
}

/** What `admitRequest` needs of a response: node:http's ServerResponse fits. */
export interface AdmittedResponseLike {
  writeHead(status: number, headers: Readonly<Record<string, string>>): { end(body: string): unknown };
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Admission for a node:http style request. Admitted: returns true, and the
 * place is released when the response closes (sent, or the connection lost),
 * so a handler cannot forget it. Refused: answers the 503 at once, before the
 * body arrives, reads the body only to drop it (a connection that sends more
 * than `maxDiscardBytes` of it is closed), and returns false.
 *
 * @example
 * const admission = createAdmission({ maxInFlight: 64 });
 * createServer((req, res) => { if (admitRequest(admission, req, res)) void handle(req, res); });
 */
export function admitRequest(admission: Admission, req: AdmittedRequestLike, res: AdmittedResponseLike, options: { readonly maxDiscardBytes?: number } = {}): boolean {
  const place = admission.enter();
  if (place.admitted) {
    res.once('close', () => place.release());
    return true;
  }
  const limit = options.maxDiscardBytes ?? DEFAULT_MAX_DISCARD_BYTES;
  let dropped = 0;
  req.on('data', (chunk) => {
    dropped += chunk.length;
    if (dropped > limit) req.destroy();
  });
  req.resume();
  res.writeHead(place.status, place.headers).end(place.body);
  return false;
}
