/**
 * The reporting schedules: which windows an installation reports, and when it
 * sends each. A window's bounds are half of the dedupe key and the basis of
 * billing, so every uploader, in any language, must compute the same windows
 * for the same schedule; this file is what they are computed from
 * (src/uploader/windows.ts implements it, docs/wire-protocol.md specifies it,
 * generated/window-vectors.json shows it on fixed cases).
 *
 * Seed 001's four frequencies. A window runs from one boundary of its
 * schedule to the next: both bounds are UTC midnights, the start included and
 * the end excluded, so consecutive windows neither overlap nor leave a gap.
 * A boundary is the midnight that starts a day the schedule names.
 */

/** The days a schedule's windows start and end on: every day, one weekday (ISO 8601: 1 is Monday), or days of the month. */
export type Boundaries = { readonly every: 'day' } | { readonly weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7 } | { readonly daysOfMonth: readonly number[] };

export interface Schedule {
  /** In words, for documents and help texts. */
  readonly description: string;
  readonly boundaries: Boundaries;
}

export const REPORTING_SCHEDULES = {
  daily: { description: 'every day', boundaries: { every: 'day' } },
  weekly: { description: 'every Monday', boundaries: { weekday: 1 } },
  'twice-monthly': { description: 'the 1st and the 15th of every month', boundaries: { daysOfMonth: [1, 15] } },
  monthly: { description: 'the 1st of every month', boundaries: { daysOfMonth: [1] } },
} as const satisfies Readonly<Record<string, Schedule>>;

export type ReportingFrequency = keyof typeof REPORTING_SCHEDULES;

/** Seed 001's default ("sufficient for most deployments"). */
export const DEFAULT_FREQUENCY: ReportingFrequency = 'twice-monthly';

/** A window is scheduled to be sent this long after it ends: 02:00 UTC on its last boundary, as seed 001 schedules it. */
export const SEND_DELAY_MS = 2 * 60 * 60 * 1000;

/**
 * Each installation sends at its own moment within this interval after the
 * scheduled time, so a fleet does not arrive in one second: the offset is the
 * first 6 bytes of the SHA-256 of the license id (UTF-8), read as a big-endian
 * integer, modulo this many milliseconds. The same license always gets the
 * same offset.
 */
export const SEND_SPREAD_MS = 60 * 60 * 1000;

/** Bytes of the license id's SHA-256 that make the offset: 48 bits, exact in a double, with no bias worth naming modulo an hour. */
export const SPREAD_HASH_BYTES = 6;

/**
 * At most this many windows are due at once. An installation that missed
 * more periods (it was down, or switched off) reports the most recent
 * `MAX_DUE_WINDOWS - 1` periods one window each, and everything before them
 * in one catch-up window that starts where its last window ended: nothing is
 * skipped, and a long downtime costs a bounded number of requests.
 */
export const MAX_DUE_WINDOWS = 31;
