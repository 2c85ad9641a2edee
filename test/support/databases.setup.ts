/**
 * vitest global setup: the databases the store's tests run against.
 *
 * - A throwaway PostgreSQL cluster wherever the server binaries exist
 *   (scripts/dev/postgres-cluster.ts, which the fault tests and the bench use
 *   too); stopped and removed at the end. Without the binaries the run says
 *   so in one line and the PostgreSQL half of the store's tests is skipped.
 * - A PGlite data folder made once (initdb costs seconds in WebAssembly) and
 *   kept in node_modules/.cache, so each test opens a fresh database from it
 *   in about a second.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { POSTGRES_LIB, startCluster } from '../../scripts/dev/postgres-cluster.js';
import { repoRoot } from '../helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres:// URL of the throwaway cluster, or '' when this machine has no PostgreSQL server binaries. */
    postgresUrl: string;
    /** A PGlite data folder dump (tar) to open fresh databases from. */
    pgliteSeed: string;
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
  const [postgres, seed] = await Promise.all([
    startCluster().catch((error: Error) => {
      throw new Error(`test setup: ${error.message}`);
    }),
    pgliteSeed(),
  ]);
  if (postgres === undefined) {
    console.log(`postgres: no server binaries under ${POSTGRES_LIB}/*/bin (Debian package postgresql): the store's PostgreSQL tests are skipped; PGlite's run`);
  }
  project.provide('postgresUrl', postgres?.url ?? '');
  project.provide('pgliteSeed', seed);
  return async () => {
    await postgres?.remove();
  };
}
