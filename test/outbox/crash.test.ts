/**
 * The outbox under SIGKILL: a child process enqueues and flushes against the
 * example server over HTTP and is killed at random moments. After every kill
 * the outbox must open cleanly (left-over temporary files removed, no record
 * unreadable, a dead flusher's lock taken over), and every window whose
 * enqueue returned must be pending, or stored by the server exactly once with
 * the bytes enqueued. The kill schedule comes from a seed printed with the
 * result: OUTBOX_CRASH_SEED=<seed> replays it, OUTBOX_CRASH_KILLS=<n> changes
 * how many kills (default 200).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryServer } from '../../examples/server.js';
import { type FlushResult, type OutboxRecord, openOutbox } from '../../src/outbox.js';
import type { PostgresStore } from '../../src/store-postgres.js';
import { KEY_A, LICENSE, scratchDir } from './support.js';
import { FIXTURE_SOFTWARE } from '../wire/support.js';
import { bundleChild, countingStore, results, runChild, watchedServer } from './processes.js';

const KILLS = Number(process.env['OUTBOX_CRASH_KILLS'] ?? 200);
const SEED = Number(process.env['OUTBOX_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/** Kills per folder: then everything is flushed and checked end to end, and a fresh folder starts. */
const KILLS_PER_FOLDER = 25;

/** mulberry32: a small seeded generator, so a kill schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const records = (dir: string): Map<string, OutboxRecord> =>
  new Map(readdirSync(join(dir, 'records')).map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, 'records', name), 'utf8')) as OutboxRecord]));

let child: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  // Two hundred process starts are CPU-bound: at the lowest priority (inherited by the children) they use
  // what the other test files leave, instead of pushing those past their time limits on two cores.
  setPriority(process.pid, 19);
  child = await bundleChild();
});
afterAll(() => child?.cleanup());

/** What the kills hit, summed over a run. */
interface Seen {
  kills: number;
  tempFilesRemoved: number;
  locksLeft: number;
  killedBeforeOpen: number;
  acknowledged: number;
  deliveredBeforeKill: number;
}

const note = () => `seed ${SEED} (OUTBOX_CRASH_SEED=${SEED} replays the kill schedule)`;

/**
 * One lane of kills: its own folders and windows, its own generator (seed +
 * lane), so lanes can run side by side and a seed still names a schedule.
 */
async function lane(index: number, kills: number, server: { url: string; store: PostgresStore }, stores: Map<string, number>, seen: Seen): Promise<void> {
  const next = random(SEED + index);
  // Day windows: lanes 10,000 days (27 years) apart stay within the contract's years and never meet.
  let firstWindow = index * 10_000;
  let done = 0;
  while (done < kills) {
    const { dir, cleanup } = scratchDir('crash');
    try {
      const acknowledged = new Map<number, string>();
      for (let k = 0; k < KILLS_PER_FOLDER && done < kills; k++, done++) {
        const run = runChild(child.file, 'crash', { dir, secret: KEY_A, baseUrl: server.url, first: firstWindow, transport: 'http' });
        // One kill in ten lands while the process starts and opens the outbox (recovery included);
        // the others up to 60 ms after it opened, one in five up to 200 ms, deep into a flush.
        const draw = next();
        if (draw < 0.1) {
          await new Promise((resolve) => setTimeout(resolve, 30 + next() * 60));
        } else {
          await run.waitFor(/^open /).catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, next() * (draw < 0.3 ? 200 : 60)));
        }
        run.process.kill('SIGKILL');
        const end = await run.exited;
        expect(end.signal, `${note()}: the child ended on its own: ${end.stderr}`).toBe('SIGKILL');
        seen.kills++;
        if (!run.lines.some((line) => line.startsWith('open '))) seen.killedBeforeOpen++;
        for (const line of run.lines) {
          const queued = /^queued (\d+) (msg_[0-9a-f]{64})$/.exec(line);
          if (queued) acknowledged.set(Number(queued[1]), queued[2]!);
          expect(line, note()).not.toMatch(/^refused /);
        }
        firstWindow = Math.max(firstWindow, ...[...acknowledged.keys()].map((i) => i + 1));
        seen.locksLeft += existsSync(join(dir, 'flush.lock')) ? 1 : 0;

        // Opening after the kill: clean, whatever the kill interrupted.
        const outbox = await openOutbox({ dir, saveSettings: false });
        seen.tempFilesRemoved += outbox.opened.tempFilesRemoved;
        expect(outbox.opened.setAside, `${note()}: unreadable records after a kill`).toEqual([]);
        expect(readdirSync(join(dir, 'tmp')), `${note()}: temporary files left after opening`).toEqual([]);
        const onDisk = records(dir);
        for (const [i, id] of acknowledged) {
          const record = onDisk.get(id);
          expect(record, `${note()}: window ${i} (${id}) was acknowledged but is gone`).toBeDefined();
          expect(['pending', 'delivered'], `${note()}: window ${i}`).toContain(record!.state);
          if (record!.state === 'delivered') {
            expect(stores.get(record!.dedupeKey), `${note()}: window ${i} delivered but not stored once`).toBe(1);
            expect((await server.store.get(record!.dedupeKey))!.payload, note()).toEqual(JSON.parse(record!.body));
          }
        }
      }
      seen.acknowledged += acknowledged.size;
      seen.deliveredBeforeKill += [...records(dir).values()].filter((r) => r.state === 'delivered').length;

      // Everything acknowledged reaches the server, once, byte for byte, and the log has one delivery per window.
      const final = await openOutbox({ dir, signingSecrets: [KEY_A], baseUrl: server.url, allowHttpLoopback: true, retries: 1, delays: () => 0, saveSettings: false });
      const flushed: FlushResult = await final.flush();
      expect(flushed.ok, `${note()}: ${JSON.stringify(flushed.error ?? flushed.pending)}`).toBe(true);
      const onDisk = records(dir);
      for (const [i, id] of acknowledged) {
        const record = onDisk.get(id)!;
        expect(record.state, `${note()}: window ${i}`).toBe('delivered');
        expect(stores.get(record.dedupeKey), `${note()}: window ${i}`).toBe(1);
        expect((await server.store.get(record.dedupeKey))!.payload).toEqual(JSON.parse(record.body));
      }
      const log = await final.history({ limit: 100_000 });
      expect(new Set(log.filter((e) => e.outcome === 'delivered').map((e) => e.messageId))).toEqual(new Set([...onDisk.values()].map((r) => r.messageId)));
    } finally {
      cleanup();
    }
  }
}

describe('the outbox killed with SIGKILL at random moments', () => {
  it(`loses no window and stores none twice over ${KILLS} kills`, { timeout: 180_000 }, async () => {
    const started = Date.now();
    const { store, stores } = countingStore();
    const server = await startTelemetryServer({ licenseKeys: new Map([[LICENSE, [{ id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], store, knownSoftware: FIXTURE_SOFTWARE });
    const seen: Seen = { kills: 0, tempFilesRemoved: 0, locksLeft: 0, killedBeforeOpen: 0, acknowledged: 0, deliveredBeforeKill: 0 };
    try {
      // Two lanes side by side: a child mostly waits on fsync and on start-up, so two keep both cores busy.
      await Promise.all([0, 1].map((i) => lane(i, Math.ceil(KILLS / 2) - (i === 1 && KILLS % 2 === 1 ? 1 : 0), server, stores, seen)));
      for (const count of stores.values()) expect(count, note()).toBe(1);
    } finally {
      await server.close();
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `outbox crash test: ${seen.kills} kills in ${seconds} s, ${note()}; ${seen.acknowledged} windows acknowledged, ${seen.deliveredBeforeKill} delivered between kills; ` +
        `kills that left a temporary file: ${seen.tempFilesRemoved}, a flush lock: ${seen.locksLeft}, or came before the outbox was open: ${seen.killedBeforeOpen}`,
    );
    expect(seen.kills).toBe(KILLS);
    // The kills must have hit the moments that matter, not only idle ones.
    expect(seen.tempFilesRemoved, note()).toBeGreaterThan(0);
    expect(seen.locksLeft, note()).toBeGreaterThan(0);
    expect(seen.acknowledged, note()).toBeGreaterThan(0);
  });
});

describe('two processes flushing one folder at once', () => {
  it('send each window once, never the same window at the same time, and log each delivery once', { timeout: 60_000 }, async () => {
    const { dir, cleanup } = scratchDir('two');
    const server = await watchedServer({ delayMs: 15 });
    try {
      const writer = runChild(child.file, 'enqueue', { dir, secret: KEY_A, baseUrl: server.url, windows: Array.from({ length: 12 }, (_, i) => i) });
      await writer.exited;
      expect(results(writer).every((r) => (r as { ok: boolean }).ok)).toBe(true);
      for (let round = 0; round < 3; round++) {
        const flushers = [0, 1].map(() => runChild(child.file, 'flush', { dir, secret: KEY_A, baseUrl: server.url }));
        await Promise.all(flushers.map((f) => f.exited));
        const [a, b] = flushers.map((f) => results<FlushResult>(f)[0]!);
        // One ran; the other found the lock taken (busy) or, started later, nothing left to send.
        expect([a, b].map((r) => r!.error?.rule ?? 'ran').sort()).toContain('ran');
        expect(a!.delivered.length + b!.delivered.length).toBe(round === 0 ? 12 : 1);
        if (round < 2) {
          const more = runChild(child.file, 'enqueue', { dir, secret: KEY_A, baseUrl: server.url, windows: [100 + round] });
          await more.exited;
        }
      }
      expect(server.overlaps()).toBe(0);
      expect([...server.stores.values()].every((count) => count === 1)).toBe(true);
      expect(server.stores.size).toBe(14);
      const outbox = await openOutbox({ dir, saveSettings: false });
      const log = await outbox.history({ limit: 1000 });
      expect(log.every((e) => e.outcome === 'delivered')).toBe(true);
      expect(log.map((e) => e.messageId).sort()).toEqual([...new Set(log.map((e) => e.messageId))].sort());
      expect(log).toHaveLength(14);
      expect(await outbox.status()).toMatchObject({ pending: 0, failed: 0, delivered: 14 });
    } finally {
      await server.close();
      cleanup();
    }
  });
});
