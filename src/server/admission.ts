/**
 * Admission control for an ingest service: at most `maxInFlight` requests are
 * worked on at once, and past that a request is answered `503` at once, with a
 * `Retry-After` sized to the backlog, instead of waiting inside the process
 * until its client times out and its retry piles on. What a server holds is
 * then bounded whatever the arrival rate: the requests in flight (each body at
 * most `maxBytes`), and for a refused one its headers while the 503 is
 * written; its body is never read into memory.
 *
 * `Retry-After` sends a refused client back when the service has room for
 * it. The service takes about `rate` requests a second: `maxInFlight` per
 * mean time of a request (measured over the admitted ones, start to release),
 * or what it released in the last whole second if that is more (the mean
 * remembers a slow start for many requests, the last second forgets it). The
 * server counts, for each second to come, the refused clients it told to come
 * back in it, and tells a new refusal the first second from now that has
 * fewer than its share of `rate`: consecutive refusals fill the seconds in
 * order, so the refused come back as an even stream of about what the service
 * takes, never all in one second. A second's count is dropped once it has
 * begun: its clients came back (a client refused again takes one new place,
 * so however often it is refused it is counted once) or will not. Every
 * second is booked at the pace of now, so a slow start does not keep the
 * clients refused after it waiting. `Retry-After` is whole seconds, at least
 * 1, at most `maxRetryAfterSeconds`; when every second of that window is full,
 * the refusal goes to the least booked one (the earliest of them), so a herd
 * larger than the window serves is spread over it, not all at the longest
 * wait. The uploader (`sendTelemetry`) waits exactly as long as it is told.
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
  /** Refused clients told to come back in a second still to come. */
  readonly waiting: number;
  /** The time the service needs for those at its present pace, in milliseconds. */
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
  // How many refused clients were told to come back in each second (by its number since the epoch), for the
  // seconds still to come; a second's count is dropped once it has begun (its clients came back, or will not).
  const told = new Map<number, number>();
  let waiting = 0;
  let forgotten = 0;
  const forget = (second: number): void => {
    for (; forgotten <= second && waiting > 0; forgotten++) {
      waiting -= told.get(forgotten) ?? 0;
      told.delete(forgotten);
    }
    if (waiting === 0) forgotten = second + 1;
  };

  // Requests released in the second `completedIn` (by its number since the epoch), and in the second before it.
  let completedIn = 0;
  let completedNow = 0;
  let completedBefore = 0;
  const count = (at: number): void => {
    const second = Math.floor(at / 1000);
    if (second !== completedIn) {
      completedBefore = second === completedIn + 1 ? completedNow : 0;
      completedNow = 0;
      completedIn = second;
    }
  };
  // The service's pace: the more of what it did in the last whole second and what the mean time of a request says
  // it does with every place taken. The mean remembers a slow start for many requests; the last second forgets it.
  const perRequestMs = (at: number): number => {
    count(at);
    const perRequest = meanServiceMs / maxInFlight;
    return completedBefore > 0 ? Math.min(perRequest, 1000 / completedBefore) : perRequest;
  };

  const refusal = (): AdmissionRefusal => {
    const at = now();
    const perRequest = perRequestMs(at);
    // The first second from now whose returns booked so far are fewer than the service takes in it (its share of
    // `rate` a second, so a rate under one a second books one every few seconds); past the window, the least booked.
    const second = Math.floor(at / 1000);
    forget(second);
    const rate = perRequest > 0 ? 1000 / perRequest : Infinity;
    let retryAfterSeconds = 0;
    let fewest = 1;
    for (let k = 1; k <= maxRetryAfterSeconds; k++) {
      const booked = told.get(second + k) ?? 0;
      const share = rate === Infinity ? Infinity : Math.floor(rate * k) - Math.floor(rate * (k - 1));
      if (booked < share) {
        retryAfterSeconds = k;
        break;
      }
      if (booked < (told.get(second + fewest) ?? 0)) fewest = k;
    }
    if (retryAfterSeconds === 0) retryAfterSeconds = fewest;
    refused++;
    told.set(second + retryAfterSeconds, (told.get(second + retryAfterSeconds) ?? 0) + 1);
    waiting++;
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
          const ended = now();
          count(ended);
          completedNow++;
          const took = Math.max(0, ended - started);
          meanServiceMs = meanServiceMs === 0 ? took : meanServiceMs + SMOOTHING * (took - meanServiceMs);
        },
      };
    },
    stats: () => {
      const at = now();
      forget(Math.floor(at / 1000));
      const inLine = waiting;
      return { maxInFlight, inFlight, peakInFlight, admitted, refused, meanServiceMs, waiting: inLine, backlogMs: inLine * perRequestMs(at) };
    },
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
