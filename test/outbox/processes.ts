/** Running the bundled child (./child.ts) and a counting ingest server for the multi-process outbox tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createHandler } from '../../examples/server.js';
import type { PostgresStore, StoredReport } from '../../src/store-postgres.js';
import { repoRoot } from '../helpers.js';
import { FIXTURE_SOFTWARE, KEY_A } from '../wire/support.js';
import { LICENSE } from './windows.js';

/** Bundles the child into one .mjs in a folder every user can read (a test runs it as another user). */
export async function bundleChild(): Promise<{ file: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-outbox-child-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'child.mjs');
  await build({ entryPoints: [join(repoRoot, 'test/outbox/child.ts')], outfile: file, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  chmodSync(file, 0o644);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running child: its printed lines as they come, and its end. */
export interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves once the line matching `pattern` was printed (or rejects when the child ends first). */
  waitFor(pattern: RegExp): Promise<string>;
  /** Exit code and signal, after the process was reaped. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function runChild(file: string, mode: string, config: Record<string, unknown>, options: { uid?: number; gid?: number; nodeOptions?: readonly string[] } = {}): Child {
  const { nodeOptions = [], ...ids } = options;
  const child = spawn(process.execPath, [...nodeOptions, file, mode, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'], ...ids });
  const lines: string[] = [];
  const waiting: Array<{ pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let rest = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiting.filter((w) => w.pattern.test(line))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    // 'close' comes after the process is reaped and its output drained.
    child.on('close', (code, signal) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`the child ended (${signal ?? code}) before printing ${w.pattern}: ${stderr.trim()}`));
      resolve({ code, signal, stderr });
    });
  });
  return {
    process: child,
    lines,
    exited,
    waitFor: (pattern) => {
      const found = lines.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => waiting.push({ pattern, resolve, reject }));
    },
  };
}

/** The `result <json>` lines of a child that ended. */
export function results<T>(child: Child): T[] {
  return child.lines.filter((line) => line.startsWith('result ')).map((line) => JSON.parse(line.slice(7)) as T);
}

/**
 * A report store for the example server, in memory, that counts how often
 * each window was stored: the store's contract (insert if absent) without a
 * database, so a test that starts hundreds of processes spends nothing on one.
 */
export function countingStore(): { store: PostgresStore; stores: Map<string, number> } {
  const stores = new Map<string, number>();
  const reports = new Map<string, StoredReport>();
  const store: PostgresStore = {
    async migrate() {
      return { applied: [], current: [] } as unknown as Awaited<ReturnType<PostgresStore['migrate']>>;
    },
    async put(result) {
      if (reports.has(result.dedupeKey)) return { status: 200, created: false, dedupeKey: result.dedupeKey };
      stores.set(result.dedupeKey, (stores.get(result.dedupeKey) ?? 0) + 1);
      reports.set(result.dedupeKey, { dedupeKey: result.dedupeKey, receivedAt: new Date().toISOString(), bodyDigest: '', schemaVersion: result.schemaVersion, headers: result.headers, payload: result.payload as unknown as Record<string, unknown> });
      return { status: 201, created: true, dedupeKey: result.dedupeKey };
    },
    async get(dedupeKey) {
      return reports.get(dedupeKey);
    },
    async purge() {
      return { reportsDeleted: 0, valuesRemoved: {} } as unknown as Awaited<ReturnType<PostgresStore['purge']>>;
    },
    async forget({ licenseId }) {
      const keys = [...reports.keys()].filter((key) => key.startsWith(`${licenseId}/`));
      for (const key of keys) reports.delete(key);
      return keys.length;
    },
    async ping() {},
  };
  return { store, stores };
}

/**
 * The example server, with what the tests need to watch: how often each window
 * was stored (the store's `set`), the requests in flight per message id, and
 * an optional delay or scripted answer before the real handler.
 */
export async function watchedServer(options: { delayMs?: number; answer?: (req: IncomingMessage, index: number) => { status: number; body: unknown } | undefined } = {}) {
  const { store, stores } = countingStore();
  // The windows' build listed as a vendor release, so a stored payload is the one sent, appVersion included.
  const handler = createHandler({ licenseKeys: new Map([[LICENSE, [{ id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], knownSoftware: FIXTURE_SOFTWARE }, store);
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const id = String(req.headers['webhook-id'] ?? '');
    const index = requests++;
    inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    if (inFlight.get(id)! > 1) overlaps++;
    res.on('close', () => inFlight.set(id, inFlight.get(id)! - 1));
    const scripted = options.answer?.(req, index);
    const go = () => {
      if (scripted === undefined) return handler(req, res);
      req.resume();
      res.writeHead(scripted.status, { 'content-type': 'application/json' }).end(JSON.stringify(scripted.body));
    };
    if (options.delayMs) setTimeout(go, options.delayMs);
    else go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    /** Times each dedupe key was stored. */
    stores,
    /** Requests that arrived while another with the same message id was in flight. */
    overlaps: () => overlaps,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
