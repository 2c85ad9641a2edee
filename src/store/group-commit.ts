/**
 * Group commit: the report rows of concurrent `put` calls written by one
 * statement. While a statement runs, the rows that arrive gather; when it ends,
 * the gathered rows (at most `maxRows`) go in the next one. Nothing waits on a
 * timer: a row that finds no statement running is written at once, alone.
 *
 * Every row keeps the answer it would have had alone. A statement commits as
 * a whole when it returns (autocommit, so a caller hears of its row only once
 * the row is durable); it fails as a whole too, so:
 * - rows of one license whose windows are the same or overlap never share a
 *   statement (the later waits for the next one, as it would have waited for
 *   the earlier one's answer sequentially);
 * - a statement the database refused (a row's constraint, a window that
 *   overlaps a stored one, a data key destroyed meanwhile) is replayed row by
 *   row, in arrival order, each row answered by its own statement: one bad row
 *   never fails the others;
 * - a statement that failed because the database is away (a transient error)
 *   fails each of its rows with that error, which `put` answers as it always
 *   did: unavailable, send again.
 */
import { isTransientDatabaseError } from './database-errors.js';
import type { QueryClient } from './database.js';

/** Reports written by one statement at most, by default: about 2,000 parameters for a v1 report. */
export const GROUP_COMMIT_MAX_ROWS = 100;

/** One report row to write: its statement's parameters, the first being its dedupe key `<licenseId>/<start>/<end>`. */
export interface GroupRow {
  readonly version: number;
  readonly params: readonly unknown[];
}

/** The statements of a version: for `rows` rows, one multi-row insert returning the dedupe keys it inserted. */
export type InsertFor = (version: number, rows: number) => string;

interface Pending extends GroupRow {
  readonly key: string;
  readonly window: { readonly license: string; readonly start: number; readonly end: number } | undefined;
  readonly resolve: (created: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/** `<licenseId>/<start>/<end>` as a window, or undefined when it does not read as one (such a row is written alone). */
function windowOf(key: string): Pending['window'] {
  const [license, start, end, ...rest] = key.split('/');
  const [from, to] = [Date.parse(start ?? ''), Date.parse(end ?? '')];
  if (license === undefined || rest.length > 0 || Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return { license, start: from, end: to };
}

const clash = (a: Pending, b: Pending) =>
  a.window === undefined || b.window === undefined || (a.window.license === b.window.license && a.window.start < b.window.end && b.window.start < a.window.end);

export class GroupCommit {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly client: QueryClient,
    private readonly insertFor: InsertFor,
    private readonly maxRows = GROUP_COMMIT_MAX_ROWS,
  ) {
    if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 1000) throw new TypeError(`createPostgresStore: groupCommit.maxRows must be an integer from 1 to 1000, got ${String(maxRows)} (groupCommit)`);
  }

  /** Rows gathered for the next statement (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Writes the row in the next statement; resolves true when it inserted the row (committed), false when
   * its dedupe key was stored already; rejects with the database's error for the row.
   */
  write(row: GroupRow): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const key = String(row.params[0]);
      this.queue.push({ ...row, key, window: windowOf(key), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.run(this.take());
    } finally {
      this.running = false;
    }
  }

  /** The next statement's rows, in arrival order: the first row, then those of its version that clash with none taken. */
  private take(): Pending[] {
    const taken: Pending[] = [];
    const left: Pending[] = [];
    const first = this.queue[0]!;
    for (const row of this.queue) {
      if (taken.length < this.maxRows && row.version === first.version && (taken.length === 0 || (row.window !== undefined && !taken.some((t) => clash(t, row))))) taken.push(row);
      else left.push(row);
    }
    this.queue.splice(0, this.queue.length, ...left);
    return taken;
  }

  private async run(rows: Pending[]): Promise<void> {
    let inserted: Set<string>;
    try {
      const result = await this.client.query(this.insertFor(rows[0]!.version, rows.length), rows.flatMap((r) => r.params));
      inserted = new Set(result.rows.map((r) => String(r['dedupe_key'])));
    } catch (error) {
      if (rows.length === 1 || isTransientDatabaseError(error)) {
        for (const row of rows) row.reject(error);
        return;
      }
      // The database refused the statement for one of its rows: each row alone, so only that one fails.
      for (const row of rows) {
        try {
          row.resolve((await this.client.query(this.insertFor(row.version, 1), [...row.params])).rows.length === 1);
        } catch (own) {
          row.reject(own);
        }
      }
      return;
    }
    for (const row of rows) row.resolve(inserted.has(row.key));
  }
}
