/**
 * `GET /api/v1/telemetry/schema`: the JSON Schema of a version, served so that
 * caches and clients can keep it: a strong ETag over the exact bytes,
 * Cache-Control, and 304 on a matching If-None-Match. Framework-agnostic:
 * method, URL and headers in; status, headers and body bytes out.
 */
import { currentVersion, versions } from '../../generated/index.js';
import { sha256, toBase64, utf8 } from '../wire/bytes.js';
import { type HeadersLike, normalizeHeaders } from '../wire/headers.js';
import { deprecationHeaders } from '../contract/lifecycle.js';
import { SCHEMA_PATH } from '../wire/paths.js';
import { ACCEPTED_VERSIONS_HEADER, acceptedVersionsOption, formatAcceptedVersions } from '../contract/negotiation.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** The media type of a JSON Schema document. */
export const SCHEMA_MEDIA_TYPE = 'application/schema+json';
/** Default freshness lifetime: five minutes, then a cheap 304 revalidation. */
export const DEFAULT_SCHEMA_MAX_AGE_SECONDS = 300;

export interface SchemaRequest {
  readonly method: string;
  /** The request target as node:http gives it (`/api/v1/telemetry/schema?version=1`) or an absolute URL. */
  readonly url: string;
  readonly headers: HeadersLike;
}

export interface SchemaEndpointOptions {
  /** The versions this server accepts (and therefore serves); default every version the package validates. */
  readonly acceptedVersions?: readonly number[];
  /** `Cache-Control: public, max-age=<this>`; default {@link DEFAULT_SCHEMA_MAX_AGE_SECONDS}. */
  readonly maxAgeSeconds?: number;
}

/** An HTTP answer to write out as it is. `body` is empty for HEAD and 304. */
export interface EndpointResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

interface Representation {
  readonly bytes: Uint8Array;
  readonly etag: string;
}

const representations = new Map<number, Representation>();

function representation(version: number): Representation {
  let cached = representations.get(version);
  if (cached === undefined) {
    // The same bytes as the committed generated/v<N>/telemetry.schema.json.
    const bytes = utf8(`${JSON.stringify(versions[version as keyof typeof versions].schema, null, 2)}\n`);
    const etag = `"sha256-${toBase64(sha256(bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`;
    cached = { bytes, etag };
    representations.set(version, cached);
  }
  return cached;
}

/** RFC 9110 If-None-Match: weak comparison, `*` matches any current representation. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const tags = header.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some((tag) => tag.replace(/^W\//, '') === etag);
}

/**
 * Answers a request for the telemetry JSON Schema. `GET` (or `HEAD`) of
 * {@link SCHEMA_PATH} serves the current version, `?version=N` another
 * accepted one. 304 when If-None-Match matches, 400 for a malformed version,
 * 404 for an unknown path or version (listing the accepted ones), 405 for
 * other methods. Every answer carries the accepted versions header.
 *
 * @example
 * if (url.pathname === SCHEMA_PATH) {
 *   const r = await schemaEndpoint({ method: req.method, url: req.url, headers: req.headers });
 *   res.writeHead(r.status, r.headers).end(r.body);
 * }
 */
export async function schemaEndpoint(request: SchemaRequest, options: SchemaEndpointOptions = {}): Promise<EndpointResponse> {
  const accepted = acceptedVersionsOption(options.acceptedVersions);
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SCHEMA_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new TypeError(`maxAgeSeconds: must be a non-negative integer, got ${String(maxAge)}`);
  const common = { [ACCEPTED_VERSIONS_HEADER]: formatAcceptedVersions(accepted), 'x-content-type-options': 'nosniff' };
  const failure = (status: number, error: WireError, extra: Record<string, string> = {}): EndpointResponse => ({
    status,
    headers: { ...common, 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
    body: utf8(JSON.stringify({ error })),
  });

  let url: URL;
  try {
    url = new URL(request.url, 'http://localhost');
  } catch {
    return failure(400, wireError('url', 'is not a valid request target', 'invalid-url'));
  }
  if (url.pathname !== SCHEMA_PATH) return failure(404, wireError('url', `is not ${SCHEMA_PATH}`, 'not-found'));
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return failure(405, wireError('method', 'must be GET or HEAD', 'method-not-allowed'), { allow: 'GET, HEAD' });
  }

  const requested = url.searchParams.getAll('version');
  let version = accepted.includes(currentVersion) ? currentVersion : accepted.at(-1)!;
  if (requested.length > 1) return failure(400, wireError('?version', 'is given more than once', 'invalid-version-parameter'));
  if (requested.length === 1) {
    if (!/^[1-9][0-9]{0,3}$/.test(requested[0]!)) {
      return failure(400, wireError('?version', 'must be a schema version number such as 1', 'invalid-version-parameter'));
    }
    version = Number(requested[0]);
    if (!accepted.includes(version)) {
      return failure(404, wireError('?version', `version ${version} is not served; supported: ${formatAcceptedVersions(accepted)}`, 'unsupported-version', { supportedVersions: [...accepted] }));
    }
  }

  const { bytes, etag } = representation(version);
  const headers = {
    ...common,
    'content-type': SCHEMA_MEDIA_TYPE,
    etag,
    'cache-control': `public, max-age=${maxAge}`,
    ...deprecationHeaders(version),
  };
  if (noneMatch(normalizeHeaders(request.headers)['if-none-match'], etag)) {
    const { 'content-type': _, ...notModified } = headers;
    return { status: 304, headers: notModified, body: new Uint8Array(0) };
  }
  return {
    status: 200,
    headers: { ...headers, 'content-length': String(bytes.byteLength) },
    body: method === 'HEAD' ? new Uint8Array(0) : bytes,
  };
}
