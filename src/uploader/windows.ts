/**
 * Reporting windows: for a schedule (schema/windows.ts) and the last window an
 * installation reported, the windows now due and the moment to send each.
 * Pure: the caller passes the clock's reading; nothing is stored or sent. The
 * outbox's `enqueueDue` runs it on the outbox's own records; an uploader in
 * another language computes the same windows (docs/wire-protocol.md,
 * "Reporting windows", and generated/window-vectors.json).
 */
import { type Boundaries, MAX_DUE_WINDOWS, REPORTING_SCHEDULES, type ReportingFrequency, SEND_DELAY_MS, SEND_SPREAD_MS, SPREAD_HASH_BYTES } from '../../schema/windows.js';
import { parseInstant } from '../contract/instant.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { sha256, utf8 } from '../wire/bytes.js';
import { CONTRACT_HEADERS, headerPattern } from '../wire/contract-headers.js';

export { DEFAULT_FREQUENCY, MAX_DUE_WINDOWS, REPORTING_SCHEDULES, type ReportingFrequency, SEND_DELAY_MS, SEND_SPREAD_MS } from '../../schema/windows.js';

const DAY_MS = 86_400_000;
/** The days `now` may fall on: 1970-01-01 to 9999-12-30, so that every window and send moment has a four-digit year. */
const FIRST_DAY = 0;
const LAST_DAY = 2_932_895;

/** A window's bounds as the payload carries them. */
export interface ReportingWindow {
  readonly periodStart: string;
  readonly periodEnd: string;
}

/** A window of a schedule and when to send it. */
export interface DueWindow extends ReportingWindow {
  /**
   * `period`: one period of the schedule (the first after a change of schedule runs from the end of
   * the last window to the new schedule's next boundary, so it may be shorter); `catch-up`: the
   * periods missed before the most recent ones, in one window.
   */
  readonly kind: 'period' | 'catch-up';
  /** When to send it (ISO 8601, milliseconds): 02:00 UTC on the day it ends, plus the installation's offset. */
  readonly sendAt: string;
}

export interface DueWindowsOptions {
  readonly frequency: ReportingFrequency;
  /** The license id: it decides the installation's moment within the send interval. */
  readonly licenseId: string;
  /** The last window the installation reported (queued or delivered); only its end matters. None for a new installation. */
  readonly last?: ReportingWindow | undefined;
  /** The clock's reading: a Date or milliseconds. */
  readonly now: Date | number;
}

export type DueWindowsResult =
  | {
      readonly ok: true;
      /** The windows whose send moment has come, oldest first: at most {@link MAX_DUE_WINDOWS}. */
      readonly windows: readonly DueWindow[];
      /** The window after them and its send moment: when to ask again. */
      readonly next: DueWindow;
    }
  | { readonly ok: false; readonly error: WireError };

const licensePattern = headerPattern(CONTRACT_HEADERS.licenseId);

/**
 * The installation's offset within the send interval, in milliseconds: the
 * first 6 bytes of the SHA-256 of the license id's UTF-8 bytes, big-endian,
 * modulo {@link SEND_SPREAD_MS}. The same license always gets the same one.
 *
 * @example
 * sendOffsetMs('lic-0042'); // a number from 0 to 3,599,999
 */
export function sendOffsetMs(licenseId: string): number {
  checkLicenseId(licenseId);
  const digest = sha256(utf8(licenseId));
  let value = 0;
  for (let i = 0; i < SPREAD_HASH_BYTES; i++) value = value * 256 + digest[i]!;
  return value % SEND_SPREAD_MS;
}

function checkLicenseId(licenseId: unknown): asserts licenseId is string {
  if (typeof licenseId !== 'string' || !licensePattern.test(licenseId)) {
    throw new TypeError(`licenseId: must match ${licensePattern.source}, as the license id header does, got ${typeof licenseId === 'string' ? 'another string' : kindOf(licenseId)} (license-id)`);
  }
}

/** What a value is, for a message that must not echo it: `a number`, `an array`, `nothing`. */
const kindOf = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
};

/** Whether the UTC day `day` (days since 1970-01-01) starts a window of the schedule. */
function isBoundary(day: number, boundaries: Boundaries): boolean {
  if ('every' in boundaries) return true;
  const date = new Date(day * DAY_MS);
  if ('weekday' in boundaries) return ((date.getUTCDay() + 6) % 7) + 1 === boundaries.weekday;
  return boundaries.daysOfMonth.includes(date.getUTCDate());
}

/** The latest boundary on or before `day`. A schedule has one at least every 31 days. */
function boundaryAtOrBefore(day: number, boundaries: Boundaries): number {
  let d = day;
  while (!isBoundary(d, boundaries)) d--;
  return d;
}

/** The first boundary after `day`. */
function boundaryAfter(day: number, boundaries: Boundaries): number {
  let d = day + 1;
  while (!isBoundary(d, boundaries)) d++;
  return d;
}

const midnight = (day: number): string => `${new Date(day * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`;

/**
 * The windows of a schedule now due, oldest first, and the next one.
 *
 * - Windows are half-open, `[periodStart, periodEnd)`, both bounds UTC midnights
 *   spelled `YYYY-MM-DDT00:00:00Z`, each at least a day long; each starts where
 *   the one before ended, the first where `last` ended.
 * - A window is due once its send moment has come: 02:00 UTC on the day it
 *   ends (`SEND_DELAY_MS`) plus the license's offset (`sendOffsetMs`). So no
 *   window is due before it has ended, and a fleet sends over an hour.
 * - After downtime, one window per missed period; beyond {@link MAX_DUE_WINDOWS},
 *   the oldest missed periods go in one `catch-up` window first.
 * - Without `last` (a new installation, or an outbox that lost its records),
 *   only the latest due period: nothing is known of the time before.
 * - After a `last` that does not end at a UTC midnight (queued before the
 *   contract required midnights), the windows start at the next midnight:
 *   the hours between can be no window of the contract.
 *
 * Throws a TypeError for an unknown frequency, a malformed license id or an
 * invalid `now`; a `last` whose end is no UTC date-time is refused
 * (`invalid-window`).
 *
 * @example
 * const due = dueWindows({ frequency: 'twice-monthly', licenseId: 'lic-0042', last, now: Date.now() });
 * if (due.ok) for (const w of due.windows) await outbox.enqueue({ ...countsFor(w), periodStart: w.periodStart, periodEnd: w.periodEnd });
 */
export function dueWindows(options: DueWindowsOptions): DueWindowsResult {
  const schedule = Object.hasOwn(REPORTING_SCHEDULES, options?.frequency) ? REPORTING_SCHEDULES[options.frequency] : undefined;
  if (schedule === undefined) {
    throw new TypeError(`frequency: must be one of ${Object.keys(REPORTING_SCHEDULES).join(', ')}, got ${typeof options?.frequency === 'string' ? JSON.stringify(options.frequency) : kindOf(options?.frequency)} (frequency)`);
  }
  const offset = sendOffsetMs(options.licenseId);
  const nowMs = options.now instanceof Date ? options.now.getTime() : options.now;
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || Math.floor(nowMs / DAY_MS) < FIRST_DAY || Math.floor(nowMs / DAY_MS) > LAST_DAY) {
    throw new TypeError(`now: must be a Date or milliseconds from 1970 to 9999, got ${typeof nowMs === 'number' ? String(nowMs) : kindOf(options.now)} (now)`);
  }
  const { boundaries } = schedule;
  const window = (from: number, to: number, kind: DueWindow['kind']): DueWindow => ({
    periodStart: midnight(from),
    periodEnd: midnight(to),
    kind,
    sendAt: new Date(to * DAY_MS + SEND_DELAY_MS + offset).toISOString(),
  });

  // The latest window end whose send moment has come: send moments fall on whole days plus one fixed offset.
  const lastDueEnd = boundaryAtOrBefore(Math.floor((nowMs - SEND_DELAY_MS - offset) / DAY_MS), boundaries);
  let start: number;
  if (options.last === undefined) start = boundaryAtOrBefore(lastDueEnd - 1, boundaries);
  else {
    const end = parseInstant(String(options.last?.periodEnd));
    if (end === undefined) return { ok: false, error: wireError('last.periodEnd', 'is not a UTC date-time such as 2026-11-15T00:00:00Z, so no window can follow it', 'invalid-window') };
    // The next UTC midnight at or after the end: where a window of the contract can start.
    start = Math.floor(end.seconds / 86_400) + (end.seconds % 86_400 === 0 && end.nanos === '000000000' ? 0 : 1);
    if (start > LAST_DAY) return { ok: false, error: wireError('last.periodEnd', 'is after 9999-12-30, so no window can follow it', 'invalid-window') };
  }

  const windows: DueWindow[] = [];
  for (let end = lastDueEnd; end > start; ) {
    const from = Math.max(boundaryAtOrBefore(end - 1, boundaries), start);
    if (windows.length === MAX_DUE_WINDOWS - 1 && from > start) {
      windows.push(window(start, end, 'catch-up'));
      break;
    }
    windows.push(window(from, end, 'period'));
    end = from;
  }
  windows.reverse();
  const nextStart = Math.max(lastDueEnd, start);
  return { ok: true, windows, next: window(nextStart, boundaryAfter(nextStart, boundaries), 'period') };
}
