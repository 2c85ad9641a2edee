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
