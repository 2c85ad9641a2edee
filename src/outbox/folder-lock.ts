/**
 * One flusher at a time per outbox folder, across processes: a lock file
 * created with a hard link (atomic, and it never replaces an existing file).
 * The holder refreshes the file's time while it works. A lock whose process
 * is gone (same host, process id no longer alive) or whose time has not moved
 * for `staleMs` is stale: the next flusher takes it over instead of waiting
 * forever. Taking over moves the stale file aside by rename (only one process
 * can move one file) and checks that it moved the lock it judged stale; a
 * holder checks that the lock is still its own before every send.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LockHolder, LockResult } from './storage.js';
import { tempName, writeTemp } from './durable-file.js';

/** A lock untouched this long is stale even when its process seems alive (another host, a reused process id). */
export const DEFAULT_LOCK_STALE_MS = 60_000;

interface LockFile {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly since: string;
}

function parseLock(text: string): LockFile | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockFile>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' && typeof value.since === 'string') return value as LockFile;
  } catch {
    // A damaged lock file holds nobody.
  }
  return undefined;
}

/** Whether a process id is alive on this host; a process of another user counts as alive (EPERM). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<{ readonly lock: LockFile | undefined; readonly mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { lock: parseLock(text), mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function holderOf(found: { readonly lock: LockFile | undefined } | undefined): LockHolder {
  const lock = found?.lock;
  return lock === undefined ? {} : { pid: lock.pid, host: lock.host, since: lock.since };
}

function isStale(found: { readonly lock: LockFile | undefined; readonly mtimeMs: number }, staleMs: number, nowMs: number): boolean {
  if (found.lock === undefined) return true;
  if (found.lock.host === hostname() && !processAlive(found.lock.pid)) return true;
  return nowMs - found.mtimeMs > staleMs;
}

/**
 * Takes the lock at `path`, or says who holds it. `tmpDir` must be on the same
 * file system (the lock is written there first, then linked into place).
 */
export async function acquireFolderLock(path: string, { tmpDir, staleMs = DEFAULT_LOCK_STALE_MS }: { readonly tmpDir: string; readonly staleMs?: number }): Promise<LockResult> {
  const mine: LockFile = { pid: process.pid, host: hostname(), token: randomBytes(16).toString('hex'), since: new Date().toISOString() };
  // Not synced: a lock need not survive a power cut, only a crash of its process, and the page cache sees to that.
  const temp = await writeTemp(tmpDir, JSON.stringify(mine), 'lock', { sync: false });
  try {
    // A few rounds: each lost race against another taker starts over.
    for (let round = 0; round < 4; round++) {
      try {
        await link(temp, path);
        return { ok: true, lock: heldLock(path, mine.token, staleMs) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = await readLock(path);
      if (found === undefined) continue;
      if (!isStale(found, staleMs, Date.now())) return { ok: false, holder: holderOf(found) };
      const aside = tempName(tmpDir, 'stale');
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = await readLock(aside);
      if (moved?.lock?.token !== found.lock?.token) {
        // Another taker was faster and this moved its fresh lock: put it back, and it holds the lock.
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        return { ok: false, holder: holderOf(moved) };
      }
      await unlink(aside).catch(() => undefined);
    }
    return { ok: false, holder: holderOf(await readLock(path)) };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function heldLock(path: string, token: string, staleMs: number): { stillHeld(): Promise<boolean>; release(): Promise<void> } {
  const stillHeld = async (): Promise<boolean> => {
    try {
      return (await readLock(path))?.lock?.token === token;
    } catch {
      return false;
    }
  };
  // The heartbeat keeps the lock fresh through long waits between attempts.
  const heartbeat = setInterval(() => {
    void stillHeld().then((held) => (held ? utimes(path, new Date(), new Date()) : undefined)).catch(() => undefined);
  }, Math.max(50, Math.floor(staleMs / 4)));
  heartbeat.unref();
  let released = false;
  return {
    stillHeld,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      if (await stillHeld()) await unlink(path).catch(() => undefined);
    },
  };
}

/** The lock file's name in an outbox folder. */
export const lockPath = (dir: string): string => join(dir, 'flush.lock');
