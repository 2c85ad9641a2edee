/**
 * The example server rides out its database. Two server processes
 * (`tsx examples/server.ts`, DATABASE_URL) share one real PostgreSQL cluster
 * while a fleet of uploaders sends 500 windows, 32 at a time, each window to
 * both servers at the same moment, through `sendTelemetry` and its own
 * retries. Meanwhile every server connection is killed with
 * `pg_terminate_backend`, and PostgreSQL is stopped with `-m immediate` (a
 * crash) and started again. Afterwards every window is stored exactly once
 * and as sent, none is lost, no answer was a 500, and each window got
 * exactly one 201.
 *
 * The cluster is this file's own, made by the same module as the suite's
 * (scripts/dev/postgres-cluster.ts), so stopping it disturbs no other test
 * file; it runs with synchronous_commit on, as a production server would, so
 * a commit acknowledged before the crash survives it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, serverBin, startCluster } from '../../scripts/dev/postgres-cluster.js';
import { dedupeKey } from '../../src/wire/dedupe.js';
import { SCHEMA_PATH } from '../../src/wire/paths.js';
import type { TelemetryRequest } from '../../src/uploader/request.js';
import { type SendResult, sendTelemetry } from '../../src/uploader/send.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { type ServerProcess, startServerProcess } from '../../scripts/dev/server-process.js';
import { KEY_A, built, counts } from '../wire/support.js';
import { TEST_KEK, testKeyring } from '../support/keyring.js';

const WINDOWS = 500;
const IN_FLIGHT = 32;
const DAY = 86_400_000;

const skip = serverBin() === undefined;
let cluster: PostgresCluster | undefined;
let folder: string;
const children = new Set<ChildProcess>();
const servers: ServerProcess[] = [];

beforeAll(async () => {
  if (skip) return;
  folder = mkdtempSync(join(tmpdir(), 'telemetry-contract-faults-'));
  cluster = await startCluster({ durable: true });
  // The fixture's build listed as a vendor release, so the stored payloads keep their appVersion.
  writeFileSync(join(folder, 'builds.txt'), '3f2a9c1\n');
  const env = { TELEMETRY_VENDOR_WIDE_SECRET: KEY_A, TELEMETRY_KEK: TEST_KEK, TELEMETRY_ACCEPTED_VERSIONS: '1', DATABASE_URL: cluster!.url, DATA_DIR: '', KNOWN_BUILDS_FILE: join(folder, 'builds.txt') };
  // Both at once: their migrations race, and the store's advisory lock lets one apply them.
  servers.push(...(await Promise.all([startServerProcess(folder, env, children), startServerProcess(folder, env, children)])));
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await cluster?.remove();
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The package's own retries, with the waits (Retry-After included) cut to at most 100 ms so the test stays short. */
const send = (request: TelemetryRequest, server: ServerProcess) =>
  sendTelemetry(request, { baseUrl: server.url, allowHttpLoopback: true, retries: 100, delays: () => 25, sleep: (ms) => pause(Math.min(ms, 100)), timeoutMs: 20_000 });

/** Kills every connection to the cluster but the one asking; returns how many. */
async function terminateConnections(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe.skipIf(skip)('the example server while its PostgreSQL fails', () => {
  it('stores each of 500 windows exactly once through killed connections and a crash restart, never answering 500', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const start = Date.UTC(2026, 0, 1);
    const requests = await Promise.all(
      Array.from({ length: WINDOWS }, (_, i) => {
        // Day windows: UTC midnights, as the contract spells them.
        const midnight = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)}T00:00:00Z`;
        const from = midnight(start + (i % 100) * DAY);
        const to = midnight(start + ((i % 100) + 1) * DAY);
        return built({ licenseId: `lic-fleet-${Math.floor(i / 100)}`, now: () => Date.now() }, { ...counts(), activeSeats: i, periodStart: from, periodEnd: to });
      }),
    );

    const results: Array<[SendResult, SendResult]> = new Array(WINDOWS);
    let done = 0;
    let next = 0;
    // 32 windows in flight, each sent to both servers at the same moment.
    const worker = async () => {
      for (let i = next++; i < WINDOWS; i = next++) {
        results[i] = await Promise.all([send(requests[i]!, a), send(requests[i]!, b)]);
        done++;
      }
    };
    const until = async (count: number) => {
      while (done < count) await pause(5);
    };
    const faults = (async () => {
      await until(100);
      const killed = await terminateConnections(cluster!.url);
      await until(250);
      await cluster!.stop('immediate');
      // While the database is down: reports wait (503), the health check says so, the schema is still served.
      const health = await fetch(`${a.url}/healthz`);
      const schema = await fetch(`${a.url}${SCHEMA_PATH}`);
      await pause(500);
      await cluster!.start();
      return { killed, healthWhileDown: health.status, retryAfter: health.headers.get('retry-after'), schemaWhileDown: schema.status };
    })();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const observed = await faults;

    // Final flush: a window whose sends both gave up is sent again (with 100 retries each, none should have).
    const flushed: number[] = [];
    for (const [i, pair] of results.entries()) {
      if (pair.some((r) => r.ok)) continue;
      flushed.push(i);
      results[i] = [await send(requests[i]!, a), pair[1]];
    }

    expect(observed.killed).toBeGreaterThan(0);
    expect(observed).toMatchObject({ healthWhileDown: 503, retryAfter: '5', schemaWhileDown: 200 });
    const statuses = results.map((pair) => pair.flatMap((r) => r.attempts.map((attempt) => attempt.status)));
    // The faults were felt: some attempts were turned away with 503 and succeeded later.
    expect(statuses.flat().filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.flat().filter((s) => s === 500)).toEqual([]);
    expect(flushed).toEqual([]);
    expect(results.filter((pair) => !pair.every((r) => r.ok)).length).toBe(0);
    const created = statuses.map((list) => list.filter((s) => s === 201).length);
    expect(created.filter((n) => n !== 1)).toEqual([]);

    // Both processes lived through it and see their database again.
    for (const server of [a, b]) {
      expect(server.child.exitCode).toBeNull();
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
    // Under load every pooled connection may have been busy when it was killed, and a busy one fails its query, not the
    // pool: kill the idle ones the health checks just left too, so the pool's own error path runs for certain.
    // Each server's health check just left an idle connection; both are told of its death before they are asked again.
    const told = (server: ServerProcess) => server.stderr().split('database: a pooled connection failed').length - 1;
    const before = [told(a), told(b)];
    await terminateConnections(cluster!.url);
    for (let waited = 0; waited < 5_000 && !(told(a) > before[0]! && told(b) > before[1]!); waited += 50) await pause(50);
    expect([told(a) > before[0]!, told(b) > before[1]!]).toEqual([true, true]);
    // After the load a server's pool may hold several idle connections (up to 8): a health check that draws one whose
    // death the pool has not yet been told of answers 503 once, and a later one draws a live connection. What must hold
    // is that each process lives and is healthy again within a few checks, never that the first check is lucky.
    for (const server of [a, b]) {
      expect(server.child.exitCode).toBeNull();
      const seen: number[] = [];
      for (let attempt = 0; attempt < 20 && seen.at(-1) !== 200; attempt += 1) {
        if (attempt > 0) await pause(250);
        seen.push((await fetch(`${server.url}/healthz`)).status);
      }
      expect(seen.at(-1)).toBe(200);
      expect(seen.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    }

    const pool = new pg.Pool({ connectionString: cluster!.url, max: 2 });
    try {
      const { rows } = await pool.query('SELECT count(*)::int AS n, count(DISTINCT dedupe_key)::int AS keys FROM telemetry_reports');
      expect(rows[0]).toEqual({ n: WINDOWS, keys: WINDOWS });
      const store = createPostgresStore(pool, { keyring: testKeyring });
      for (const request of requests) {
        const key = dedupeKey(request.headers['x-telemetry-license-id']!, request.payload.periodStart, request.payload.periodEnd);
        expect((await store.get(key))?.payload).toEqual(request.payload);
      }
    } finally {
      await pool.end();
    }
  }, 180_000);

  it('starts while its database is down, serving the schema, and takes reports once the database is up', async () => {
    await cluster!.stop('immediate');
    const late = await startServerProcess(folder, { TELEMETRY_VENDOR_WIDE_SECRET: KEY_A, TELEMETRY_KEK: TEST_KEK, TELEMETRY_ACCEPTED_VERSIONS: '1', DATABASE_URL: cluster!.url, DATA_DIR: '' }, children);
    const request = await built({ licenseId: 'lic-late', now: () => Date.now() });
    expect((await fetch(`${late.url}${SCHEMA_PATH}`)).status).toBe(200);
    const health = await fetch(`${late.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { status: 'unavailable', database: 'not migrated yet' }]);
    const waiting = await sendTelemetry(request, { baseUrl: late.url, allowHttpLoopback: true, retries: 0, timeoutMs: 5_000 });
    expect(waiting.attempts.map((attempt) => attempt.status)).toEqual([503]);

    await cluster!.start();
    const sent = await send(request, late);
    expect(sent).toMatchObject({ ok: true, status: 201 });
    expect(late.stderr()).toMatch(/database: cannot migrate yet: .*; trying again in 1 s/);
    expect(await late.stop()).toBe(0);
  }, 60_000);
});
