/**
 * The windows the outbox tests enqueue: window i is the day from
 * 2026-01-01T00:00:00Z + i days (UTC midnights, as the contract spells a window), with fixed counts. Window i always has the
 * same counts, so a process that enqueues it again after a crash gets a no-op.
 * Plain data, no node: import: the crash test's child bundles it.
 */
import type { TelemetryCounts } from '../../src/uploader.js';

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);
const stamp = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export const CUSTOMER = 'Example Holdings GmbH';
export const LICENSE = 'lic-0042';

/** The counts of window `i`; `seats` changes the counts but not the window. */
export function windowCounts(i: number, seats = 40 + (i % 7)): TelemetryCounts<1> {
  return {
    periodStart: stamp(BASE + i * DAY),
    periodEnd: stamp(BASE + (i + 1) * DAY),
    activeSeats: seats,
    policiesActive: 7,
    policyExecutionsCount: 1000 + i,
    totalProvisionedSeats: 50,
    seatLimitHit: false,
    featuresUsed: ['sso', 'audit-log', 'sso'],
    appVersion: '3f2a9c1',
    nodeVersion: '20',
  };
}

const DAY_BASE = Date.UTC(2026, 10, 1);

/** The counts of day `i` from 2026-11-01: a window from one UTC midnight to the next, as the contract's windows go. */
export function dayCounts(i: number, seats = 40 + (i % 7)): TelemetryCounts<1> {
  return { ...windowCounts(i, seats), periodStart: stamp(DAY_BASE + i * DAY), periodEnd: stamp(DAY_BASE + (i + 1) * DAY) };
}
