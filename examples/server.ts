/**
 * A runnable ingest server on node:http, built on `ingest` and
 * `schemaEndpoint`: the reference for a server team and the server of the
 * end-to-end tests. Stores each window once, through
 * telemetry-contract/store-postgres: PGlite (PostgreSQL in WebAssembly, nothing
 * to install) in ./data by default, or a PostgreSQL server named by
 * DATABASE_URL. Purges expired data at start and every hour. Each report is
 * verified with the keys of the license it names and checked against that
 * license's record (the features it may name, the legal entity its customer
 * header must be or mask), both found in one query of the license store of the
 * same database, whose secrets and legal entities are encrypted under the
 * key-encryption key(s) of TELEMETRY_KEK or TELEMETRY_KEK_FILE. The operator
 * issues keys and sets records with `telemetry-keys`; a license with keys but
 * no record is answered 503 license-record-missing, never accepted unchecked.
 * Each stored report is stamped with its license's data region, and purge
 * reads contract ends from the same records. What can identify a customer
 * (its customer header, the message id computed from it, its legal entity) is
 * stored encrypted under a data key of its license, itself wrapped by the KEK,
 * so the KEK is needed whatever signs the reports.
 *
 * On PGlite the server holds its data folder alone (telemetry-holder.json in
 * it names the process): `telemetry-keys` run against the same DATA_DIR
 * reaches the running server through an admin endpoint on 127.0.0.1, whose
 * address and token only the folder's owner can read, so keys issued,
 * rotated or revoked and records set take effect at once. At start the
 * server says which key-encryption keys the stored values still need.
 *
 *   TELEMETRY_KEK_FILE=/run/credentials/telemetry/kek TELEMETRY_ACCEPTED_VERSIONS=1 npx tsx examples/server.ts
 *
 * A small deployment with one secret for every installation says so:
 * TELEMETRY_VENDOR_WIDE_SECRET=whsec_… (with the KEK still set, for the
 * store); then any installation can send reports in any license's name, and,
 * with no license looked up, nothing checks their features or customer header.
 *
 * The database may come and go: while it cannot be reached (a restart, a
 * failover, killed connections) a report is answered 503 with Retry-After and
 * the uploader sends it again; the schema endpoint keeps answering; GET
 * /healthz says whether this instance reaches its database (200 or 503); the
 * server reconnects by itself, and a server started before its database
 * migrates as soon as the database is there.
 *
 * Offline bundles: an air-gapped installation's windows arrive as one file,
 * uploaded by hand to POST /api/v1/telemetry/bundles, each window checked as a
 * live report and stored through the same store; the answer is a receipt
 * signed with the Ed25519 key in TELEMETRY_RECEIPT_KEY_FILE (PKCS#8 PEM:
 * `openssl genpkey -algorithm ed25519`), whose public key the server prints
 * at start and the vendor ships with the license. Without that key the route
 * answers 501. TELEMETRY_ALLOW_SUPERSEDE=1 takes reviewed corrections.
 *
 * Versions: a server accepts the released versions of the contract, and a
 * draft only when it names it: TELEMETRY_ACCEPTED_VERSIONS=1 (or "1,2"). A
 * server that would accept nothing refuses to start and says why.
 *
 * Environment: PORT (default 8787), DATA_DIR (PGlite folder, default ./data),
 * DATABASE_URL (a PostgreSQL server instead of PGlite), LICENSE_ENDS_FILE (a
 * JSON file {"<license id>": "<YYYY-MM-DD>"} of ended contracts, read at each
 * purge, for licenses the license store holds no record of: a record's
 * contractEnd wins), KNOWN_BUILDS_FILE (the build ids of the vendor's
 * releases, one per line, read at start: a report's appVersion is stored only
 * when it is one of them), TELEMETRY_MAX_IN_FLIGHT (reports worked on at once,
 * default 128: past it a report is answered 503 with a Retry-After sized to
 * the backlog, its body unread; see src/server/admission.ts).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  BUNDLE_PATH,
  DEFAULT_MAX_BUNDLE_BYTES,
  SCHEMA_PATH,
  TELEMETRY_PATH,
  type KeySourceOptions,
  type KnownSoftware,
  DEFAULT_MAX_BYTES,
  type Admission,
  admitRequest,
  createAdmission,
  acceptedVersionsOption,
  bundleResponse,
  failureResponse,
  ingest,
  ingestBundle,
  parseSecret,
  receiptPublicKey,
  receiptKeyId,
  storeBundleWindows,
  probeResponse,
  schemaEndpoint,
} from '../src/server.js';
import {
  type KeyStoreOptions,
  type LicenseStore,
  type PostgresStore,
  type PurgeOptions,
  type PurgeResult,
  type QueryClient,
  DATABASE_RETRY_AFTER_SECONDS,
  StoreError,
  createLicenseStore,
  createPostgresStore,
  isTransientDatabaseError,
  storeFailureResponse,
} from '../src/store-postgres.js';
import { keyringFromEnv } from '../src/store/keyring-source.js';
import { type FolderHold, holdFolder } from '../src/store/folder-holder.js';
import { licenseAdmin, serveLicenseAdmin } from '../src/store/license-admin.js';

/** The health check for a load balancer: 200 when this instance reaches its database, 503 (with Retry-After) when not. */
export const HEALTH_PATH = '/healthz';
/** How long the health check waits for the database before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 2_000;

/** How often the server enforces retention (`store.purge`); the audit document states it. */
export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Where the keys come from: `licenseKeys` (a Map or lookup), `vendorWideKeys`, or, at start, a `keyring` for the key store. */
export interface ServerOptions extends KeySourceOptions {
  /** The versions this server accepts; default the released ones. A draft is accepted only when named here. */
  readonly acceptedVersions?: readonly number[];
  readonly maxBytes?: number;
  readonly toleranceSeconds?: number;
  /** Take encrypted bodies only (`ingest`'s `requireEncryption`), reports and connection tests alike. */
  readonly requireEncryption?: boolean;
  /** The body encryption keys (`ingest`'s `encryptionKeys`); default derived from the signing keys. */
  readonly encryptionKeys?: readonly string[];
  /** `ingest`'s `requireLicenseRecord`; on by itself when the keys come from the license store (`keyring`). */
  readonly requireLicenseRecord?: boolean;
  /**
   * Admission control of reports and bundles: past this many in flight one is answered 503 with Retry-After
   * at once, its body unread (`createAdmission`'s `maxInFlight`, default 128). The schema endpoint and the
   * health check are never refused.
   */
  readonly maxInFlight?: number;
  /** An admission control of your own (one shared by several handlers, say) instead of one from `maxInFlight`. */
  readonly admission?: Admission;
  /** The vendor's release builds and the Node.js majors it knows (`ingest`'s `knownSoftware`): other values are not stored. */
  readonly knownSoftware?: KnownSoftware;
  /** The Ed25519 private key (PKCS#8 PEM) that signs bundle receipts; without it the bundle route answers 501. */
  readonly receiptKey?: string;
  /** Take reviewed corrections in bundles (`ingestBundle`'s `allowSupersede`). Default false. */
  readonly allowSupersede?: boolean;
  /** The largest bundle; default 4 MiB. */
  readonly maxBundleBytes?: number;
}

export interface DatabaseOptions {
  /** A migrated store to use as it is; the caller closes its client. Otherwise one is opened from the options below. */
  readonly store?: PostgresStore;
  /** The key-encryption keys of a store opened here (its customer headers are sealed under data keys they wrap); required without `store`. */
  readonly keyring?: KeyStoreOptions['keyring'];
  /** The client of `store`, for the license store; needed with `store` and `keyring` together. */
  readonly client?: QueryClient;
  /** A PostgreSQL server (`postgres://…`); takes precedence over `dataDir`. */
  readonly databaseUrl?: string;
  /** A PGlite data folder, kept across restarts; without it (and without `databaseUrl`) PGlite runs in memory. */
  readonly dataDir?: string;
  /** Told about database trouble the server rides out (a dropped connection, a migration retried); default one line on stderr. */
  readonly onDatabaseError?: (message: string) => void;
}

/** An opened database: the store, and whether its migrations are applied (until then reports are answered 503). */
export interface OpenDatabase {
  readonly store: PostgresStore;
  /** The database client the store runs on, for the license store; absent for a given store without one. */
  readonly client?: QueryClient;
  /** The PGlite folder this process holds, when it opened one: its holder file advertises the admin endpoint. */
  readonly hold?: FolderHold;
  readonly where: string;
  readonly ready: () => boolean;
  readonly close: () => Promise<void>;
}

export interface PurgeSchedule {
  /** Milliseconds between purges, the first at start; default hourly, 0 for none. */
  readonly purgeIntervalMs?: number;
  /** Ended contracts of licenses the license store holds no record of, asked before each purge (see PurgeOptions.licenseEnds: a record wins). */
  readonly licenseEnds?: () => Promise<PurgeOptions['licenseEnds']> | PurgeOptions['licenseEnds'];
  /** Told the outcome of each purge; default one line on stdout when something was removed. */
  readonly onPurge?: (result: PurgeResult | Error) => void;
}

const logDatabase = (message: string) => console.error(`database: ${message}`);

/**
 * The store over `client`, migrated. A database that cannot be reached yet
 * does not stop the server: the migration is tried again (1 s, doubling, at
 * most 30 s apart) until it succeeds, and `ready` stays false meanwhile. Any
 * other migration failure closes the client and is thrown.
 */
async function migrated(
  client: QueryClient,
  close: () => Promise<void>,
  log: (message: string) => void,
  keyring: KeyStoreOptions['keyring'],
): Promise<{ store: PostgresStore; ready: () => boolean; close: () => Promise<void> }> {
  const store = createPostgresStore(client, { keyring, onConnectionError: (error) => log(`a pooled connection failed: ${error.message}; the pool opens a new one when next asked`) });
  let ready = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const attempt = async (delay: number): Promise<void> => {
    try {
      await store.migrate();
      ready = true;
    } catch (error) {
      const cause = error instanceof StoreError ? error.rule === 'unavailable' : isTransientDatabaseError(error);
      if (!cause) throw error;
      log(`cannot migrate yet: ${(error as Error).message.split('\n')[0]}; trying again in ${delay / 1000} s`);
      if (!closed) timer = setTimeout(() => void attempt(Math.min(delay * 2, 30_000)).catch((e: unknown) => log(`migration failed: ${(e as Error).message} (migration)`)), delay);
      timer?.unref();
    }
  };
  try {
    await attempt(1_000);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    store,
    ready: () => ready,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await close();
    },
  };
}

/** Opens the store the options name and migrates it; `close` releases what was opened here. */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  if (options.store !== undefined) return { store: options.store, ...(options.client ? { client: options.client } : {}), where: 'the given store', ready: () => true, close: async () => {} };
  const keyring = options.keyring;
  if (keyring === undefined) throw new TypeError('keyring: the store seals customer headers under data keys wrapped by the key-encryption keys; pass keyring (or a migrated store) (keys-config)');
  const log = options.onDatabaseError ?? logDatabase;
  if (options.databaseUrl !== undefined) {
    const { default: pg } = await import('pg');
    // Bounded waits: a database that stops answering turns into a 503 within seconds, not a request hanging until the client gives up.
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 8, connectionTimeoutMillis: 5_000, query_timeout: 15_000 });
    return { ...(await migrated(pool, () => pool.end(), log, keyring)), client: pool, where: 'PostgreSQL (DATABASE_URL)' };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  // The store's windows table refuses overlapping windows with a GiST index over text, which needs btree_gist.
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  if (options.dataDir === undefined) {
    const db = await PGlite.create({ extensions: { btree_gist } });
    return { ...(await migrated(db, () => db.close(), log, keyring)), client: db, where: 'PGlite in memory' };
  }
  // PGlite is one process: the folder is this server's alone until it closes (telemetry-keys then goes through the server).
  const hold = await holdFolder(options.dataDir, 'server');
  let db: Awaited<ReturnType<typeof PGlite.create>>;
  try {
    db = await PGlite.create(options.dataDir, { extensions: { btree_gist } });
  } catch (error) {
    await hold.release();
    throw error;
  }
  const closeAll = async () => {
    await db.close();
    await hold.release();
  };
  return { ...(await migrated(db, closeAll, log, keyring)), client: db, hold, where: `PGlite in ${options.dataDir}` };
}

/**
 * The license store on the database's client, migrated and checked: a
 * keyring that cannot read the stored secrets, data keys and legal entities
 * fails here, once, at start. `log` is told which key-encryption keys the
 * stored values still need.
 */
export async function openKeyStore(client: QueryClient | undefined, keyring: KeyStoreOptions['keyring'], log: (message: string) => void = console.log): Promise<LicenseStore> {
  if (client === undefined) throw new TypeError('keyring: the license store needs the database client; pass client with store (keys-config)');
  const keys = createLicenseStore(client, { keyring });
  await keys.migrate();
  const checked = await keys.check();
  log(
    `key-encryption keys: new values are sealed under ${checked.currentKek}; the stored values need ${checked.neededKeks.join(', ')}${checked.unneededKeks.length > 0 ? `; nothing stored needs ${checked.unneededKeks.join(', ')}` : ''}`,
  );
  return keys;
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

/** The health answer: 200 when the store is migrated and the database answers within HEALTH_TIMEOUT_MS, else 503. */
async function health(store: PostgresStore, ready: () => boolean): Promise<{ status: 200 | 503; body: unknown; headers: Record<string, string> }> {
  let reachable = false;
  if (ready()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), HEALTH_TIMEOUT_MS)));
    reachable = await Promise.race([store.ping(), timeout]).then(
      () => true,
      () => false,
    );
    clearTimeout(timer);
  }
  return reachable
    ? { status: 200, body: { status: 'ok', database: 'reachable' }, headers: {} }
    : { status: 503, body: { status: 'unavailable', database: ready() ? 'unreachable' : 'not migrated yet' }, headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) } };
}

/**
 * The request handler: the telemetry POST, the schema endpoint, the health
 * check, 404 for anything else. Reports go to `store`; until `ready()` (the
 * store is migrated) they are answered 503.
 */
export function createHandler(options: ServerOptions, store: PostgresStore, ready: () => boolean = () => true): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const admission = options.admission ?? createAdmission(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {});
  // Checked now: a server that accepts nothing (no version released, none named) stops here, not at every report.
  acceptedVersionsOption(options.acceptedVersions);
  const keys = options.vendorWideKeys !== undefined ? { vendorWideKeys: options.vendorWideKeys } : { licenseKeys: options.licenseKeys! };
  // What a live report and a bundle's window are both checked with, built once rather than at every request.
  const checks = {
    ...keys,
    maxBytes,
    ...(options.acceptedVersions ? { acceptedVersions: options.acceptedVersions } : {}),
    ...(options.requireLicenseRecord !== undefined ? { requireLicenseRecord: options.requireLicenseRecord } : {}),
    ...(options.knownSoftware !== undefined ? { knownSoftware: options.knownSoftware } : {}),
  };
  const reportOptions = {
    ...checks,
    ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    ...(options.requireEncryption !== undefined ? { requireEncryption: options.requireEncryption } : {}),
    ...(options.encryptionKeys !== undefined ? { encryptionKeys: options.encryptionKeys } : {}),
  };
  const maxBundleBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  const bundleOptions = { ...checks, maxBundleBytes, ...(options.allowSupersede ? { allowSupersede: true } : {}) };
  const discard = { maxDiscardBytes: maxBytes * 16 };
  /** Answers a report or bundle that failed verification; a failed key lookup's reason goes to the operator's log, never to the client. */
  const refuse = (res: ServerResponse, failed: Parameters<typeof failureResponse>[0]): void => {
    if (failed.cause !== undefined) console.error(`examples/server.ts: key lookup: ${(failed.cause as Error)?.message ?? String(failed.cause)}`);
    const answer = failureResponse(failed);
    send(res, answer.status, answer.headers, answer.body);
  };
  /** An offline bundle: verified as a whole, each window as a live report, stored through the same put, answered with a signed receipt. */
  const receiveBundle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.receiptKey === undefined) {
      req.resume();
      json(res, 501, { error: { rule: 'bundles-not-configured', message: `${BUNDLE_PATH}: this server takes no offline bundles: it has no key to sign their receipts (TELEMETRY_RECEIPT_KEY_FILE) (bundles-not-configured)` } });
      return;
    }
    const verified = await ingestBundle({ method: req.method ?? 'POST', headers: req.headers, body: await readBody(req, maxBundleBytes) }, bundleOptions);
    if (!verified.ok) {
      refuse(res, verified);
      return;
    }
    let outcomes;
    try {
      if (!ready()) throw new StoreError('unavailable', 'put: the store is not migrated yet (unavailable)');
      // The same put as a live report: 201, 200, or 409 with the stored digest; a correction the server allows replaces it.
      outcomes = await storeBundleWindows(verified, (report) => store.put(report));
    } catch (error) {
      // The database is away: no receipt, so nothing is marked delivered; the windows stored so far answer 200 next time.
      const answer = storeFailureResponse(error);
      send(res, answer.status, { ...verified.headers, ...answer.headers }, answer.body);
      return;
    }
    const answer = await bundleResponse(verified, outcomes, { receiptKey: options.receiptKey });
    send(res, answer.status, answer.headers, answer.body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === HEALTH_PATH) {
      const answer = await health(store, ready);
      json(res, answer.status, answer.body, answer.headers);
      return;
    }
    if (path === SCHEMA_PATH) {
      const answer = await schemaEndpoint(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
        options.acceptedVersions ? { acceptedVersions: options.acceptedVersions } : {},
      );
      send(res, answer.status, answer.headers, answer.body);
      return;
    }
    if (path === BUNDLE_PATH) {
      // A bundle takes a place like a report: a flood of them is refused as one of reports is, their bodies unread.
      if (admitRequest(admission, req, res, discard)) await receiveBundle(req, res);
      return;
    }
    if (path !== TELEMETRY_PATH) {
      json(res, 404, { error: { rule: 'not-found', message: `url: is none of ${TELEMETRY_PATH}, ${BUNDLE_PATH}, ${SCHEMA_PATH} and ${HEALTH_PATH} (not-found)` } });
      return;
    }
    // Past the limit: 503 at once, the body dropped unread; an admitted report's place is freed when its answer is sent.
    if (!admitRequest(admission, req, res, discard)) return;
    const body = await readBody(req, maxBytes);
    const result = await ingest({ method: req.method ?? 'POST', headers: req.headers, body }, reportOptions);
    if (!result.ok) {
      refuse(res, result);
      return;
    }
    if (result.kind === 'probe') {
      // A connection test: verified like a report, answered, and never stored.
      const answer = probeResponse(result);
      send(res, answer.status, answer.headers, answer.body);
      return;
    }
    // Idempotent store: the same report again is acknowledged (200), another body for a stored window refused (409).
    let put: Awaited<ReturnType<PostgresStore['put']>>;
    try {
      if (!ready()) throw new StoreError('unavailable', 'put: the store is not migrated yet (unavailable)');
      put = await store.put(result);
    } catch (error) {
      // 503 + Retry-After while the database is away (the uploader keeps the window), a final 422 for a value it refuses.
      const answer = storeFailureResponse(error);
      send(res, answer.status, { ...result.headers, ...answer.headers }, answer.body);
      return;
    }
    if (put.status === 409) json(res, 409, { error: put.error }, result.headers);
    else json(res, put.status, { dedupeKey: result.dedupeKey, duplicate: put.status === 200 }, result.headers);
  };
  return (req, res) => {
    handle(req, res).catch(() => {
      // Configuration errors end here; say nothing about them to the client, which retries a 500.
      if (!res.headersSent) json(res, 500, { error: { rule: 'internal', message: 'server: internal error (internal)' } });
      else res.destroy();
    });
  };
}

/** Runs `purge` now and then every `purgeIntervalMs`; returns the stop function. */
export function schedulePurge(store: PostgresStore, schedule: PurgeSchedule = {}): () => void {
  const interval = schedule.purgeIntervalMs ?? PURGE_INTERVAL_MS;
  if (interval <= 0) return () => {};
  const report = schedule.onPurge ?? ((outcome: PurgeResult | Error) => {
    if (outcome instanceof Error) console.error(`purge: ${outcome.message}`);
    else if (Object.values(outcome.removed).some((n) => n > 0)) console.log(`purge: ${outcome.reportsDeleted} reports deleted; values removed: ${JSON.stringify(outcome.removed)}`);
  });
  let running: Promise<void> | undefined;
  const run = () => {
    // One purge at a time: a slow one is not overtaken by the next tick.
    running ??= (async () => {
      try {
        const licenseEnds = await schedule.licenseEnds?.();
        report(await store.purge(new Date(), licenseEnds === undefined ? {} : { licenseEnds }));
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
      } finally {
        running = undefined;
      }
    })();
  };
  run();
  const timer = setInterval(run, interval);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Starts the server on 127.0.0.1 (port 0 picks a free one) with its store:
 * the one given, or one opened from `databaseUrl` or `dataDir` (PGlite in
 * memory without either). With `keyring` (and neither `licenseKeys` nor
 * `vendorWideKeys`), keys and records come from the license store in the
 * same database, checked at start, and a license without a record is
 * answered 503 `license-record-missing`.
 *
 * @example
 * const server = await startTelemetryServer({ keyring: parseKeyring(kek, 'TELEMETRY_KEK'), dataDir: './data', acceptedVersions: [1] });
 * await server.keys!.setLicense({ licenseId: 'lic-0042', legalEntity: 'Example Holdings GmbH', features: ['sso'], dataRegion: 'eu' });
 * const { secret } = await server.keys!.issue('lic-0042');
 * console.log(server.url); await server.close();
 */
export async function startTelemetryServer(
  options: ServerOptions & DatabaseOptions & PurgeSchedule & { readonly port?: number; readonly host?: string; readonly onKeys?: (message: string) => void },
): Promise<{ url: string; store: PostgresStore; keys?: LicenseStore; receiptPublicKey?: string; where: string; server: Server; admission: Admission; close: () => Promise<void> }> {
  acceptedVersionsOption(options.acceptedVersions);
  // A receipt key that cannot sign stops the start, not the first upload.
  const publicKey = options.receiptKey === undefined ? undefined : await receiptPublicKey(options.receiptKey);
  // Made before the database is opened, so that a bad limit fails the start first; returned for its stats (in flight, refused, peak).
  const admission = options.admission ?? createAdmission(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {});
  const database = await openDatabase(options);
  // The license store of the database: the lookup for reports, unless keys are given another way; on a PGlite
  // folder this process holds, in any mode, what telemetry-keys reaches instead of opening the folder a second time.
  const lookup = options.keyring !== undefined && options.licenseKeys === undefined && options.vendorWideKeys === undefined;
  let keys: LicenseStore | undefined;
  let admin: Awaited<ReturnType<typeof serveLicenseAdmin>> | undefined;
  if (options.keyring !== undefined && (lookup || database.hold !== undefined)) {
    try {
      keys = await openKeyStore(database.client, options.keyring, options.onKeys);
      if (database.hold !== undefined) {
        admin = await serveLicenseAdmin(licenseAdmin(keys, database.store));
        await database.hold.advertise(admin.endpoint);
      }
    } catch (error) {
      await admin?.close();
      await database.close();
      throw error;
    }
  }
  // Keys and record in one lookup; a license the store holds keys but no record of is never accepted unchecked.
  const handled = !lookup || keys === undefined ? options : { ...options, licenseKeys: keys.licenseOf, requireLicenseRecord: options.requireLicenseRecord ?? true };
  const server = createServer(createHandler({ ...handled, admission }, database.store, database.ready));
  // Bounded: a client that stalls cannot hold a connection open for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await admin?.close();
    await database.close();
    throw error;
  }
  const stopPurging = schedulePurge(database.store, options);
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    store: database.store,
    ...(keys ? { keys } : {}),
    ...(publicKey !== undefined ? { receiptPublicKey: publicKey } : {}),
    where: database.where,
    server,
    admission,
    close: async () => {
      stopPurging();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      await admin?.close();
      await database.close();
    },
  };
}

/** The ended contracts from LICENSE_ENDS_FILE: {"<license id>": "<date>"}. */
async function licenseEndsFile(file: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot be read as JSON: ${(error as Error).message} (license-ends)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`${file}: must be an object of license id → end date, such as {"lic-0042": "2027-01-31"} (license-ends)`);
  }
  return parsed as Record<string, string>;
}

/** The build ids of KNOWN_BUILDS_FILE: one per line, blank lines and `#` comments skipped, each 7 to 40 lowercase hex digits. */
async function knownBuildsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (known-builds)`);
  }
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const bad = lines.findIndex((line) => !/^[0-9a-f]{7,40}$/.test(line));
  if (bad >= 0) throw new Error(`${file}: entry ${bad + 1} (not counting blank lines and comments) is not 7 to 40 lowercase hex digits (known-builds)`);
  return lines;
}

/** TELEMETRY_ACCEPTED_VERSIONS: versions in decimal, separated by commas or spaces; undefined when unset or empty. */
export function acceptedVersionsEnv(value: string | undefined): readonly number[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parts = value.split(/[\s,]+/).filter((part) => part !== '');
  if (!parts.every((part) => /^[1-9][0-9]{0,3}$/.test(part))) {
    throw new TypeError(`TELEMETRY_ACCEPTED_VERSIONS: must list schema versions in decimal separated by commas, such as 1 or 1,2 (versions-config)`);
  }
  return parts.map(Number);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const maxInFlight = env['TELEMETRY_MAX_IN_FLIGHT'];
  if (maxInFlight !== undefined && !/^[1-9][0-9]{0,5}$/.test(maxInFlight)) {
    console.error('examples/server.ts: TELEMETRY_MAX_IN_FLIGHT: must be a whole number from 1 to 999999, the reports worked on at once (admission-config)');
    process.exit(2);
  }
  const vendorWide = env['TELEMETRY_VENDOR_WIDE_SECRET'];
  let keySource: { readonly vendorWideKeys: [{ id: string; secret: string }]; readonly keyring: KeyStoreOptions['keyring'] } | { readonly keyring: KeyStoreOptions['keyring'] };
  try {
    if (env['TELEMETRY_SIGNING_SECRET'] !== undefined) {
      throw new Error('TELEMETRY_SIGNING_SECRET is no longer read: one secret signed every license\'s reports. Set TELEMETRY_KEK or TELEMETRY_KEK_FILE and issue a key per license with telemetry-keys, or, for a small deployment that accepts that risk, TELEMETRY_VENDOR_WIDE_SECRET (keys-config)');
    }
    // The store needs the KEK in every mode: customer headers are sealed under data keys it wraps.
    const source = keyringFromEnv(env);
    await source();
    if (vendorWide !== undefined) {
      // Checked now, so a malformed secret stops the start instead of failing every request.
      parseSecret(vendorWide);
      keySource = { vendorWideKeys: [{ id: 'vendor-wide', secret: vendorWide }], keyring: source };
      console.warn('examples/server.ts: TELEMETRY_VENDOR_WIDE_SECRET: one secret signs every license\'s reports; any installation can report in any license\'s name, and no license record checks what its reports name');
    } else {
      keySource = { keyring: source };
    }
  } catch (error) {
    console.error(`examples/server.ts: ${(error as Error).message}`);
    process.exit(2);
  }
  const endsFile = env['LICENSE_ENDS_FILE'];
  const buildsFile = env['KNOWN_BUILDS_FILE'];
  let acceptedVersions: readonly number[] | undefined;
  try {
    acceptedVersions = acceptedVersionsEnv(env['TELEMETRY_ACCEPTED_VERSIONS']);
    acceptedVersionsOption(acceptedVersions);
  } catch (error) {
    console.error(`examples/server.ts: ${(error as Error).message.replace(/^acceptedVersions: /, 'TELEMETRY_ACCEPTED_VERSIONS: ').replace(/acceptedVersions: \[([0-9, ]*)\]/, 'TELEMETRY_ACCEPTED_VERSIONS=$1')}`);
    process.exit(2);
  }
  const receiptKeyFile = env['TELEMETRY_RECEIPT_KEY_FILE'];
  let receiptKey: string | undefined;
  try {
    receiptKey = receiptKeyFile ? await readFile(receiptKeyFile, 'utf8') : undefined;
  } catch (error) {
    console.error(`examples/server.ts: TELEMETRY_RECEIPT_KEY_FILE: cannot read ${receiptKeyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}) (receipt-key)`);
    process.exit(2);
  }
  let running: Awaited<ReturnType<typeof startTelemetryServer>>;
  try {
    running = await startTelemetryServer({
      ...keySource,
      ...(buildsFile ? { knownSoftware: { builds: await knownBuildsFile(buildsFile) } } : {}),
      ...(acceptedVersions ? { acceptedVersions } : {}),
      ...(receiptKey !== undefined ? { receiptKey } : {}),
      ...(env['TELEMETRY_ALLOW_SUPERSEDE'] === '1' ? { allowSupersede: true } : {}),
      port: Number(env['PORT'] ?? 8787),
      ...(env['DATABASE_URL'] ? { databaseUrl: env['DATABASE_URL'] } : { dataDir: env['DATA_DIR'] || './data' }),
      ...(endsFile ? { licenseEnds: () => licenseEndsFile(endsFile) } : {}),
      ...(maxInFlight !== undefined ? { maxInFlight: Number(maxInFlight) } : {}),
    });
  } catch (error) {
    console.error(`examples/server.ts: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  // The receipt key first: whoever waits for the "listening" line has it by then.
  if (running.receiptPublicKey !== undefined) {
    console.log(`offline bundles at ${running.url}${BUNDLE_PATH}; receipts signed with ${running.receiptPublicKey} (key id ${receiptKeyId(running.receiptPublicKey)}): ship this public key with the licenses${env['TELEMETRY_ALLOW_SUPERSEDE'] === '1' ? '; corrections taken' : ''}`);
  }
  console.log(`telemetry ingest listening on ${running.url}${TELEMETRY_PATH} (schema at ${running.url}${SCHEMA_PATH}); storing in ${running.where}, purged every ${PURGE_INTERVAL_MS / 3_600_000} h; at most ${running.admission.maxInFlight} reports in flight`);
  // Close the database on the way out, so PGlite leaves its folder consistent.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`examples/server.ts: closing: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    });
  }
}
