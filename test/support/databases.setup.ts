/**
 * vitest global setup: the databases the store's tests run against.
 *
 * - A throwaway PostgreSQL cluster wherever the server binaries exist
 *   (Debian's `postgresql`: /usr/lib/postgresql/<major>/bin): initdb in a temp
 *   folder (as the `postgres` user when running as root, which PostgreSQL
 *   refuses to run as), a free port on 127.0.0.1, the socket in the same
 *   folder; stopped and removed at the end. Without the binaries the run says
 *   so in one line and the PostgreSQL half of the store's tests is skipped.
 * - A PGlite data folder made once (initdb costs seconds in WebAssembly) and
 *   kept in node_modules/.cache, so each test opens a fresh database from it
 *   in about a second.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres:// URL of the throwaway cluster, or '' when this machine has no PostgreSQL server binaries. */
    postgresUrl: string;
    /** A PGlite data folder dump (tar) to open fresh databases from. */
    pgliteSeed: string;
  }
}

const run = promisify(execFile);
const POSTGRES_LIB = '/usr/lib/postgresql';

/** The newest installed server's bin folder, or undefined. */
function serverBin(): string | undefined {
  if (!existsSync(POSTGRES_LIB)) return undefined;
  const majors = readdirSync(POSTGRES_LIB)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_LIB, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(POSTGRES_LIB, majors[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
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
    const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const e = error as { stderr?: string; message: string };
    throw new Error(`test setup: cannot start the throwaway PostgreSQL cluster with ${bin}: ${(e.stderr || e.message).trim()}`);
  }
}

/** The seed dump, made once per PGlite version and written atomically. */
async function pgliteSeed(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  const cache = join(repoRoot, 'node_modules', '.cache', 'telemetry-contract');
  const file = join(cache, `pglite-${version}-seed.tar`);
  if (existsSync(file)) return file;
  mkdirSync(cache, { recursive: true });
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, file);
  return file;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres, seed] = await Promise.all([startPostgres(), pgliteSeed()]);
  if (postgres === undefined) {
    console.log(`postgres: no server binaries under ${POSTGRES_LIB}/*/bin (Debian package postgresql): the store's PostgreSQL tests are skipped; PGlite's run`);
  }
  project.provide('postgresUrl', postgres?.url ?? '');
  project.provide('pgliteSeed', seed);
  return async () => {
    await postgres?.stop();
  };
}
