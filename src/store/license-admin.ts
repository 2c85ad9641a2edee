/**
 * The license store of a running server, reached from `telemetry-keys`. A
 * server on PGlite holds its data folder alone (./folder-holder.ts), so the
 * command cannot open the folder while the server runs; it asks the server
 * instead, which runs the operation on its own store, so an issued, rotated or
 * revoked key, a license record set or a license deleted takes effect at once,
 * with no restart and no second writer. The endpoint listens on the loopback
 * interface only, and answers only a request carrying its token, a random
 * 256-bit value written (readable by the folder's owner alone) into the
 * folder's holder file: whoever may read the data folder may administer its
 * licenses, and nobody else. Node.js only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LicenseStore } from './license-store.js';
import { KeyStoreError } from './license-tables.js';
import { StoreError } from './database.js';
import type { AdminEndpoint } from './folder-holder.js';
import type { PostgresStore } from './store.js';

/** What `telemetry-keys` does to a license store: the license store's operations and the erasures of the report store beside it. */
export interface LicenseAdmin extends Pick<LicenseStore, 'issue' | 'rotate' | 'revoke' | 'list' | 'setLicense' | 'license' | 'licenses' | 'rewrap' | 'check'> {
  /** Erases the license's reports and destroys their data key (`store.forget`); how many reports. */
  forget(licenseId: string): Promise<number>;
  /** Deletes the license: its reports, signing keys, record and data keys, in one statement (`store.forget` with `deleteLicense`); how many reports. */
  deleteLicense(licenseId: string): Promise<number>;
}

/** The operations the endpoint runs; nothing else of the store is reachable through it. */
export const ADMIN_METHODS = ['issue', 'rotate', 'revoke', 'list', 'setLicense', 'license', 'licenses', 'rewrap', 'check', 'forget', 'deleteLicense'] as const satisfies readonly (keyof LicenseAdmin)[];
type AdminMethod = (typeof ADMIN_METHODS)[number];

/** A license store and the report store of the same database, as one LicenseAdmin; every change is seen by the license store's lookups at once. */
export function licenseAdmin(licenses: LicenseStore, store: Pick<PostgresStore, 'forget'>): LicenseAdmin {
  return {
    issue: (licenseId) => licenses.issue(licenseId),
    rotate: (licenseId) => licenses.rotate(licenseId),
    revoke: (licenseId, keyId) => licenses.revoke(licenseId, keyId),
    list: (licenseId) => licenses.list(licenseId),
    setLicense: (record) => licenses.setLicense(record),
    license: (licenseId) => licenses.license(licenseId),
    licenses: () => licenses.licenses(),
    rewrap: (options) => licenses.rewrap(options),
    check: (options) => licenses.check(options),
    forget: (licenseId) => store.forget({ licenseId }),
    deleteLicense: async (licenseId) => {
      const erased = await store.forget({ licenseId, deleteLicense: true });
      // The license went through the report store: the lookups of this process drop it now, not at their next read of the change feed.
      await licenses.refresh();
      return erased;
    },
  };
}

/** Requests larger than this are refused: a license record is at most a few kilobytes. */
const MAX_REQUEST_BYTES = 64 * 1024;
export const ADMIN_PATH = '/telemetry-keys';

interface Call {
  readonly method: AdminMethod;
  readonly args: readonly unknown[];
}

type Answer = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: { readonly name: string; readonly rule: string; readonly message: string } };

function reply(res: ServerResponse, status: number, answer: Answer | { readonly error: string }): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
}

function readCall(req: IncomingMessage): Promise<Call | string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve(`body: larger than ${MAX_REQUEST_BYTES} bytes (too-large)`);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Call>;
        if (!(ADMIN_METHODS as readonly unknown[]).includes(call.method) || !Array.isArray(call.args) || call.args.length > 2) resolve(`body: must be {"method": one of ${ADMIN_METHODS.join(', ')}, "args": [...]} (bad-call)`);
        else resolve(call as Call);
      } catch {
        resolve('body: is not JSON (bad-call)');
      }
    });
    req.on('error', () => resolve('body: could not be read (bad-call)'));
  });
}

/** Whether `header` carries `token` as a bearer token; compared in constant time. */
function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serves `admin` on 127.0.0.1 (a free port) to requests carrying the returned token; `close` stops it.
 * Nothing a request says is logged, and an answer names errors by their rule and message alone.
 *
 * @example
 * const served = await serveLicenseAdmin(licenseAdmin(licenses, store));
 * await hold.advertise(served.endpoint); // telemetry-keys finds it in the data folder
 */
export async function serveLicenseAdmin(admin: LicenseAdmin): Promise<{ readonly endpoint: AdminEndpoint; close(): Promise<void> }> {
  const token = randomBytes(32).toString('base64url');
  const server = createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== ADMIN_PATH || req.method !== 'POST') return reply(res, 404, { error: `url: only POST ${ADMIN_PATH} is served (not-found)` });
      if (!authorized(req.headers.authorization, token)) return reply(res, 401, { error: 'authorization: not the token in the data folder\'s holder file (unauthorized)' });
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return reply(res, 415, { error: 'content-type: must be application/json (media-type)' });
      const call = await readCall(req);
      if (typeof call === 'string') return reply(res, 400, { error: call });
      try {
        const value = await (admin[call.method] as (...args: unknown[]) => Promise<unknown>)(...call.args);
        reply(res, 200, value === undefined ? { ok: true } : { ok: true, value });
      } catch (error) {
        const known = error instanceof KeyStoreError || error instanceof StoreError;
        reply(res, 200, { ok: false, error: { name: known ? error.name : 'Error', rule: known ? error.rule : 'internal', message: known ? error.message : `${call.method}: internal error: ${(error as Error)?.message ?? String(error)}` } });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { url: `http://127.0.0.1:${port}${ADMIN_PATH}`, token },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How long the command waits for a server's answer: a rewrap of many licenses takes a while. */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * A LicenseAdmin whose every operation runs in the server at `endpoint`. A refusal there is thrown here
 * as the same KeyStoreError (or StoreError) rule and message; a server that does not answer is a
 * KeyStoreError `server-unreachable` naming `holder`.
 */
export function remoteLicenseAdmin(endpoint: AdminEndpoint, holder: string): LicenseAdmin {
  const call = async (method: AdminMethod, ...args: unknown[]): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method, args: args.filter((a) => a !== undefined) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw new KeyStoreError('server-unreachable', `${method}: ${holder} holds the data folder but does not answer on its admin endpoint (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}) (server-unreachable); if no such process runs, remove its holder file`);
    }
    const answer = (await response.json().catch(() => undefined)) as Answer | { error?: unknown } | undefined;
    if (response.status !== 200 || answer === undefined || !('ok' in answer)) {
      throw new KeyStoreError('server-refused', `${method}: ${holder} refused the request: ${String((answer as { error?: unknown } | undefined)?.error ?? response.status)} (server-refused)`);
    }
    if (!answer.ok) throw answer.error.name === 'StoreError' ? new StoreError(answer.error.rule, answer.error.message) : new KeyStoreError(answer.error.rule, answer.error.message);
    return answer.value;
  };
  return {
    issue: (licenseId) => call('issue', licenseId) as ReturnType<LicenseAdmin['issue']>,
    rotate: (licenseId) => call('rotate', licenseId) as ReturnType<LicenseAdmin['rotate']>,
    revoke: (licenseId, keyId) => call('revoke', licenseId, keyId) as ReturnType<LicenseAdmin['revoke']>,
    list: (licenseId) => call('list', licenseId) as ReturnType<LicenseAdmin['list']>,
    setLicense: (record) => call('setLicense', record) as ReturnType<LicenseAdmin['setLicense']>,
    license: (licenseId) => call('license', licenseId) as ReturnType<LicenseAdmin['license']>,
    licenses: () => call('licenses') as ReturnType<LicenseAdmin['licenses']>,
    rewrap: (options) => call('rewrap', options) as ReturnType<LicenseAdmin['rewrap']>,
    check: (options) => call('check', options) as ReturnType<LicenseAdmin['check']>,
    forget: (licenseId) => call('forget', licenseId) as ReturnType<LicenseAdmin['forget']>,
    deleteLicense: (licenseId) => call('deleteLicense', licenseId) as ReturnType<LicenseAdmin['deleteLicense']>,
  };
}
