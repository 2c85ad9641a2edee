/**
 * The transmission log: one JSON line per window per flush (and one per
 * operator retry), what an operator reads to see what was sent when, what the
 * server answered, and why a window is still waiting. It holds times, message
 * ids, windows, statuses, rules and sizes; never a secret, a signature, a
 * header value or the body.
 */
import type { Deprecation } from '../contract/lifecycle.js';
import type { ProjectionReport } from '../contract/projection.js';
import type { SendAttempt, SendResult } from '../uploader/send.js';
import type { OutboxRecord, Window } from './record.js';

/**
 * What happened to a window: `delivered` (2xx, new or already stored, live or
 * by a bundle's receipt), `failed` (refused for good; see `retry`), `pending`
 * (not delivered yet, sent again by the next flush), `requeued` (an operator
 * put a failed window back, possibly as a correction), `exported` (written
 * into an offline bundle), `discarded` (an operator gave up on it, with a
 * reason), or `re-formed` (before it first left, the window took the customer
 * header the masking setting asks for now, and with it a new message id,
 * which the entry's message names).
 */
export type Outcome = 'delivered' | 'failed' | 'pending' | 'requeued' | 'exported' | 'discarded' | 're-formed';

/** One attempt as the log keeps it. */
export interface LoggedAttempt {
  readonly at: string;
  /** The HTTP status; absent when no answer came. */
  readonly status?: number;
  /** The server's error rule, or `network-error` / `timeout`; absent on success. */
  readonly rule?: string;
  /** The version of the body this attempt sent. */
  readonly schemaVersion: number;
  /** After this attempt the report was projected onto this version (the server does not accept the one sent). */
  readonly projectedTo?: number;
}

export interface LogEntry {
  /** When the flush finished with the window (or the operator requeued it). */
  readonly time: string;
  readonly messageId: string;
  readonly window: Window;
  readonly outcome: Outcome;
  /** The last HTTP status. */
  readonly status?: number;
  /** Why it was not delivered: the server's rule, `network-error`, `timeout`, `retries-exhausted`… */
  readonly rule?: string;
  /** One line saying what happened, safe to show. */
  readonly message?: string;
  /** The size of the window's body in bytes. */
  readonly bytes: number;
  /** The version sent last (another than the stored one after a projection). */
  readonly schemaVersion: number;
  /** Set when the window went out in an older version than it was built in. */
  readonly projection?: ProjectionReport;
  /** Set when the server announced that the version sent is deprecated. */
  readonly deprecation?: Deprecation & { readonly version: number };
  /** The offline bundle it was exported in, or whose receipt said what became of it. */
  readonly bundleId?: string;
  /** A correction: the digest of the stored report it is to supersede (`requeued`) or superseded (`delivered`). */
  readonly supersedes?: string;
  /** Why an operator discarded it, or requeued it as a correction. */
  readonly reason?: string;
  readonly attempts: readonly LoggedAttempt[];
}

function loggedAttempt(attempt: SendAttempt): LoggedAttempt {
  return {
    at: attempt.at,
    ...(attempt.status !== undefined ? { status: attempt.status } : {}),
    ...(attempt.rule !== undefined ? { rule: attempt.rule } : {}),
    schemaVersion: attempt.schemaVersion,
    ...(attempt.projectedTo !== undefined ? { projectedTo: attempt.projectedTo } : {}),
  };
}

/** The log entry of one window after one `sendTelemetry` call. */
export function entryOfSend(record: OutboxRecord, result: SendResult, outcome: Outcome, time: string): LogEntry {
  return {
    time,
    messageId: record.messageId,
    window: record.window,
    outcome,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.ok ? {} : { rule: result.error.rule, message: oneLine(result.error.message) }),
    bytes: record.bytes,
    schemaVersion: result.schemaVersion,
    ...(result.projection ? { projection: result.projection } : {}),
    ...(result.deprecation ? { deprecation: result.deprecation } : {}),
    attempts: result.attempts.map(loggedAttempt),
  };
}

/** A log entry without a send: a window refused before anything went out, requeued, exported, discarded, or answered by a receipt. */
export function entryOf(
  record: OutboxRecord,
  outcome: Outcome,
  time: string,
  problem?: { readonly rule: string; readonly message: string },
  extra: Pick<LogEntry, 'status' | 'bundleId' | 'supersedes' | 'reason'> = {},
): LogEntry {
  return {
    time,
    messageId: record.messageId,
    window: record.window,
    outcome,
    ...(extra.status !== undefined ? { status: extra.status } : {}),
    ...(problem ? { rule: problem.rule, message: oneLine(problem.message) } : {}),
    bytes: record.bytes,
    schemaVersion: record.schemaVersion,
    ...(extra.bundleId !== undefined ? { bundleId: extra.bundleId } : {}),
    ...(extra.supersedes !== undefined ? { supersedes: extra.supersedes } : {}),
    ...(extra.reason !== undefined ? { reason: oneLine(extra.reason) } : {}),
    attempts: [],
  };
}

/** Messages come from servers too: one line, bounded, so a log line stays a line. */
export function oneLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

const OUTCOMES: readonly string[] = ['delivered', 'failed', 'pending', 'requeued', 'exported', 'discarded', 're-formed'];

/** A log line read back, or undefined for a line that is not an entry (cut short by a crash). */
export function parseLogLine(line: string): LogEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<LogEntry> | null;
    if (typeof value !== 'object' || value === null) return undefined;
    if (typeof value.time !== 'string' || Number.isNaN(Date.parse(value.time))) return undefined;
    if (typeof value.messageId !== 'string' || !OUTCOMES.includes(value.outcome as string) || !Array.isArray(value.attempts)) return undefined;
    return value as LogEntry;
  } catch {
    return undefined;
  }
}
