/**
 * Group commit, on PGlite and on a real PostgreSQL server: the reports of
 * concurrent `put` calls go in one statement, and each call is answered
 * exactly as it would be had the calls come one after another (201 new, 200
 * the same report again, 409 window-conflict, 409 window-overlap, a refusal of
 * its own), a bad row failing no other, a database that goes away failing
 * each with the retryable error.
 */
import { describe, expect, it, vi } from 'vitest';
import type { IngestSuccess } from '../../src/server/ingest.js';
import { type QueryClient, StoreError } from '../../src/store/database.js';
import { type PostgresStore, createPostgresStore } from '../../src/store-postgres.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { testKeyring } from '../support/keyring.js';
import { windowReport } from '../support/window-report.js';

const RECEIVED = new Date('2026-12-07T01:00:00Z');

const report = windowReport;

/** What a caller heard: the status and the error's rule, or the rule of the StoreError it was refused with. */
async function answer(put: Promise<Awaited<ReturnType<PostgresStore['put']>>>): Promise<string> {
  try {
    const a = await put;
    return a.status === 409 ? `409 ${a.error.rule}` : `${a.status}`;
  } catch (error) {
    return `refused ${error instanceof StoreError ? error.rule : String(error)}`;
  }
}

const isInsert = (text: string) => text.startsWith('WITH report AS (INSERT');
/** Rows of a report insert: one VALUES tuple each. */
const rowsOf = (text: string) => text.split('VALUES ')[1]!.split(' ON CONFLICT')[0]!.split('), (').length;

/**
 * The client, with each report insert's row count recorded, the first insert once armed held until `release`
 * (so the calls behind it gather), and a failure to inject into the next multi-row insert.
 */
function observed(client: QueryClient) {
  const statements: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let armed = false;
  let held = false;
  let fail: Error | undefined;
  const wrapped: QueryClient = {
    query: async (text, params) => {
      if (isInsert(text)) {
        statements.push(rowsOf(text));
        if (armed && !held) {
          held = true;
          await gate;
        }
        if (fail !== undefined && rowsOf(text) > 1) {
          const error = fail;
          fail = undefined;
          throw error;
        }
      }
      return client.query(text, params);
    },
  };
  return { wrapped, statements, release, arm: () => (armed = true), failNext: (error: Error) => (fail = error), heldYet: () => held };
}

const waiting = (store: PostgresStore) => (store as unknown as { writer: { waiting: number } }).writer.waiting;

const backends = storeBackends(8);

describe.each(backends)('group commit on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  /** A store in a schema of its own over `over` (the client itself unless given). */
  const fresh = async (over?: QueryClient) => {
    const schema = freshSchema('gc');
    const store = createPostgresStore(over ?? client, { schema, keyring: testKeyring, now: () => RECEIVED });
    await store.migrate();
    return { store, schema };
  };
  const stored = async (schema: string) =>
    (await client.query(`SELECT dedupe_key, body_digest FROM ${schema}.telemetry_reports ORDER BY dedupe_key`)).rows.map((r) => `${String(r['dedupe_key'])} ${String(r['body_digest'])}`);
  const windows = async (schema: string) => (await client.query(`SELECT dedupe_key FROM ${schema}.telemetry_windows ORDER BY dedupe_key`)).rows.map((r) => String(r['dedupe_key']));

  /**
   * Puts `before` one after another, then a blocker whose statement is held until every report of `batch`
   * has reached the writer, in order, so they gather behind it; returns the answers to `batch` and the row counts of
   * the insert statements.
   */
  async function together(before: readonly IngestSuccess[], blocker: IngestSuccess, batch: readonly IngestSuccess[], failNext?: Error) {
    const o = observed(client);
    const { store, schema } = await fresh(o.wrapped);
    for (const r of before) await store.put(r);
    o.statements.length = 0;
    o.arm();
    const first = answer(store.put(blocker));
    await vi.waitFor(() => expect(o.heldYet()).toBe(true), { timeout: 10_000 });
    if (failNext !== undefined) o.failNext(failNext);
    // Each reaches the writer before the next is sent, so they arrive in the order given (sealing takes each its own time).
    const answers: Promise<string>[] = [];
    for (const r of batch) {
      answers.push(answer(store.put(r)));
      await vi.waitFor(() => expect(waiting(store)).toBe(answers.length), { timeout: 10_000 });
    }
    o.release();
    expect(await first).toBe('201');
    return { answers: await Promise.all(answers), statements: o.statements, schema, store };
  }

  /** The same puts one after another, on a store of their own. */
  async function oneByOne(before: readonly IngestSuccess[], blocker: IngestSuccess, batch: readonly IngestSuccess[]) {
    const { store, schema } = await fresh();
    for (const r of before) await store.put(r);
    await store.put(blocker);
    const answers: string[] = [];
    for (const r of batch) answers.push(await answer(store.put(r)));
    return { answers, schema };
  }

  it.skipIf(skip)('answers a batch of new, duplicate, conflicting, overlapping and refused windows exactly as one put after another would', async () => {
    const nov = ['2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'] as const;
    const before = [await report('lic-a', ...nov), await report('lic-b', ...nov)];
    const blocker = await report('lic-z', ...nov);
    const refused = await report('lic-g', ...nov);
    const batch = [
      await report('lic-c', ...nov), // new
      await report('lic-c', ...nov), // the same report again, in the same batch
      await report('lic-c', ...nov, { activeSeats: 1 }), // another body of that window, in the same batch
      before[0]!, // the same report as one stored
      await report('lic-a', ...nov, { activeSeats: 2 }), // another body of a stored window
      await report('lic-d', ...nov), // new
      await report('lic-d', '2026-11-10T00:00:00Z', '2026-11-20T00:00:00Z'), // overlaps the one before it in the batch
      await report('lic-b', '2026-11-10T00:00:00Z', '2026-11-20T00:00:00Z'), // overlaps a stored window
      await report('lic-e', '2026-11-16T00:00:00Z', '2026-12-01T00:00:00Z'), // new
      await report('lic-e', ...nov), // new: ends where the one before it starts
      { ...refused, payload: { ...refused.payload, activeSeats: -1 } } as IngestSuccess, // a value the table refuses
      await report('lic-f', ...nov), // new, after the refused one
    ];
    const grouped = await together(before, blocker, batch);
    const sequential = await oneByOne(before, blocker, batch);
    expect(grouped.answers).toEqual(['201', '200', '409 window-conflict', '200', '409 window-conflict', '201', '409 window-overlap', '409 window-overlap', '201', '201', 'refused constraint', '201']);
    expect(grouped.answers).toEqual(sequential.answers);
    expect(await stored(grouped.schema)).toEqual(await stored(sequential.schema));
    expect(await windows(grouped.schema)).toEqual(await windows(sequential.schema));
    // Reports gathered behind the blocker: a statement of several rows was tried.
    expect(Math.max(...grouped.statements)).toBeGreaterThan(1);
  }, 30_000);

  it.skipIf(skip)('writes 30 concurrent new windows in one statement and answers each 201, the duplicates of stored ones 200', async () => {
    const before = [await report('lic-s', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')];
    const blocker = await report('lic-z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    const batch = [
      ...(await Promise.all(Array.from({ length: 30 }, (_, i) => report(`lic-n${i}`, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')))),
      before[0]!,
    ];
    const { answers, statements, schema } = await together(before, blocker, batch);
    expect(answers).toEqual([...batch.slice(0, 30).map(() => '201'), '200']);
    expect(statements).toEqual([1, 31]);
    expect(await stored(schema)).toHaveLength(32);
    expect(await windows(schema)).toHaveLength(32);
  }, 30_000);

  it.skipIf(skip)('fails every report of a statement the database dropped with the retryable error, stores none of them, and stores each when sent again', async () => {
    const blocker = await report('lic-z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    const batch = await Promise.all(Array.from({ length: 5 }, (_, i) => report(`lic-u${i}`, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')));
    const dropped = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const { answers, schema, store } = await together([], blocker, batch, dropped);
    expect(answers).toEqual(batch.map(() => 'refused unavailable'));
    expect(await stored(schema)).toHaveLength(1);
    expect(await Promise.all(batch.map((r) => answer(store.put(r))))).toEqual(batch.map(() => '201'));
    expect(await windows(schema)).toHaveLength(6);
  }, 30_000);

  it.skipIf(skip)('writes each report by a statement of its own with groupCommit.maxRows 1', async () => {
    const o = observed(client);
    const schema = freshSchema('gc');
    const store = createPostgresStore(o.wrapped, { schema, keyring: testKeyring, now: () => RECEIVED, groupCommit: { maxRows: 1 } });
    await store.migrate();
    const batch = await Promise.all(Array.from({ length: 6 }, (_, i) => report(`lic-m${i}`, '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')));
    expect(await Promise.all(batch.map((r) => answer(store.put(r))))).toEqual(batch.map(() => '201'));
    expect(o.statements).toEqual(batch.map(() => 1));
    expect(() => createPostgresStore(client, { keyring: testKeyring, groupCommit: { maxRows: 0 } })).toThrow(/groupCommit.maxRows must be an integer from 1 to 1000, got 0 \(groupCommit\)/);
  }, 30_000);
});
