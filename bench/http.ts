/**
 * End to end over HTTP on PostgreSQL: the example server (examples/server.ts
 * as a deployment runs it: the license store on, every request's key and
 * license record looked up, no vendor-wide secret; `ingest`, then `put` with
 * group commit) against a bare node:http server that does one HMAC check
 * with one key, `JSON.parse` and one `INSERT … ON CONFLICT DO NOTHING` per
 * request (bench/bare-server.ts). LICENSES licenses are issued through the
 * license store (scripts/dev/herd.ts `provisionHerd`: a record, a signing key
 * and a data key each); every request is signed with its license's own key
 * (the bare server's with its one key), the licenses taken in turn, and each
 * is a new day-long window of its license (UTC midnights, a license's windows
 * consecutive, never overlapping), so every answer is a 201 and a stored row.
 * Both servers run as their own processes on a throwaway PostgreSQL cluster
 * (scripts/dev/postgres-cluster.ts, synchronous_commit on; fsync on as a
 * deployment runs it, or off to see the processor's share alone), with a pool of 8
 * connections each, driven by the same load generator (bench/load.ts) over
 * loopback at HTTP_CONCURRENCY connections.
 */
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { type Installation, provisionHerd } from '../scripts/dev/herd.js';
import { startCluster } from '../scripts/dev/postgres-cluster.js';
import { type ServerProcess, startServerProcess } from '../scripts/dev/server-process.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { generateSecret } from '../src/wire/signature.js';
import { createPostgresStore, parseKeyring } from '../src/store-postgres.js';
import type { PreparedRequest } from './load.js';
import { load } from './load.js';
import type { Row } from './report.js';
import { benchKek } from './store.js';
import { median } from './timing.js';

const EXAMPLE = 'the example server (license store on: keys and record looked up, `ingest`, then `put`)';
const BARE = 'bare node:http: HMAC with one key, `JSON.parse`, `INSERT … ON CONFLICT DO NOTHING`';
export const HTTP_CONCURRENCY = 64;
/** Licenses issued in the license store, each connection's requests going through them in turn. */
export const HTTP_LICENSES = 64;
export const HTTP_PER_ROUND = 2_000;
/** Rounds of each contender, the order rotating: on a shared machine a burst of other work then lands on a round of each, not on one contender. */
export const HTTP_ROUNDS = 15;
const DAY = 86_400_000;
/** Day `n` after 2026-01-01 as a window bound: windows are UTC midnights, a day long at least. */
const midnight = (n: number) => `${new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().slice(0, 10)}T00:00:00Z`;

/**
 * `count` requests, request `n` of the whole run (from `first`) for license
 * `n mod licenses` and its window of day `n div licenses`: across the run a
 * license's windows follow each other, so no request repeats or overlaps
 * another, whichever server it goes to. `secret`: the bare server's one key;
 * undefined, each license's own.
 */
async function prepare(fleet: readonly Installation[], first: number, count: number, secret?: string): Promise<PreparedRequest[]> {
  const out: PreparedRequest[] = [];
  for (let n = first; n < first + count; n++) {
    const license = fleet[n % fleet.length]!;
    const day = Math.floor(n / fleet.length);
    const built = await createTelemetryRequest(
      { periodStart: midnight(day), periodEnd: midnight(day + 1), activeSeats: n % 500, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 500, seatLimitHit: false, featuresUsed: ['audit-log', 'sso'], appVersion: '0123456789abcdef', nodeVersion: '20' },
      { version: 1, licenseId: license.licenseId, customer: license.legalEntity, signingSecrets: [secret ?? license.secret], maskCustomer: false },
    );
    if (!built.ok) throw new Error(`bench: cannot build a request: ${built.error.message}`);
    out.push({ path: built.request.path, headers: built.request.headers, body: built.request.body });
  }
  return out;
}

/**
 * Requests per second of each server, median of the rounds; undefined where this machine has no PostgreSQL
 * server binaries. `syncToDisk`: every commit waits for the disk (fsync on), as on a deployed server.
 */
export async function httpPath(syncToDisk: boolean): Promise<{ rows: Row[]; ratio: number } | undefined> {
  const cluster = await startCluster({ durable: true, syncToDisk });
  if (cluster === undefined) return undefined;
  const children = new Set<ChildProcess>();
  const servers: ServerProcess[] = [];
  try {
    const kek = benchKek();
    const keyring = parseKeyring(kek, 'bench');
    const pool = new pg.Pool({ connectionString: cluster.url, max: 8 });
    let fleet: Installation[];
    try {
      await createPostgresStore(pool, { keyring }).migrate();
      fleet = await provisionHerd(pool, keyring, HTTP_LICENSES, { prefix: 'bench' });
    } finally {
      await pool.end();
    }
    const bareSecret = generateSecret();
    const env = { TELEMETRY_KEK: kek, TELEMETRY_ACCEPTED_VERSIONS: '1', DATABASE_URL: cluster.url, DATA_DIR: '' };
    servers.push(await startServerProcess(tmpdir(), env, children), await startServerProcess(tmpdir(), { ...env, TELEMETRY_VENDOR_WIDE_SECRET: bareSecret }, children, 'bench/bare-server.ts'));
    const contenders: Record<string, { server: ServerProcess; secret?: string }> = { [EXAMPLE]: { server: servers[0]! }, [BARE]: { server: servers[1]!, secret: bareSecret } };
    const names = Object.keys(contenders);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    let sent = 0;
    for (let round = -1; round < HTTP_ROUNDS; round++) {
      // Rotating order; round -1 warms both up and is not counted.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + Math.max(round, 0)) % names.length]!;
        const count = round < 0 ? HTTP_PER_ROUND / 4 : HTTP_PER_ROUND;
        const requests = await prepare(fleet, sent, count, contenders[name]!.secret);
        sent += count;
        const rps = await load(contenders[name]!.server.url, requests, HTTP_CONCURRENCY);
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
        { name: `${EXAMPLE}, fsync ${syncToDisk ? 'on' : 'off'}`, value: example, unit: 'requests/s', ratio: example / bare, ...memory(servers[0]!) },
        { name: `${BARE}, fsync ${syncToDisk ? 'on' : 'off'}`, value: bare, unit: 'requests/s', ratio: 1, ...memory(servers[1]!) },
      ],
      ratio: example / bare,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const child of children) child.kill('SIGKILL');
    await cluster.remove();
  }
}
