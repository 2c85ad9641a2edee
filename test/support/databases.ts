/**
 * The databases of the store's tests: a fresh PGlite (in memory, or in a
 * folder) opened from the seed the global setup made, and the throwaway
 * PostgreSQL cluster's URL, when this machine has one.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { afterAll, beforeAll, inject } from 'vitest';
import type { QueryClient } from '../../src/store/database.js';

/** A fresh PGlite database, in memory or in `folder` (which must not hold one yet), with btree_gist loaded as the store needs. */
export function openPglite(folder?: string): Promise<PGlite> {
  const loadDataDir = new Blob([readFileSync(inject('pgliteSeed'))]);
  const options = { loadDataDir, extensions: { btree_gist } };
  return folder === undefined ? PGlite.create(options) : PGlite.create(folder, options);
}

/** The throwaway PostgreSQL cluster, or undefined where the server binaries are missing (the setup said so). */
export function postgresUrl(): string | undefined {
  return inject('postgresUrl') || undefined;
}

let schemas = 0;
/** A PostgreSQL schema name no other test of this process uses, so tests share one database without sharing tables. */
export function freshSchema(prefix = 't'): string {
  schemas += 1;
  return `${prefix}_${process.pid}_${schemas}`;
}

let databases = 0;
/**
 * A new, empty database on the throwaway PostgreSQL cluster and its URL, for
 * a process (the example server, a command) that works in the default schema.
 */
export async function freshDatabase(prefix = 'd'): Promise<string> {
  const base = postgresUrl();
  if (base === undefined) throw new Error('freshDatabase: this machine has no PostgreSQL server binaries');
  databases += 1;
  const name = `${prefix}_${process.pid}_${databases}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.href;
}

/** A database the store's tests run on: opened before a describe block's tests, closed after. */
export interface StoreBackend {
  readonly name: string;
  /** True where this machine lacks what the backend needs (PostgreSQL without server binaries). */
  readonly skip: boolean;
  readonly open: () => Promise<{ client: QueryClient; close: () => Promise<void> }>;
}

/**
 * PGlite always, and the throwaway PostgreSQL cluster where it runs: the two
 * kinds of client the store must serve alike. `poolSize` is the PostgreSQL
 * pool's connection count, so concurrent calls reach separate connections.
 */
export function storeBackends(poolSize: number): StoreBackend[] {
  const url = postgresUrl();
  return [
    {
      name: 'PGlite',
      skip: false,
      open: async () => {
        const db = await openPglite();
        return { client: db, close: () => db.close() };
      },
    },
    {
      name: 'PostgreSQL',
      skip: url === undefined,
      open: async () => {
        const { default: pg } = await import('pg');
        const pool = new pg.Pool({ connectionString: url, max: poolSize });
        return { client: pool, close: () => pool.end() };
      },
    },
  ];
}

/**
 * Opens `backend` before the enclosing describe block's tests (unless it is
 * skipped), hands its client to `use`, and closes it after them.
 */
export function openForSuite(backend: Pick<StoreBackend, 'skip' | 'open'>, use: (client: QueryClient) => void): void {
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (backend.skip) return;
    const opened = await backend.open();
    close = opened.close;
    use(opened.client);
  }, 60_000);
  afterAll(() => close?.());
}
