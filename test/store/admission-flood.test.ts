/**
 * The example server flooded, as an operator runs it (`tsx examples/server.ts`
 * on PostgreSQL, TELEMETRY_MAX_IN_FLIGHT=4): a fleet sends its windows all at
 * once while the database is slow. Every answer is 201, 200, or 503 with a
 * Retry-After; every refused window is then sent by the package's own
 * `sendTelemetry`, which waits what Retry-After says, until the server has it;
 * and every window is stored exactly once. The database is made slow by a
 * lock on the reports table that the test holds: the first four reports wait
 * inside the server for it, which fills the places whatever the machine's
 * speed, so every other one is refused (docs/wire-protocol.md, "Admission
 * control").
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendTelemetry, type TelemetryRequest } from '../../src/uploader.js';
import { freshDatabase, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { TEST_KEK } from '../support/keyring.js';
import { KEY_A, built, counts } from '../wire/support.js';

/** Installations arriving together, against 4 places: most are refused at first. */
const FLEET = 120;
const MAX_IN_FLIGHT = 4;
const DAY = 86_400_000;

let databaseUrl: string;
let server: RunningServer;

beforeAll(async () => {
  if (postgresUrl() === undefined) return;
  databaseUrl = await freshDatabase('flood');
  server = await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_VENDOR_WIDE_SECRET: KEY_A, TELEMETRY_KEK: TEST_KEK, TELEMETRY_ACCEPTED_VERSIONS: '1', TELEMETRY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) });
}, 60_000);
afterAll(() => killExampleServers());

/** Installation i's window: the day 2026-01-01 + i days, on UTC midnights. */
function windowOf(i: number) {
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().replace('.000Z', 'Z');
  return { ...counts(), periodStart: day(i), periodEnd: day(i + 1) };
}

describe.skipIf(postgresUrl() === undefined)('the example server on PostgreSQL under a flood', () => {
  it('answers only 201, 200 or 503 with Retry-After, and sendTelemetry delivers every refused window; each stored once', { timeout: 120_000 }, async () => {
    expect(server.output()).toContain(`at most ${MAX_IN_FLIGHT} reports in flight`);
    const requests: TelemetryRequest[] = await Promise.all(Array.from({ length: FLEET }, (_, i) => built({ now: () => Date.now(), version: 1 } as Parameters<typeof built>[0], windowOf(i))));

    // The database, slow: the reports table locked until the test lets go.
    const lock = new pg.Client({ connectionString: databaseUrl });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE telemetry_reports IN ACCESS EXCLUSIVE MODE');
    // All at once, each on its own connection.
    let answered = 0;
    const pending = requests.map(async (r) => {
      const response = await fetch(`${server.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body, signal: AbortSignal.timeout(60_000) });
      const body = (await response.json()) as { error?: { rule: string } };
      answered++;
      return { request: r, status: response.status, retryAfter: response.headers.get('retry-after'), rule: body.error?.rule };
    });
    // Four wait for the database inside the server; every other one is answered at once, not queued behind them.
    await expect.poll(() => answered, { timeout: 30_000 }).toBe(FLEET - MAX_IN_FLIGHT);
    await lock.query('ROLLBACK');
    await lock.end();
    const answers = await Promise.all(pending);
    for (const answer of answers) {
      expect([200, 201, 503]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.retryAfter).toMatch(/^[1-9][0-9]*$/);
        expect(answer.rule).toBe('overloaded');
      }
    }
    const refused = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(MAX_IN_FLIGHT);
    expect(refused).toHaveLength(FLEET - MAX_IN_FLIGHT);

    // The refused ones, again all at once, by the uploader: it waits what each Retry-After says and sends again.
    const sent = await Promise.all(refused.map((a) => sendTelemetry(a.request, { baseUrl: server.url, allowHttpLoopback: true, retries: 40, timeoutMs: 30_000 })));
    for (const result of sent) {
      expect(result).toMatchObject({ ok: true, status: 201 });
      for (const attempt of result.attempts) {
        expect([201, 503]).toContain(attempt.status);
        // A refused attempt waited whole seconds, as the server's Retry-After said, not the uploader's own backoff.
        if (attempt.status === 503) expect(attempt.delayMs! % 1000 === 0 && attempt.delayMs! >= 1000).toBe(true);
      }
    }

    expect(await server.stop()).toBe(0);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      const { rows } = await pool.query<{ n: number; keys: number }>('SELECT count(*)::int AS n, count(DISTINCT dedupe_key)::int AS keys FROM telemetry_reports');
      expect(rows[0]).toEqual({ n: FLEET, keys: FLEET });
    } finally {
      await pool.end();
    }
  });

  it('refuses to start with a TELEMETRY_MAX_IN_FLIGHT that is not a whole number, in one line', async () => {
    const failed = (await startExampleServer({ DATABASE_URL: databaseUrl, TELEMETRY_VENDOR_WIDE_SECRET: KEY_A, TELEMETRY_KEK: TEST_KEK, TELEMETRY_ACCEPTED_VERSIONS: '1', TELEMETRY_MAX_IN_FLIGHT: 'lots' }).catch((e: unknown) => e)) as { code: number; output: string };
    expect(failed.code).toBe(2);
    expect(failed.output).toBe('examples/server.ts: TELEMETRY_MAX_IN_FLIGHT: must be a whole number from 1 to 999999, the reports worked on at once (admission-config)\n');
  });
});
