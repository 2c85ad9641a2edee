/**
 * The 02:00 herd at a size that fits `npm test` (the bench runs 100,000):
 * 5,000 installations, each with a license of its own in the license store,
 * send their twice-monthly window at the moment the schedule gives each
 * (02:00 UTC plus the license's offset within the hour, the hour compressed
 * 300 times), through the package's own `sendTelemetry` and its retries,
 * against two example server processes on one PostgreSQL database, each
 * admitting 4 reports at a time. The database is slow at first (the test
 * holds a lock on the reports table until a report has been refused), so
 * refusals happen on any machine. Every answer is 201, 200 or 503 with a
 * Retry-After, no attempt times out, and every window is stored exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Installation, type Planned, planHerd, provisionHerd, runHerd } from '../../scripts/dev/herd.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { freshDatabase, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { TEST_KEK, testKeyring } from '../support/keyring.js';

const INSTALLATIONS = 5_000;
const MAX_IN_FLIGHT = 4;
/** The send interval's hour in 12 s. */
const SCALE = 300;
/** Each installation reported the first half of October; on 1 November at 03:00 the second half is due. */
const LAST = { periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-10-15T00:00:00Z' };
const NOW = Date.UTC(2026, 10, 1, 3);

let databaseUrl: string;
let pool: pg.Pool;
let fleet: Installation[];
let servers: RunningServer[];

beforeAll(async () => {
  if (postgresUrl() === undefined) return;
  databaseUrl = await freshDatabase('herd');
  pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  await createPostgresStore(pool, { keyring: testKeyring }).migrate();
  fleet = await provisionHerd(pool, testKeyring, INSTALLATIONS);
  const env = { DATABASE_URL: databaseUrl, TELEMETRY_KEK: TEST_KEK, TELEMETRY_ACCEPTED_VERSIONS: '1', TELEMETRY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) };
  servers = await Promise.all([startExampleServer(env), startExampleServer(env)]);
}, 120_000);
afterAll(async () => {
  killExampleServers();
  await pool?.end();
});

describe.skipIf(postgresUrl() === undefined)('the 02:00 herd against two example servers on PostgreSQL', () => {
  it('stores every window of 5,000 installations exactly once, answering only 201, 200 or 503 with Retry-After, with no client timeout', { timeout: 180_000 }, async () => {
    const planned: Planned[] = planHerd(fleet, LAST, NOW);
    expect(new Set(planned.map((p) => `${p.window.periodStart}/${p.window.periodEnd}`))).toEqual(new Set(['2026-10-15T00:00:00Z/2026-11-01T00:00:00Z']));

    // The database, slow at first: the reports table locked until the first refusal.
    const lock = new pg.Client({ connectionString: databaseUrl });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE telemetry_reports IN ACCESS EXCLUSIVE MODE');
    let released: Promise<unknown> | undefined;
    const result = await runHerd(planned, {
      baseUrls: servers.map((s) => s.url),
      arrival: 'spread',
      scale: SCALE,
      maxOpen: 256,
      retries: 40,
      onAnswer: (status) => {
        if (status === 503 && released === undefined) released = lock.query('ROLLBACK').then(() => lock.end());
      },
    });
    await released;

    expect(result.failures).toEqual([]);
    expect(result.delivered).toBe(INSTALLATIONS);
    expect(result.timeouts).toBe(0);
    expect(Object.keys(result.answers).filter((answer) => !['201', '200', '503 overloaded'].includes(answer))).toEqual([]);
    expect(result.answers['503 overloaded']).toBeGreaterThan(0);
    // Every refusal's wait was the server's Retry-After (whole seconds), not the uploader's own backoff.
    expect(result.refusedWithoutRetryAfter).toBe(0);

    for (const server of servers) expect(server.output()).toContain(`at most ${MAX_IN_FLIGHT} reports in flight`);
    expect(await Promise.all(servers.map((s) => s.stop()))).toEqual([0, 0]);
    const { rows } = await pool.query<{ license_id: string; period_start: string; period_end: string }>('SELECT license_id, period_start, period_end FROM telemetry_reports');
    expect(rows).toHaveLength(INSTALLATIONS);
    const stored = new Map(rows.map((r) => [r.license_id, `${r.period_start}/${r.period_end}`]));
    expect(stored.size).toBe(INSTALLATIONS);
    for (const p of planned) expect(stored.get(p.installation.licenseId)).toBe(`${p.window.periodStart}/${p.window.periodEnd}`);
  });
});
