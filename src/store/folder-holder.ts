/**
 * Who holds a PGlite data folder. PGlite is PostgreSQL in one process: two
 * processes that open one folder each keep their own copy of it in memory,
 * and the one that writes last wins, so a change made by one is silently
 * undone by the other. Whoever opens a folder (the example server,
 * `telemetry-keys`) first writes `telemetry-holder.json` into it, created
 * exclusively and readable by its owner alone: its process id, its role, since
 * when, and for a server the loopback address and token of its admin
 * endpoint (./license-admin.ts), through which `telemetry-keys` reaches it
 * instead of opening the folder. A holder whose process is gone is stale and
 * is replaced. Node.js only.
 */
import { link, mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The holder file, inside the data folder. */
export const HOLDER_FILE = 'telemetry-holder.json';

/** The admin endpoint of a server that holds a folder: loopback only, and a token only the folder's owner can read. */
export interface AdminEndpoint {
  readonly url: string;
  readonly token: string;
}

/** A process that holds a data folder. */
export interface FolderHolder {
  readonly pid: number;
  readonly host: string;
  readonly role: 'server' | 'telemetry-keys';
  /** When it took the folder (ISO 8601). */
  readonly since: string;
  /** A server's admin endpoint, once it listens. */
  readonly admin?: AdminEndpoint;
}

/** A folder another live process holds; names it, never its token. */
export class FolderHeldError extends Error {
  readonly rule = 'folder-held';
  constructor(
    readonly folder: string,
    readonly holder: FolderHolder,
  ) {
    super(`${folder}: is held by ${describeHolder(holder)} (folder-held); PGlite is one process, so a second one would undo the first one's changes: ${holder.role === 'server' ? 'stop the server first, or let telemetry-keys reach it' : 'wait until it has finished'}`);
    this.name = 'FolderHeldError';
  }
}

/** "the example server (pid 4242 on host-1, since 2026-12-01T10:00:00.000Z)": who, never the token. */
export function describeHolder(holder: FolderHolder): string {
  return `${holder.role === 'server' ? 'a telemetry server' : 'telemetry-keys'} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
}

/** Whether the process of `holder` still runs (a holder on another host is taken to). */
function alive(holder: FolderHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): FolderHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<FolderHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || (value.role !== 'server' && value.role !== 'telemetry-keys') || typeof value.since !== 'string') return undefined;
    return value as FolderHolder;
  } catch {
    return undefined;
  }
}

async function readHolder(file: string): Promise<{ text: string; holder: FolderHolder | undefined } | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The live holder of `folder`, or undefined when none holds it (no holder file, or its process is gone). */
export async function folderHolder(folder: string): Promise<FolderHolder | undefined> {
  const found = await readHolder(join(folder, HOLDER_FILE));
  return found?.holder !== undefined && alive(found.holder) ? found.holder : undefined;
}

/** A folder this process holds. */
export interface FolderHold {
  readonly folder: string;
  /** Adds the admin endpoint to the holder file (a server, once it listens). */
  advertise(admin: AdminEndpoint): Promise<void>;
  /** Gives the folder up: removes the holder file if it is still this process's. */
  release(): Promise<void>;
}

/**
 * Takes `folder` (created when missing) for this process in `role`; throws a FolderHeldError naming the
 * live process that holds it. A holder file whose process is gone, or that cannot be read, is replaced.
 *
 * @example
 * const hold = await holdFolder('./data', 'server'); // before new PGlite('./data')
 * try { … } finally { await hold.release(); }
 */
export async function holdFolder(folder: string, role: FolderHolder['role']): Promise<FolderHold> {
  await mkdir(folder, { recursive: true });
  const file = join(folder, HOLDER_FILE);
  const mine: FolderHolder = { pid: process.pid, host: hostname(), role, since: new Date().toISOString() };
  const write = async (holder: FolderHolder) => {
    // Readable by the folder's owner alone: it may carry the admin token.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    await rename(partial, file);
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      let current = mine;
      return {
        folder,
        async advertise(admin) {
          current = { ...current, admin };
          await write(current);
        },
        async release() {
          const found = await readHolder(file);
          if (found?.holder?.pid === process.pid && found.holder.host === mine.host) await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await readHolder(file);
    if (found === undefined) continue;
    if (found.holder !== undefined && alive(found.holder)) throw new FolderHeldError(folder, found.holder);
    // Stale: moved aside, and removed only if what was moved is what was read (another process may have replaced it meanwhile).
    const aside = `${file}.${process.pid}.stale`;
    try {
      await rename(file, aside);
    } catch {
      continue;
    }
    if ((await readHolder(aside))?.text === found.text) await unlink(aside).catch(() => undefined);
    else await link(aside, file).then(() => unlink(aside), () => unlink(aside)).catch(() => undefined);
  }
  const holder = await folderHolder(folder);
  if (holder !== undefined) throw new FolderHeldError(folder, holder);
  throw new Error(`${folder}: cannot take ${HOLDER_FILE}: it keeps changing (folder-held); try again`);
}
