/**
 * A throwaway PostgreSQL cluster from the server binaries installed on this
 * machine (Debian's `postgresql`: /usr/lib/postgresql/<major>/bin), for the
 * test suite's global setup, the fault tests and `npm run bench`: initdb in a
 * temporary folder (as the `postgres` user when running as root, which
 * PostgreSQL refuses to run as), a free port on 127.0.0.1, the socket in the
 * same folder; removed again by `remove()`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const POSTGRES_LIB = '/usr/lib/postgresql';

/** The newest installed server's bin folder, or undefined. */
export function serverBin(): string | undefined {
  if (!existsSync(POSTGRES_LIB)) return undefined;
  const majors = readdirSync(POSTGRES_LIB)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_LIB, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(POSTGRES_LIB, majors[0], 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  /**
   * Keep every commit across a crash of the server (synchronous_commit on).
   * Off by default: tests that never crash the server run faster without it,
   * but a commit acknowledged just before `stop('immediate')` could be lost.
   */
  readonly durable?: boolean;
  /**
   * Also wait for the disk at every commit, as a production server does (fsync and full_page_writes on):
   * for the benches whose figures are about durable commits. Off by default: without it a commit survives a
   * crash of the server (the operating system keeps what was written) but not one of the machine.
   */
  readonly syncToDisk?: boolean;
  /** More `-c name=value` settings. */
  readonly settings?: readonly string[];
}

export interface PostgresCluster {
  /** postgres:// URL of the cluster's `postgres` database, as the `postgres` superuser. */
  readonly url: string;
  readonly port: number;
  /** The data directory (pg_wal and the table files below it), for tests that read what it holds. */
  readonly dataDir: string;
  /** Starts the server again after `stop`; waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server: `immediate` is the crash-like stop (no checkpoint, recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (immediate) and deletes its folder. */
  remove(): Promise<void>;
}

/** Starts a fresh cluster, or returns undefined where the server binaries are missing. */
export async function startCluster(options: ClusterOptions = {}): Promise<PostgresCluster | undefined> {
  const bin = serverBin();
  if (bin === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-contract-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root; Debian's package brings the postgres user.
  const as = async (file: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args));
  try {
    if (root) await run('chown', ['postgres:', dir]);
    await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const port = await freePort();
    // fsync off is safe against a crash of the server (the OS keeps what was written); synchronous_commit decides whether a commit reached the WAL file before it was acknowledged.
    const disk = options.syncToDisk === true ? 'on' : 'off';
    const settings = [
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${disk} -c full_page_writes=${disk}`,
      `-c synchronous_commit=${options.durable === true ? 'on' : 'off'}`,
      ...(options.settings ?? []).map((s) => `-c ${s}`),
    ].join(' ');
    const start = async () => {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
    };
    const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    };
    await start();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir: data,
      start,
      stop,
      remove: async () => {
        await stop('immediate').catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const e = error as { stderr?: string; message: string };
    throw new Error(`cannot start a throwaway PostgreSQL cluster with ${bin}: ${(e.stderr || e.message).trim()}`);
  }
}
