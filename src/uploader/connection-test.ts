/**
 * "Is the connection right?": one signed probe to the ingest endpoint, and
 * what its answer means. Each way it can go wrong gets its own diagnosis and
 * message (the address tried, the server's rule, the clock skew from the
 * server's Date header, the accepted versions and whether a fallback by
 * projection would work, the sunset of a deprecated version); none of them
 * holds a secret or a signature. Uses only `fetch`, so it runs outside Node.
 */
import { currentVersion, projections } from '../../generated/index.js';
import { type FieldPath, dottedPath } from '../contract/errors.js';
import { type Deprecation, readDeprecation } from '../contract/lifecycle.js';
import { ACCEPTED_VERSIONS_HEADER, formatAcceptedVersions, parseAcceptedVersions } from '../contract/negotiation.js';
import { type ProbeOptions, type ProbeRequestResult, createProbeRequest } from './probe-request.js';
import { newestBuildable } from './payload.js';
import { type FetchLike, deadline, joinUrl, readLimited, serverError } from './send.js';
import { type AddressOptions, checkIngestAddress } from './address.js';

/** What a connection test found; `connected` and `deprecated` mean the connection works. */
export const CONNECTION_DIAGNOSES = [
  'connected',
  'deprecated',
  'unreachable',
  'signature-refused',
  'clock-skew',
  'version-not-accepted',
  'encryption-required',
  'encryption-key-mismatch',
  'unexpected-answer',
  'not-configured',
] as const;
export type ConnectionDiagnosis = (typeof CONNECTION_DIAGNOSES)[number];

/** Whether the server would take the installation's reports in another version it accepts, by projection. */
export interface VersionFallback {
  /** The version the reports would go out in: the newest accepted one this package can build. */
  readonly to?: number;
  readonly possible: boolean;
  /** The fields a projection leaves out (dotted paths), when possible. */
  readonly dropped?: readonly string[];
  /** Why not, when not possible. */
  readonly reason?: string;
}

/** The outcome of `testConnection`. Holds no secret, no signature and no body. */
export interface ConnectionTestResult {
  /** True when the server verified the probe (`connected`, or `deprecated`: works, but an upgrade is due). */
  readonly ok: boolean;
  readonly diagnosis: ConnectionDiagnosis;
  /** One line, `<address>: <what> (<diagnosis>)` and what to do. */
  readonly message: string;
  /** The address tried. */
  readonly url: string;
  /** When the probe was sent, ISO 8601 from this machine's clock. */
  readonly at: string;
  /** The version this installation sends, which the probe asked about. */
  readonly schemaVersion: number;
  /** Whether the probe went encrypted. */
  readonly encrypted: boolean;
  readonly status?: number;
  /** The server's error rule, or the network error's code. */
  readonly rule?: string;
  /** Milliseconds from sending to the end of the answer. */
  readonly roundTripMs?: number;
  /** Seconds this machine's clock is ahead (+) or behind (−) the server's, from its `Date` header (1 s resolution). */
  readonly clockSkewSeconds?: number;
  /** The server's tolerance for the signing time, when it said. */
  readonly toleranceSeconds?: number;
  readonly acceptedVersions?: readonly number[];
  /** On `version-not-accepted`: whether a fallback by projection would work. */
  readonly fallback?: VersionFallback;
  /** On `deprecated`: the version, when it was deprecated and its sunset. */
  readonly deprecation?: Deprecation & { readonly version: number };
  /** The encryption key id (`kid`) the probe used, when encrypted: public, to compare with the server's. */
  readonly encryptionKeyId?: string;
}

export interface ConnectionTestOptions extends ProbeOptions, AddressOptions {
  /** The ingest server's origin, e.g. `https://telemetry.vendor.example`. Only `https:` (see `allowHttpLoopback`). */
  readonly baseUrl: string;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** How long to wait for the answer; default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TEST_TIMEOUT_MS = 10_000;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|HOSTNAME_MISMATCH)/;

/** The network error's code and the address it names, from fetch's error and its cause (an AggregateError for several addresses). */
function networkCause(error: unknown): { code: string; address?: string; detail?: string } {
  let cause = (error as { cause?: unknown })?.cause ?? error;
  const many = (cause as { errors?: unknown[] })?.errors;
  if (Array.isArray(many) && many.length > 0) cause = many[0];
  const c = cause as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; name?: unknown; message?: unknown };
  const code = typeof c?.code === 'string' ? c.code : typeof c?.name === 'string' ? c.name : 'Error';
  const address = typeof c?.address === 'string' ? `${c.address}${typeof c.port === 'number' ? `:${c.port}` : ''}` : typeof c?.hostname === 'string' ? c.hostname : undefined;
  // Without a code, the runtime's own words (fetch's "bad port", say) are all there is: one line, bounded.
  const detail = typeof c?.code !== 'string' && typeof c?.message === 'string' && c.message !== '' ? c.message.split('\n')[0]!.slice(0, 120) : undefined;
  return { code: code.slice(0, 64), ...(address !== undefined ? { address: address.slice(0, 300) } : {}), ...(detail !== undefined ? { detail } : {}) };
}

/** Words for a network failure. */
function unreachableWords({ code, address, detail }: { code: string; address?: string; detail?: string }, host: string, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutMs / 1000} s (timeout)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return `the name ${host} does not resolve (DNS: ${code})`;
  if (code === 'ECONNREFUSED') return `the connection to ${address ?? host} was refused (${code}): nothing listens there`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `the connection to ${address ?? host} was closed before an answer (${code}): a proxy or firewall may be in the way`;
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `the connection to ${address ?? host} timed out (${code}): a firewall may drop it`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `there is no route to ${address ?? host} (${code})`;
  if (TLS_CODES.test(code)) return `the TLS handshake with ${address ?? host} failed (${code}): check that the address uses the right scheme and port, and that this machine trusts the server's certificate`;
  return `the request failed before an answer (${code}${detail !== undefined ? `: ${detail}` : ''})`;
}

/** Whether reports of `from` could go out as the newest of `accepted` this package builds, and what it would drop. */
export function versionFallback(from: number, accepted: readonly number[]): VersionFallback {
  const to = newestBuildable(accepted);
  if (to === undefined) return { possible: false, reason: `this package knows none of the versions the server accepts (${formatAcceptedVersions(accepted)}); update telemetry-contract` };
  const plan = (projections as Readonly<Record<string, { drop: readonly FieldPath[] } | { refused: ReadonlyArray<{ path: string; what: string }> }>>)[`${from}>${to}`];
  if (plan === undefined) return { to, possible: false, reason: `there is no projection from v${from} to v${to}` };
  if ('refused' in plan) return { to, possible: false, reason: plan.refused.map((r) => `${r.path}: ${r.what}`).join('; ') };
  return { to, possible: true, dropped: plan.drop.map(dottedPath) };
}

/** `2027-06-01` from an ISO time, for messages. */
const day = (iso: string | undefined) => (iso === undefined ? 'an unannounced day' : iso.slice(0, 10));

/**
 * Sends a built probe once and diagnoses the answer. For callers that built
 * the probe themselves (the outbox's command knows the customer header only as
 * sent); `testConnection` builds it from options.
 */
export async function runConnectionTest(
  built: ProbeRequestResult,
  options: { readonly baseUrl: string; readonly fetch?: FetchLike; readonly timeoutMs?: number; readonly now?: () => number; readonly schemaVersion?: number; readonly encrypted?: boolean } & AddressOptions,
): Promise<ConnectionTestResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const at = new Date(started).toISOString();
  let url: string;
  let host: string;
  try {
    const parsed = new URL(options.baseUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
    url = joinUrl(options.baseUrl, built.ok ? built.request.path : '/api/v1/telemetry');
    host = parsed.host;
  } catch {
    const shown = typeof options.baseUrl === 'string' && options.baseUrl.length <= 200 ? options.baseUrl : 'the address';
    return { ok: false, diagnosis: 'not-configured', message: `${shown}: is not an http(s) address such as https://telemetry.vendor.example (not-configured)`, url: String(shown), at, schemaVersion: options.schemaVersion ?? currentVersion, encrypted: options.encrypted ?? false };
  }
  const address = checkIngestAddress(options.baseUrl, options);
  if (address !== undefined) {
    return { ok: false, diagnosis: 'not-configured', message: `${url}: no probe was sent: ${address.message}`, url, at, schemaVersion: options.schemaVersion ?? currentVersion, encrypted: options.encrypted ?? false, rule: address.rule };
  }
  if (!built.ok) {
    return { ok: false, diagnosis: 'not-configured', message: `${url}: no probe was sent: ${built.error.message} (not-configured)`, url, at, schemaVersion: options.schemaVersion ?? currentVersion, encrypted: options.encrypted ?? false, rule: built.error.rule };
  }
  const request = built.request;
  const base = { url, at, schemaVersion: request.schemaVersion, encrypted: request.encrypted, ...(request.encryptionKeyId ? { encryptionKeyId: request.encryptionKeyId } : {}) };
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const headers = await request.sign(Math.floor(started / 1000));
  const limit = deadline(timeoutMs);
  const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const sentAt = clock();
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(url, { method: request.method, headers, body: request.body, redirect: 'manual', signal: limit.signal });
    text = await readLimited(response);
  } catch (error) {
    const cause = networkCause(error);
    return {
      ok: false,
      diagnosis: 'unreachable',
      message: `${url}: cannot be reached: ${unreachableWords(cause, host, timeoutMs, limit.timedOut())} (unreachable); check the address, that the server runs, and the network between (proxy, firewall)`,
      ...base,
      rule: limit.timedOut() ? 'timeout' : cause.code,
    };
  } finally {
    limit.clear();
  }
  const roundTripMs = Math.max(0, Math.round(clock() - sentAt));
  const status = response.status;
  // The server's Date header has whole seconds; the middle of the round trip is the best estimate of when it was written.
  const serverDate = Date.parse(response.headers.get('date') ?? '');
  const clockSkewSeconds = Number.isNaN(serverDate) ? undefined : Math.round((started + roundTripMs / 2 - serverDate) / 1000);
  const acceptedVersions = parseAcceptedVersions(response.headers.get(ACCEPTED_VERSIONS_HEADER));
  const error = serverError(text);
  const answered = {
    ...base,
    status,
    roundTripMs,
    ...(clockSkewSeconds !== undefined ? { clockSkewSeconds } : {}),
    ...(acceptedVersions ? { acceptedVersions } : {}),
    ...(error.rule ? { rule: error.rule } : {}),
  };
  const said = error.message !== undefined ? `: ${error.message}` : '';

  if (status >= 200 && status < 300) {
    let acknowledged = false;
    try {
      const body = JSON.parse(text) as { probe?: unknown; messageId?: unknown };
      acknowledged = body.probe === 'verified' && body.messageId === request.messageId;
    } catch {
      acknowledged = false;
    }
    if (!acknowledged) {
      return {
        ok: false,
        diagnosis: 'unexpected-answer',
        message: `${url}: answered ${status} without confirming the connection test (unexpected-answer); this does not look like a telemetry ingest endpoint that knows connection tests: check the address`,
        ...answered,
      };
    }
    const announced = readDeprecation(response.headers);
    if (announced !== undefined) {
      const deprecation = { version: request.schemaVersion, ...announced };
      return {
        ok: true,
        diagnosis: 'deprecated',
        message: `${url}: connected in ${roundTripMs} ms, but the server has deprecated v${request.schemaVersion}, the version this installation sends; it may refuse it after ${day(announced.sunset)} (deprecated): update the application before then`,
        ...answered,
        deprecation,
      };
    }
    return {
      ok: true,
      diagnosis: 'connected',
      message: `${url}: connected in ${roundTripMs} ms: the server verified the signature${request.encrypted ? ', decrypted the body' : ''} and accepts v${request.schemaVersion}; nothing was stored (connected)`,
      ...answered,
    };
  }

  if (status === 401 && (error.rule === 'timestamp-too-old' || error.rule === 'timestamp-too-new')) {
    const skew = clockSkewSeconds ?? error.clockSkewSeconds ?? 0;
    const tolerance = error.toleranceSeconds;
    return {
      ok: false,
      diagnosis: 'clock-skew',
      message: `${url}: this machine's clock is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the server's${clockSkewSeconds !== undefined ? ' (by its Date header)' : ''}, more than the ${tolerance !== undefined ? `±${tolerance} s the server allows` : 'tolerance the server allows'} (clock-skew); set the clock, with NTP`,
      ...answered,
      clockSkewSeconds: skew,
      ...(tolerance !== undefined ? { toleranceSeconds: tolerance } : {}),
    };
  }
  if (status === 401 || status === 403) {
    const why =
      error.rule === 'revoked-key'
        ? 'the secret configured here has been revoked; install the new secret the vendor issued'
        : error.rule === 'signature-mismatch' || error.rule === 'license-key-mismatch'
          ? 'no key of the server made this signature; check that the secret configured here is the one issued with this license, and the license id the one it was issued for'
          : 'check the secret configured here';
    return { ok: false, diagnosis: 'signature-refused', message: `${url}: the server refused the signature (${error.rule ?? status}): ${why} (signature-refused)`, ...answered };
  }
  if (status === 422 && error.rule === 'unsupported-version') {
    const accepted = error.supportedVersions ?? acceptedVersions ?? [];
    const fallback = versionFallback(request.schemaVersion, accepted);
    const then = fallback.possible
      ? `a fallback by projection would work: reports would go out as v${fallback.to}${fallback.dropped && fallback.dropped.length > 0 ? ` without ${fallback.dropped.join(', ')}` : ''}`
      : `a fallback by projection would not work${fallback.to !== undefined ? ` (to v${fallback.to})` : ''}: ${fallback.reason}; update the application`;
    return {
      ok: false,
      diagnosis: 'version-not-accepted',
      message: `${url}: the server does not accept v${request.schemaVersion}, the version this installation sends; it accepts ${accepted.length > 0 ? formatAcceptedVersions(accepted) : 'no version it named'} (version-not-accepted); ${then}`,
      ...answered,
      acceptedVersions: accepted,
      fallback,
    };
  }
  if (status === 415 && error.rule === 'encryption-required') {
    return { ok: false, diagnosis: 'encryption-required', message: `${url}: the server takes encrypted bodies only, and encryption is off here (encryption-required); turn it on (encrypt: true)`, ...answered };
  }
  if (status === 400 && (error.rule === 'unknown-key-id' || error.rule === 'decryption-failed')) {
    const what = error.rule === 'unknown-key-id' ? `holds no encryption key with the id ${request.encryptionKeyId ?? '(none)'}` : `cannot decrypt the body with the key ${request.encryptionKeyId ?? ''}`;
    return {
      ok: false,
      diagnosis: 'encryption-key-mismatch',
      message: `${url}: the server ${what} (${error.rule}): the encryption key does not match the server's (encryption-key-mismatch); use the key the vendor issued, or none to derive it from the signing secret`,
      ...answered,
    };
  }
  const hint =
    status === 404 || status === 405
      ? 'is this the ingest server? check the address'
      : status === 415 && error.rule === 'unsupported-media-type'
        ? 'the server does not know connection tests (it runs an older telemetry-contract); reports may still be accepted'
        : status >= 300 && status < 400
          ? `the server redirects${response.headers.get('location') ? ` to ${response.headers.get('location')!.slice(0, 200)}` : ''}; set the address to the final one`
          : status >= 500
            ? 'the server has a problem of its own; try again later'
            : 'see the server\'s message';
  return { ok: false, diagnosis: 'unexpected-answer', message: `${url}: answered ${status}${error.rule ? ` ${error.rule}` : ''}${said} (unexpected-answer); ${hint}`, ...answered };
}

/**
 * "Is the connection right?": sends one signed probe, built from the same
 * options as a report (license id, customer and masking, secrets, version,
 * encryption), to the ingest endpoint. The server verifies it exactly as a
 * report and stores nothing. The result says what was found, with one
 * diagnosis per cause: `connected` (with the round-trip time), `deprecated`
 * (with the sunset), `unreachable` (with the address tried), `signature-refused`,
 * `clock-skew` (with the skew in seconds, from the server's `Date` header),
 * `version-not-accepted` (with the accepted versions and whether a fallback by
 * projection would work), `encryption-required`, `encryption-key-mismatch`,
 * `unexpected-answer` or `not-configured`. Never throws; holds no secret.
 *
 * @example
 * const test = await testConnection({ baseUrl, version: 1, licenseId, customer, signingSecrets: [secret] });
 * console.log(test.diagnosis, test.message); // "connected", "https://…/api/v1/telemetry: connected in 41 ms: …"
 */
export async function testConnection(options: ConnectionTestOptions): Promise<ConnectionTestResult> {
  const built = await createProbeRequest(options);
  return runConnectionTest(built, {
    baseUrl: options.baseUrl,
    ...(options.allowHttpLoopback !== undefined ? { allowHttpLoopback: options.allowHttpLoopback } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.version !== undefined ? { schemaVersion: options.version } : {}),
    encrypted: options.encrypt === true,
  });
}
