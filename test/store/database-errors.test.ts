/**
 * Database failures as a server answers them: what is the database's and
 * passes (503 with Retry-After), what is the report's (a final 422), what is
 * neither (500); the pool's connection errors never end the process; the
 * example server's health check and its answers when the store fails.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { freePort } from '../../scripts/dev/postgres-cluster.js';
import { isReportRefusal, isTransientDatabaseError } from '../../src/store/database-errors.js';
import type { PostgresStore } from '../../src/store/store.js';
import { StoreError, createPostgresStore, storeFailureResponse } from '../../src/store-postgres.js';
import { ingest } from '../../src/server.js';
import { sendTelemetry } from '../../src/uploader.js';
import { freshSchema, openPglite, postgresUrl } from '../support/databases.js';
import { KEY_A, built } from '../wire/support.js';
import { testKeyring } from '../support/keyring.js';

const url = postgresUrl();

/** What `client.query(sql)` rejects with. */
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('isTransientDatabaseError', () => {
  it('calls a refused connection transient', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, max: 1 });
    const error = await failureOf(pool.query('SELECT 1'));
    await pool.end();
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.skipIf(url === undefined)('calls a connection killed by pg_terminate_backend transient, and a bad statement or value not', async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    const syntax = await failureOf(client.query('SELEC 1'));
    const value = await failureOf(client.query("SELECT '0000-01-01T00:00:00Z'::timestamptz"));
    const killed = await failureOf(client.query('SELECT pg_terminate_backend(pg_backend_pid())'));
    await client.end().catch(() => undefined);
    expect([syntax, value, killed].map((e) => (e as { code?: string }).code)).toEqual(['42601', '22008', '57P01']);
    expect([syntax, value, killed].map(isTransientDatabaseError)).toEqual([false, false, true]);
    expect([syntax, value, killed].map(isReportRefusal)).toEqual([false, true, false]);
  });
});

describe('storeFailureResponse', () => {
  it('answers 503 with Retry-After when a window is erased between its insert and its read, each time it tries', async () => {
    const request = await built({ now: () => Date.now() });
    const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k', secret: KEY_A }], acceptedVersions: [1] });
    if (!result.ok || result.kind !== 'report') throw new Error('fixture: ingest refused the report');
    // A client whose insert finds the window present and whose read finds it gone: forget ran in between, each time.
    // The data key comes from a real database: only the reports table races.
    const keys = await openPglite();
    const statements: string[] = [];
    const racing = {
      query: async (text: string, params?: unknown[]) => {
        if (/telemetry_data_keys|telemetry_kek_in_force/.test(text)) return keys.query<Record<string, unknown>>(text, params);
        statements.push(text.trim().split(/\s+/)[0]!);
        return { rows: [] };
      },
    };
    await createPostgresStore(keys, { keyring: testKeyring }).migrate();
    const thrown = await failureOf(createPostgresStore(racing, { keyring: testKeyring }).put(result));
    await keys.close();
    // The window's month is created once (DO), then each try inserts (WITH) and reads (SELECT).
    expect(statements).toEqual(['DO', 'WITH', 'SELECT', 'WITH', 'SELECT', 'WITH', 'SELECT']);
    expect(thrown).toMatchObject({ rule: 'unavailable', message: expect.stringMatching(/was erased while it was being stored \(unavailable\); send it again$/) });
    expect(storeFailureResponse(thrown)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });

  it('answers a database out of reach 503 with Retry-After, whether the store or the driver says so', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, max: 1 });
    const thrown = await failureOf(createPostgresStore(pool, { keyring: testKeyring }).ping());
    await pool.end();
    expect(thrown).toBeInstanceOf(StoreError);
    expect(thrown).toMatchObject({ rule: 'unavailable', message: expect.stringMatching(/^ping: the database cannot be reached now: .*\(unavailable\)/) });
    for (const error of [thrown, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })]) {
      const answer = storeFailureResponse(error);
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(JSON.parse(answer.body)).toEqual({ error: { rule: 'database-unavailable', message: expect.stringMatching(/^server: cannot reach its database; .* \(database-unavailable\)$/) } });
    }
  });

  it('answers a value the database refuses with a final 422 unstorable, and anything else 500, saying nothing of the cause', () => {
    for (const rule of ['constraint', 'value']) {
      const answer = storeFailureResponse(new StoreError(rule, 'put: the database refused the report by check constraint x (constraint)'));
      expect(answer.status).toBe(422);
      expect(JSON.parse(answer.body).error.rule).toBe('unstorable');
      expect(answer.body).not.toContain('check constraint');
    }
    const other = storeFailureResponse(new StoreError('database', 'put: the database failed: relation "telemetry_reports" does not exist [42P01] (database)'));
    expect(other.status).toBe(500);
    expect(other.body).not.toContain('telemetry_reports');
  });
});

describe.skipIf(url === undefined)('a store on a pg Pool', () => {
  it('survives the death of its idle connections, tells onConnectionError, and the next query reconnects', async () => {
    // Its own application name: the cluster is shared with other test files, whose connections must live.
    const name = `faults-${process.pid}`;
    const pool = new pg.Pool({ connectionString: url, max: 4, application_name: name });
    const failures: string[] = [];
    const store = createPostgresStore(pool, { schema: freshSchema('faults'), keyring: testKeyring, onConnectionError: (error) => failures.push(error.message) });
    await store.migrate();
    // Four connections, then idle in the pool.
    await Promise.all(Array.from({ length: 4 }, () => pool.query('SELECT pg_sleep(0.05)')));
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    const { rows } = await killer.query('SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]);
    await killer.end();
    expect(rows[0]).toEqual({ n: 4 });
    for (let i = 0; i < 100 && failures.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures).toHaveLength(4);
    expect(failures[0]).toMatch(/terminat/);
    await expect(store.ping()).resolves.toBeUndefined();
    await pool.end();
  });
});

describe('the example server when its store fails', () => {
  let failure: unknown;
  let server: Awaited<ReturnType<typeof startTelemetryServer>>;
  beforeAll(async () => {
    const real = createPostgresStore(await openPglite(), { keyring: testKeyring });
    await real.migrate();
    // The real store, with put and ping failing on demand.
    const store: PostgresStore = {
      ...real,
      migrate: () => real.migrate(),
      get: (key) => real.get(key),
      purge: (now, options) => real.purge(now, options),
      forget: (request) => real.forget(request),
      put: (result) => (failure === undefined ? real.put(result) : Promise.reject(failure)),
      ping: () => (failure === undefined ? real.ping() : Promise.reject(failure)),
    };
    server = await startTelemetryServer({ vendorWideKeys: [{ id: 'k', secret: KEY_A }], acceptedVersions: [1], store, purgeIntervalMs: 0 });
  }, 60_000);
  afterAll(() => server?.close());

  const once = { retries: 0, sleep: async () => {}, timeoutMs: 5000, allowHttpLoopback: true };

  it('answers 503 database-unavailable with Retry-After while the database is away, and /healthz 503 too', async () => {
    failure = new StoreError('unavailable', 'put: the database cannot be reached now: connect ECONNREFUSED [ECONNREFUSED] (unavailable)');
    const result = await sendTelemetry(await built({ now: () => Date.now() }), { baseUrl: server.url, ...once });
    expect(result).toMatchObject({ ok: false, status: 503, error: { rule: 'retries-exhausted' } });
    expect(result.attempts).toEqual([expect.objectContaining({ status: 503, rule: 'database-unavailable' })]);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('5');
    expect(await health.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
  });

  it('answers a report the database refuses with a final 422 unstorable, which the uploader does not retry', async () => {
    failure = new StoreError('constraint', 'put: the database refused the report by check constraint rule_period_order (constraint)');
    const result = await sendTelemetry(await built({ now: () => Date.now() }), { baseUrl: server.url, allowHttpLoopback: true, retries: 3, sleep: async () => {}, timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: false, status: 422, error: { rule: 'unstorable' } });
    expect(result.attempts).toHaveLength(1);
  });

  it('says healthy on /healthz once the database answers, and stores again', async () => {
    failure = undefined;
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'reachable' });
    expect((await sendTelemetry(await built({ now: () => Date.now() }), { baseUrl: server.url, ...once })).status).toBe(201);
  });
});
