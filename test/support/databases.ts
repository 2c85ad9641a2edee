/**
 * The databases of the store's tests: a fresh PGlite (in memory, or in a
 * folder) opened from the seed the global setup made, and the throwaway
 * PostgreSQL cluster's URL, when this machine has one.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';

/** A fresh PGlite database, in memory or in `folder` (which must not hold one yet). */
export function openPglite(folder?: string): Promise<PGlite> {
  const loadDataDir = new Blob([readFileSync(inject('pgliteSeed'))]);
  return folder === undefined ? PGlite.create({ loadDataDir }) : PGlite.create(folder, { loadDataDir });
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
