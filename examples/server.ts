/**
 * A runnable ingest server on node:http, built on `ingest` and
 * `schemaEndpoint`: the reference for a server team and the server of the
 * end-to-end test. Stores each window once, in memory, under its dedupe key.
 *
 *   TELEMETRY_SIGNING_SECRET=whsec_… npx tsx examples/server.ts   # listens on 127.0.0.1:8787 (PORT to change)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  type IngestSuccess,
  SCHEMA_PATH,
  TELEMETRY_PATH,
  type VerificationKey,
  DEFAULT_MAX_BYTES,
  failureResponse,
  ingest,
  schemaEndpoint,
} from '../src/server.js';

/** What the server keeps per window. */
export interface StoredReport {
  readonly report: IngestSuccess;
  readonly receivedAt: string;
  /** How many requests carried this window (the first included). */
  deliveries: number;
}

export interface ServerOptions {
  readonly keys: readonly VerificationKey[];
  readonly acceptedVersions?: readonly number[];
  readonly maxBytes?: number;
  readonly toleranceSeconds?: number;
  /** Load shedding: when it returns true the report is answered 503 with Retry-After, before any work. */
  readonly shed?: () => boolean;
  /** Where reports go; default a new Map. Keyed by dedupe key, so a replayed window is stored once. */
  readonly store?: Map<string, StoredReport>;
}

function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: Uint8Array | string): void {
  res.writeHead(status, headers).end(body);
}

function json(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  send(res, status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(value));
}

/**
 * Reads the body up to `limit + 1` bytes: enough for `ingest` to see that it
 * is too large. The rest is drained (not buffered) so the client gets the 413
 * instead of a reset connection; a body many times the limit is cut off.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit * 16) {
        req.destroy();
        return;
      }
      if (kept <= limit) {
        const part = chunk.subarray(0, limit + 1 - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    const done = () => resolve(new Uint8Array(Buffer.concat(chunks)));
    req.on('end', done);
    // A destroyed request never ends; settle with what was kept.
    req.on('close', done);
    req.on('error', reject);
  });
}

/** The request handler: the telemetry POST, the schema endpoint, 404 for anything else. */
export function createHandler(options: ServerOptions): { handler: (req: IncomingMessage, res: ServerResponse) => void; store: Map<string, StoredReport> } {
  const store = options.store ?? new Map<string, StoredReport>();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === SCHEMA_PATH) {
      const answer = await schemaEndpoint(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
        options.acceptedVersions ? { acceptedVersions: options.acceptedVersions } : {},
      );
      send(res, answer.status, answer.headers, answer.body);
      return;
    }
    if (path !== TELEMETRY_PATH) {
      json(res, 404, { error: { rule: 'not-found', message: `url: is neither ${TELEMETRY_PATH} nor ${SCHEMA_PATH} (not-found)` } });
      return;
    }
    if (options.shed?.()) {
      req.resume();
      json(res, 503, { error: { rule: 'unavailable', message: 'server: busy, try again later (unavailable)' } }, { 'retry-after': '1' });
      return;
    }
    const body = await readBody(req, maxBytes);
    const result = await ingest(
      { method: req.method ?? 'POST', headers: req.headers, body },
      {
        keys: options.keys,
        maxBytes,
        ...(options.acceptedVersions ? { acceptedVersions: options.acceptedVersions } : {}),
        ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
      },
    );
    if (!result.ok) {
      const answer = failureResponse(result);
      send(res, answer.status, answer.headers, answer.body);
      return;
    }
    // Idempotent store: a window already received is acknowledged, not stored again, so the uploader stops replaying.
    const existing = store.get(result.dedupeKey);
    if (existing !== undefined) {
      existing.deliveries += 1;
      json(res, 200, { dedupeKey: result.dedupeKey, duplicate: true }, result.headers);
      return;
    }
    store.set(result.dedupeKey, { report: result, receivedAt: new Date().toISOString(), deliveries: 1 });
    json(res, 201, { dedupeKey: result.dedupeKey, duplicate: false }, result.headers);
  };
  return {
    store,
    handler: (req, res) => {
      handle(req, res).catch(() => {
        // Configuration errors end here; say nothing about them to the client.
        if (!res.headersSent) json(res, 500, { error: { rule: 'internal', message: 'server: internal error (internal)' } });
        else res.destroy();
      });
    },
  };
}

/**
 * Starts the server on 127.0.0.1 (port 0 picks a free one).
 *
 * @example
 * const server = await startTelemetryServer({ keys: [{ id: 'k1', secret }] });
 * console.log(server.url); await server.close();
 */
export async function startTelemetryServer(
  options: ServerOptions & { readonly port?: number; readonly host?: string },
): Promise<{ url: string; store: Map<string, StoredReport>; server: Server; close: () => Promise<void> }> {
  const { handler, store } = createHandler(options);
  const server = createServer(handler);
  // Bounded: a client that stalls cannot hold a connection open for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    store,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env['TELEMETRY_SIGNING_SECRET'];
  if (secret === undefined) {
    console.error('examples/server.ts: set TELEMETRY_SIGNING_SECRET to a whsec_ secret (generateSecret() makes one)');
    process.exit(2);
  }
  const running = await startTelemetryServer({ keys: [{ id: 'primary', secret }], port: Number(process.env['PORT'] ?? 8787) });
  console.log(`telemetry ingest listening on ${running.url}${TELEMETRY_PATH} (schema at ${running.url}${SCHEMA_PATH})`);
}
