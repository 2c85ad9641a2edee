/**
 * The reporting windows' published test vectors (generated/window-vectors.json):
 * for fixed schedules, last windows and clock readings, the windows due, their
 * send moments and the next window, as src/uploader/windows.ts computes them
 * from schema/windows.ts. An uploader in another language runs the same
 * inputs and must get the same windows, since a window's bounds are half of
 * its dedupe key. Every frequency, month ends, leap years (2028, and the
 * centuries 2000 and 2100), a schedule changed mid-period, an installation
 * down for 40 days and one down for years.
 */
import { MAX_DUE_WINDOWS, REPORTING_SCHEDULES, type ReportingFrequency, SEND_DELAY_MS, SEND_SPREAD_MS, SPREAD_HASH_BYTES } from '../../schema/windows.js';
import { sha256, toHex, utf8 } from '../../src/wire/bytes.js';
import type { WireRuntime } from './wire-vectors.js';

type WindowRuntime = Pick<WireRuntime, 'dueWindows' | 'sendOffsetMs'>;

const LICENSE_ID = 'lic-0042';
const LICENSES = [LICENSE_ID, 'lic-0043', 'ACME.prod_7', 'a'] as const;

const window = (periodStart: string, periodEnd: string) => ({ periodStart: `${periodStart}T00:00:00Z`, periodEnd: `${periodEnd}T00:00:00Z` });

interface Case {
  readonly name: string;
  readonly frequency: ReportingFrequency;
  readonly last: ReturnType<typeof window> | null;
  readonly now: string;
  readonly licenseId?: string;
}

/** The cases, each with an ISO `now`; `at send moment` cases are placed from the license's offset. */
function cases(runtime: WindowRuntime): Case[] {
  const moment = (day: string, deltaMs = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + SEND_DELAY_MS + runtime.sendOffsetMs(LICENSE_ID) + deltaMs).toISOString();
  const frequencies = Object.keys(REPORTING_SCHEDULES) as ReportingFrequency[];
  return [
    ...frequencies.map((frequency): Case => ({ name: `${frequency}: a new installation reports the latest due period only`, frequency, last: null, now: '2026-11-20T12:00:00Z' })),
    { name: 'daily: the next day, 1 ms before its send moment: nothing due yet', frequency: 'daily', last: window('2026-11-18', '2026-11-19'), now: moment('2026-11-20', -1) },
    { name: 'daily: the next day, at its send moment exactly: due', frequency: 'daily', last: window('2026-11-18', '2026-11-19'), now: moment('2026-11-20') },
    { name: 'daily: over a month end (January 31 to February 1)', frequency: 'daily', last: window('2026-01-30', '2026-01-31'), now: '2026-02-01T12:00:00Z' },
    { name: 'daily: over a year end', frequency: 'daily', last: window('2026-12-30', '2026-12-31'), now: '2027-01-01T12:00:00Z' },
    { name: 'daily: February 29 of a leap year (2028)', frequency: 'daily', last: window('2028-02-27', '2028-02-28'), now: '2028-03-01T12:00:00Z' },
    { name: 'daily: no February 29 in 2100 (a century, not a leap year)', frequency: 'daily', last: window('2100-02-27', '2100-02-28'), now: '2100-03-01T12:00:00Z' },
    { name: 'daily: February 29 of 2000 (a century divisible by 400, a leap year)', frequency: 'daily', last: window('2000-02-27', '2000-02-28'), now: '2000-03-01T12:00:00Z' },
    { name: 'weekly: Monday to Monday over a year end', frequency: 'weekly', last: window('2026-12-21', '2026-12-28'), now: '2027-01-04T12:00:00Z' },
    { name: 'weekly: on Monday before the send moment, the week is not due yet', frequency: 'weekly', last: window('2026-12-21', '2026-12-28'), now: '2027-01-04T01:00:00Z' },
    { name: 'twice-monthly: the 15th to the 1st of a 30-day month', frequency: 'twice-monthly', last: window('2026-11-01', '2026-11-15'), now: '2026-12-01T12:00:00Z' },
    { name: 'twice-monthly: the second half of February in a leap year (2028): 15 days', frequency: 'twice-monthly', last: window('2028-02-01', '2028-02-15'), now: '2028-03-01T12:00:00Z' },
    { name: 'twice-monthly: the second half of February in a common year (2027): 14 days', frequency: 'twice-monthly', last: window('2027-02-01', '2027-02-15'), now: '2027-03-01T12:00:00Z' },
    { name: 'monthly: December to January', frequency: 'monthly', last: window('2026-11-01', '2026-12-01'), now: '2027-01-01T12:00:00Z' },
    { name: 'monthly: February 2100 (28 days)', frequency: 'monthly', last: window('2100-01-01', '2100-02-01'), now: '2100-03-01T12:00:00Z' },
    // The last window of each schedule before the downtime, and 40 days and 12 hours after its end.
    ...(
      [
        ['daily', window('2025-12-31', '2026-01-01'), '2026-02-10T12:00:00Z'],
        ['weekly', window('2025-12-22', '2025-12-29'), '2026-02-07T12:00:00Z'],
        ['twice-monthly', window('2025-12-15', '2026-01-01'), '2026-02-10T12:00:00Z'],
        ['monthly', window('2025-12-01', '2026-01-01'), '2026-02-10T12:00:00Z'],
      ] as const
    ).map(([frequency, last, now]): Case => ({ name: `${frequency}: an installation down for 40 days`, frequency, last, now })),
    { name: 'monthly: an installation down for five years: a catch-up window, then the latest periods', frequency: 'monthly', last: window('2021-01-01', '2021-02-01'), now: '2026-02-10T12:00:00Z' },
    { name: 'monthly after weekly: the first window runs from the last Monday to the 1st', frequency: 'monthly', last: window('2026-11-09', '2026-11-16'), now: '2026-12-01T12:00:00Z' },
    { name: 'daily: the last window ends in the future (the clock went back): nothing due', frequency: 'daily', last: window('2026-11-20', '2026-11-21'), now: '2026-11-19T12:00:00Z' },
    ...LICENSES.slice(1).map((licenseId): Case => ({ name: `twice-monthly: the same window for license ${licenseId}, at its own moment`, frequency: 'twice-monthly', last: window('2026-11-01', '2026-11-15'), now: '2026-12-01T12:00:00Z', licenseId })),
    { name: 'daily: after a last window that ends at noon (queued before windows were days), the next one starts at midnight', frequency: 'daily', last: { periodStart: '2026-11-18T12:00:00Z', periodEnd: '2026-11-19T12:00:00Z' }, now: '2026-11-21T12:00:00Z' },
    { name: 'refused: the last window\'s end is no date-time', frequency: 'daily', last: { periodStart: '2026-11-18T00:00:00Z', periodEnd: 'yesterday' }, now: '2026-11-20T12:00:00Z' },
  ];
}

/** The vectors file: the schedule's constants, each license's offset, and every case's input and result. */
export function windowVectors(runtime: WindowRuntime): Record<string, unknown> {
  return {
    $comment: 'generated from schema/windows.ts and scripts/emit/window-vectors.ts by `npm run generate`; do not edit',
    description:
      'Reporting windows (docs/wire-protocol.md, "Reporting windows"): for a frequency, the last window reported (null for none) and the clock, the windows due now, oldest first, and the next one. Windows are half-open [periodStart, periodEnd), on UTC midnights. A window is due when now >= sendAt = periodEnd + sendDelayMs + the license\'s offset; the offset is the first spreadHashBytes bytes of SHA-256(UTF-8 license id), big-endian, modulo spreadMs. At most maxDueWindows are due: older missed periods go first, in one catch-up window.',
    schedule: {
      frequencies: Object.fromEntries(Object.entries(REPORTING_SCHEDULES).map(([name, schedule]) => [name, { description: schedule.description, boundaries: schedule.boundaries }])),
      sendDelayMs: SEND_DELAY_MS,
      spreadMs: SEND_SPREAD_MS,
      spreadHashBytes: SPREAD_HASH_BYTES,
      maxDueWindows: MAX_DUE_WINDOWS,
    },
    // The digest too, so an implementation can see which step differs.
    sendOffsets: LICENSES.map((licenseId) => ({ licenseId, sha256: toHex(sha256(utf8(licenseId))), offsetMs: runtime.sendOffsetMs(licenseId) })),
    cases: cases(runtime).map(({ name, frequency, last, now, licenseId = LICENSE_ID }) => {
      const result = runtime.dueWindows({ frequency, licenseId, ...(last === null ? {} : { last }), now: Date.parse(now) });
      return {
        name,
        input: { frequency, licenseId, last, now },
        expected: result.ok ? { windows: result.windows, next: result.next } : { error: result.error.rule },
      };
    }),
  };
}
