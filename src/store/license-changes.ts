/**
 * The change feed of the license store: how a process that keeps licenses in
 * memory (./license-cache.ts) learns, in one cheap query, which licenses any
 * process changed since it last asked. A trigger on the keys table and on the
 * records table writes, in the transaction of every change (a key issued,
 * rotated or revoked, a record set, a license deleted, a rewrap, an edit by
 * hand in SQL), the id of that transaction into the row of the license's
 * bucket in `telemetry_license_changes`. A reader keeps the snapshot of its
 * last read and asks for the buckets whose transaction that snapshot did not
 * see: exactly the changes committed since, in any order, with no counter
 * every writer would queue on.
 *
 * A bucket is the first 16 bits of SHA-256 of the license id, so the table
 * holds at most 65,536 rows and never a license id: a deleted license leaves
 * no trace in it. A reader drops every license of a changed bucket (with
 * 100,000 licenses, one or two besides the changed one).
 */
import { sha256, utf8 } from '../wire/bytes.js';
import { type LicenseTables, createBlock } from './license-tables.js';

/** Buckets of the feed: 2^16. */
export const CHANGE_BUCKETS = 65_536;

/** More changed buckets than this in one read, and the reader drops everything it holds instead of each. */
export const CHANGES_READ_LIMIT = 4_096;

/** The bucket of a license id: its SHA-256's first two bytes, as the trigger computes it in SQL. */
export function bucketOf(licenseId: string): number {
  const digest = sha256(utf8(licenseId));
  return (digest[0]! << 8) | digest[1]!;
}

/** What changed since a snapshot: the buckets (or `all`, more than {@link CHANGES_READ_LIMIT}), and the snapshot to ask from next. */
export interface Changes {
  readonly snapshot: string;
  readonly buckets: ReadonlySet<number> | 'all';
}

/** The feed of a license store's tables. */
export interface ChangeFeed {
  /** The statements that create the table, its trigger function and the triggers on the keys and records tables when missing. */
  readonly create: readonly string[];
  /** The changes committed since `snapshot` (none for undefined: where the feed stands now). */
  since(where: string, snapshot: string | undefined): Promise<Changes>;
}

/** The change feed of `tables`. */
export function changeFeed(tables: LicenseTables): ChangeFeed {
  const table = tables.licenseChanges;
  const fn = tables.schema === undefined ? 'telemetry_license_changed' : `"${tables.schema}".telemetry_license_changed`;
  const trigger = (on: string) => `CREATE OR REPLACE TRIGGER telemetry_license_changed AFTER INSERT OR UPDATE OR DELETE ON ${on} FOR EACH ROW EXECUTE FUNCTION ${fn}();`;
  return {
    create: [
      `CREATE TABLE IF NOT EXISTS ${table} (`,
      `  bucket integer PRIMARY KEY CONSTRAINT bucket_check CHECK (bucket BETWEEN 0 AND ${CHANGE_BUCKETS - 1}),`,
      '  changed_by xid8 NOT NULL',
      ');',
      `CREATE INDEX IF NOT EXISTS telemetry_license_changes_by ON ${table} (changed_by);`,
      `COMMENT ON TABLE ${table} IS 'Which licenses changed, for the processes that keep licenses in memory: per bucket (the first 16 bits of SHA-256 of a license id, never the id), the transaction that last changed a key or a record of a license in it. Written by the trigger telemetry_license_changed.';`,
      // SET search_path FROM CURRENT: the function finds the table where migrate put it, whatever the writer's search_path.
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $changed$`,
      'DECLARE',
      '  ids text[];',
      '  id text;',
      '  digest bytea;',
      'BEGIN',
      "  IF TG_OP = 'INSERT' THEN ids := ARRAY[NEW.license_id];",
      "  ELSIF TG_OP = 'DELETE' THEN ids := ARRAY[OLD.license_id];",
      '  ELSE ids := ARRAY[OLD.license_id, NEW.license_id];',
      '  END IF;',
      '  FOREACH id IN ARRAY ids LOOP',
      "    digest := sha256(convert_to(id, 'UTF8'));",
      `    INSERT INTO ${table} AS c (bucket, changed_by) VALUES (get_byte(digest, 0) * 256 + get_byte(digest, 1), pg_current_xact_id())`,
      '      ON CONFLICT (bucket) DO UPDATE SET changed_by = EXCLUDED.changed_by WHERE c.changed_by <> EXCLUDED.changed_by;',
      '  END LOOP;',
      '  RETURN NULL;',
      'END',
      '$changed$;',
      trigger(tables.keys),
      trigger(tables.licenses),
    ],

    async since(where, snapshot) {
      // One statement, so the changes read and the snapshot returned are the same snapshot's.
      const rows = await tables.query(
        where,
        snapshot === undefined
          ? 'SELECT pg_current_snapshot()::text AS snapshot, ARRAY[]::integer[] AS buckets'
          : `SELECT pg_current_snapshot()::text AS snapshot, ARRAY(SELECT bucket FROM ${table} WHERE changed_by >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(changed_by, $1::pg_snapshot) LIMIT ${CHANGES_READ_LIMIT + 1}) AS buckets`,
        snapshot === undefined ? [] : [snapshot],
      );
      const row = rows[0]!;
      const buckets = (row['buckets'] as unknown[]).map(Number);
      return { snapshot: String(row['snapshot']), buckets: buckets.length > CHANGES_READ_LIMIT ? 'all' : new Set(buckets) };
    },
  };
}

/** The statement that creates the feed when missing, under the license store's advisory lock. */
export const changeFeedBlock = (tables: LicenseTables, feed: ChangeFeed): string => createBlock(tables, 'telemetry_license_changes', feed.create);
