/**
 * The 02:00 herd (scripts/dev/herd.ts) at fleet size: HERD_INSTALLATIONS
 * installations (100,000 unless the variable says otherwise), each with a
 * license of its own in the license store, against two example server
 * processes (license store on, keys looked up, admission control at its
 * default) on one throwaway PostgreSQL cluster (synchronous_commit and fsync on). The
 * same fleet sends twice: first each installation at its moment (the send
 * interval's hour compressed HERD_SCALE times, 12 by default: 300 s), then
 * the next window all at once. Reported: the time from the start until the
 * last window is answered as stored, the answers, and each server's peak
 * resident memory (fresh processes for each run). Every window must be stored
 * exactly once and every answer be 201, 200 or 503 with a Retry-After; the
 * bench stops otherwise.
 */
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { type HerdResult, type Installation, planHerd, provisionHerd, runHerd } from '../scripts/dev/herd.js';
import { startCluster } from '../scripts/dev/postgres-cluster.js';
import { type ServerProcess, startServerProcess } from '../scripts/dev/server-process.js';
import { createPostgresStore, parseKeyring } from '../src/store-postgres.js';
import { benchKek } from './store.js';
import { fmt, type Row } from './report.js';

function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9][0-9]{0,6}$/.test(value)) throw new Error(`bench: ${name} must be a whole number from 1 to 9999999, got ${JSON.stringify(value)} (usage)`);
  return Number(value);
}

export const HERD_INSTALLATIONS = envNumber('HERD_INSTALLATIONS', 100_000);
export const HERD_SCALE = envNumber('HERD_SCALE', 12);
/** Exchanges open at once across the simulated fleet: this machine's ports, not the fleet's. */
export const HERD_MAX_OPEN = 2_000;

/** Run 1 (spread): the second half of October, after the first; run 2 (at once): the first half of November. */
const RUNS = [
  { arrival: 'spread', last: { periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-10-15T00:00:00Z' }, now: Date.UTC(2026, 10, 1, 3) },
  { arrival: 'at-once', last: { periodStart: '2026-10-15T00:00:00Z', periodEnd: '2026-11-01T00:00:00Z' }, now: Date.UTC(2026, 10, 15, 3) },
] as const;

export interface HerdFigures {
  readonly rows: Row[];
  readonly spreadMs: number;
  readonly atOnceMs: number;
  readonly peakMiB: number;
  readonly provisionMs: number;
}

/** Undefined where this machine has no PostgreSQL server binaries. */
export async function herdPath(log: (line: string) => void = console.log): Promise<HerdFigures | undefined> {
  const cluster = await startCluster({ durable: true, syncToDisk: true });
  if (cluster === undefined) return undefined;
  const children = new Set<ChildProcess>();
  try {
    const kek = benchKek();
    const keyring = parseKeyring(kek, 'bench');
    const pool = new pg.Pool({ connectionString: cluster.url, max: 8 });
    let fleet: Installation[];
    const provisioned = Date.now();
    try {
      await createPostgresStore(pool, { keyring }).migrate();
      fleet = await provisionHerd(pool, keyring, HERD_INSTALLATIONS, { concurrency: 8 });
    } finally {
      await pool.end();
    }
    const provisionMs = Date.now() - provisioned;
    log(`herd: ${fmt(HERD_INSTALLATIONS)} licenses stored in ${(provisionMs / 1000).toFixed(0)} s`);
    const env = { TELEMETRY_KEK: kek, TELEMETRY_ACCEPTED_VERSIONS: '1', DATABASE_URL: cluster.url, DATA_DIR: '' };

    const rows: Row[] = [];
    const times: number[] = [];
    let peak = 0;
    let stored = 0;
    for (const run of RUNS) {
      const servers: ServerProcess[] = await Promise.all([startServerProcess(tmpdir(), env, children), startServerProcess(tmpdir(), env, children)]);
      let result: HerdResult;
      let memory: number[];
      try {
        result = await runHerd(planHerd(fleet, run.last, run.now), { baseUrls: servers.map((s) => s.url), arrival: run.arrival, scale: HERD_SCALE, maxOpen: HERD_MAX_OPEN, retries: 100 });
        memory = servers.map((s) => s.peakResidentBytes() ?? 0);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
      const bad = Object.keys(result.answers).filter((a) => !['201', '200', '503 overloaded'].includes(a));
      if (result.delivered !== HERD_INSTALLATIONS || bad.length > 0 || result.timeouts > 0 || result.refusedWithoutRetryAfter > 0) {
        throw new Error(`bench: the herd (${run.arrival}) delivered ${result.delivered} of ${HERD_INSTALLATIONS} windows; answers ${JSON.stringify(result.answers)}; timeouts ${result.timeouts}; refusals without Retry-After ${result.refusedWithoutRetryAfter}; ${[...result.failures, ...result.unanswered].join('; ')}`);
      }
      stored += HERD_INSTALLATIONS;
      const check = new pg.Client({ connectionString: cluster.url });
      await check.connect();
      try {
        const { rows: counted } = await check.query<{ n: number; windows: number }>('SELECT count(*)::int AS n, count(DISTINCT (license_id, period_start, period_end))::int AS windows FROM telemetry_reports');
        if (counted[0]!.n !== stored || counted[0]!.windows !== stored) throw new Error(`bench: the herd (${run.arrival}): ${counted[0]!.n} rows, ${counted[0]!.windows} windows stored, expected ${stored} of each`);
      } finally {
        await check.end();
      }
      const mib = Math.max(...memory) / 2 ** 20;
      peak = Math.max(peak, mib);
      times.push(result.lastStoredMs);
      const refused = result.answers['503 overloaded'] ?? 0;
      const count = (n: number) => n.toLocaleString('en-US');
      const line = `${count(result.answers['201'] ?? 0)} × 201, ${count(result.answers['200'] ?? 0)} × 200, ${count(refused)} × 503 with Retry-After; at most ${result.maxAttempts} ${result.maxAttempts === 1 ? 'attempt' : 'attempts'} for one installation; peak resident memory ${memory.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(' and ')}`;
      log(`herd (${run.arrival}): last window stored after ${(result.lastStoredMs / 1000).toFixed(1)} s; ${line}`);
      rows.push({ name: run.arrival === 'spread' ? `each at its moment (the hour in ${fmt(3600 / HERD_SCALE)} s)` : 'all at once', value: result.lastStoredMs / 1000, unit: 's until the last window is stored', ratio: 0, note: line });
    }
    const [spreadMs, atOnceMs] = times as [number, number];
    for (const row of rows) (row as { ratio: number }).ratio = (row.value * 1000) / atOnceMs;
    return { rows, spreadMs, atOnceMs, peakMiB: peak, provisionMs };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await cluster.remove();
  }
}
