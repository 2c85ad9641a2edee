/**
 * End to end over HTTP on PostgreSQL: the example server (examples/server.ts:
 * ingest, then `put`) against a bare node:http server that does one HMAC
 * check, `JSON.parse` and one `INSERT … ON CONFLICT DO NOTHING`
 * (bench/bare-server.ts). The example server verifies with one vendor-wide
 * key (TELEMETRY_VENDOR_WIDE_SECRET), as the bare one does. Both run as their own processes on a throwaway
 * PostgreSQL cluster (scripts/dev/postgres-cluster.ts), with a pool of 8
 * connections, and both are driven by the same load generator
 * (bench/load.ts) over loopback: every request a new window, so every answer
 * is a stored row.
 */
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { startCluster } from '../scripts/dev/postgres-cluster.js';
import { type ServerProcess, startServerProcess } from '../scripts/dev/server-process.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import { createPostgresStore, parseKeyring } from '../src/store-postgres.js';
import type { PreparedRequest } from './load.js';
import { load } from './load.js';
import type { Row } from './report.js';
import { median } from './timing.js';

const EXAMPLE = 'the example server (`ingest`, then `put`)';
const BARE = 'bare node:http: HMAC, `JSON.parse`, `INSERT … ON CONFLICT DO NOTHING`';
export const HTTP_CONCURRENCY = 32;
const PER_ROUND = 1_000;
// Many short rounds: on a shared machine a burst of other work then lands on a round of each, not on one contender.
const ROUNDS = 15;
const DAY = 86_400_000;
/** Day `n` after 2026-01-01 as a window bound: windows are UTC midnights, a day long at least. */
const midnight = (n: number) => `${new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().slice(0, 10)}T00:00:00Z`;

async function prepare(secret: string, licenseId: string, count: number): Promise<PreparedRequest[]> {
  const out: PreparedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const built = await createTelemetryRequest(
      { periodStart: midnight(i), periodEnd: midnight(i + 1), activeSeats: i, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 50, seatLimitHit: false, featuresUsed: ['audit-log', 'policy.simulator', 'sso'], appVersion: '0123456789abcdef', nodeVersion: '20' },
      { version: 1, licenseId, customer: 'ACME Corp', signingSecrets: [secret], maskCustomer: false },
    );
    if (!built.ok) throw new Error(`bench: cannot build a request: ${built.error.message}`);
    out.push({ path: built.request.path, headers: built.request.headers, body: built.request.body });
  }
  return out;
}

/** Requests per second of each server, median of the rounds; undefined where this machine has no PostgreSQL server binaries. */
export async function httpPath(): Promise<{ rows: Row[]; ratio: number } | undefined> {
  const cluster = await startCluster({ durable: true });
  if (cluster === undefined) return undefined;
  const children = new Set<ChildProcess>();
  const servers: ServerProcess[] = [];
  try {
    const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
    const kek = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    await createPostgresStore(pool, { keyring: parseKeyring(kek, 'bench') }).migrate();
    await pool.end();
    const secret = generateSecret();
    const env = { TELEMETRY_VENDOR_WIDE_SECRET: secret, TELEMETRY_KEK: kek, TELEMETRY_ACCEPTED_VERSIONS: '1', DATABASE_URL: cluster.url, DATA_DIR: '' };
    servers.push(await startServerProcess(tmpdir(), env, children), await startServerProcess(tmpdir(), env, children, 'bench/bare-server.ts'));
    const contenders: Record<string, ServerProcess> = { [EXAMPLE]: servers[0]!, [BARE]: servers[1]! };
    const names = Object.keys(contenders);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = -1; round < ROUNDS; round++) {
      // Rotating order; round -1 warms both up and is not counted.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + Math.max(round, 0)) % names.length]!;
        const requests = await prepare(secret, `bench-${names.indexOf(name)}-${round + 1}`, round < 0 ? PER_ROUND / 4 : PER_ROUND);
        const rps = await load(contenders[name]!.url, requests, HTTP_CONCURRENCY);
        if (round >= 0) samples[name]!.push(rps);
      }
    }
    const example = median(samples[EXAMPLE]!);
    const bare = median(samples[BARE]!);
    const memory = (server: ServerProcess) => {
      const bytes = server.peakResidentBytes();
      return bytes === undefined ? {} : { note: `peak resident memory ${(bytes / 2 ** 20).toFixed(0)} MiB` };
    };
    return {
      rows: [
        { name: EXAMPLE, value: example, unit: 'requests/s', ratio: example / bare, ...memory(servers[0]!) },
        { name: BARE, value: bare, unit: 'requests/s', ratio: 1, ...memory(servers[1]!) },
      ],
      ratio: example / bare,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const child of children) child.kill('SIGKILL');
    await cluster.remove();
  }
}
