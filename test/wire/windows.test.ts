/**
 * Reporting windows (src/uploader/windows.ts): the published vectors, a
 * reference written another way (forward, day by day, merging afterwards)
 * that must agree on any schedule, last window and clock, and the properties
 * every answer keeps: contiguous half-open windows on UTC midnights, none
 * before its send moment, at most MAX_DUE_WINDOWS, the next one after them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DueWindow, MAX_DUE_WINDOWS, REPORTING_SCHEDULES, type ReportingFrequency, SEND_DELAY_MS, SEND_SPREAD_MS, dueWindows, sendOffsetMs } from '../../src/uploader/windows.js';
import { repoRoot } from '../helpers.js';

const DAY = 86_400_000;
const FREQUENCIES = Object.keys(REPORTING_SCHEDULES) as ReportingFrequency[];

interface Vectors {
  $comment: string;
  schedule: { sendDelayMs: number; spreadMs: number; spreadHashBytes: number; maxDueWindows: number };
  sendOffsets: Array<{ licenseId: string; sha256: string; offsetMs: number }>;
  cases: Array<{
    name: string;
    input: { frequency: ReportingFrequency; licenseId: string; last: { periodStart: string; periodEnd: string } | null; now: string };
    expected: { windows: DueWindow[]; next: DueWindow } | { error: string };
  }>;
}

// The committed file, as another team would read it.
const vectors = JSON.parse(readFileSync(join(repoRoot, 'generated/window-vectors.json'), 'utf8')) as Vectors;

/** The offset as the document states it, with Node's own SHA-256. */
function referenceOffset(licenseId: string): number {
  return Number(BigInt(`0x${createHash('sha256').update(licenseId, 'utf8').digest('hex').slice(0, 12)}`) % BigInt(SEND_SPREAD_MS));
}

/** Whether a UTC day starts a window, from the schedule's description rather than its data. */
function startsWindow(frequency: ReportingFrequency, day: number): boolean {
  const date = new Date(day * DAY);
  if (frequency === 'daily') return true;
  if (frequency === 'weekly') return date.getUTCDay() === 1;
  if (frequency === 'twice-monthly') return date.getUTCDate() === 1 || date.getUTCDate() === 15;
  return date.getUTCDate() === 1;
}

const iso = (day: number) => new Date(day * DAY).toISOString().replace('.000Z', 'Z');

/** The windows due, computed forward: every boundary from the start whose send moment has passed, then the oldest merged. */
function reference(frequency: ReportingFrequency, licenseId: string, lastEnd: number | undefined, now: number): { windows: DueWindow[]; next: DueWindow } {
  const offset = referenceOffset(licenseId);
  const due = (day: number) => day * DAY + SEND_DELAY_MS + offset <= now;
  const sendAt = (day: number) => new Date(day * DAY + SEND_DELAY_MS + offset).toISOString();
  const make = (from: number, to: number, kind: DueWindow['kind']): DueWindow => ({ periodStart: iso(from), periodEnd: iso(to), kind, sendAt: sendAt(to) });
  let start = lastEnd;
  if (start === undefined) {
    let latest = Math.floor(now / DAY) + 1;
    while (!(startsWindow(frequency, latest) && due(latest))) latest--;
    start = latest - 1;
    while (!startsWindow(frequency, start)) start--;
  }
  const ends: number[] = [];
  for (let day = start + 1; due(day); day++) if (startsWindow(frequency, day)) ends.push(day);
  let windows = ends.map((end, i) => make(i === 0 ? start! : ends[i - 1]!, end, 'period'));
  if (windows.length > MAX_DUE_WINDOWS) {
    const kept = windows.slice(windows.length - (MAX_DUE_WINDOWS - 1));
    windows = [{ ...make(start, 0, 'catch-up'), periodEnd: kept[0]!.periodStart, sendAt: sendAt(Date.parse(kept[0]!.periodStart) / DAY) }, ...kept];
  }
  const nextStart = ends.length > 0 ? ends[ends.length - 1]! : start;
  let nextEnd = nextStart + 1;
  while (!startsWindow(frequency, nextEnd)) nextEnd++;
  return { windows, next: make(nextStart, nextEnd, 'period') };
}

describe('reporting window vectors (generated/window-vectors.json)', () => {
  it('say they are generated from the schedules and cover every frequency, leap days, month ends and 40 days down', () => {
    expect(vectors.$comment).toMatch(/^generated from schema\/windows\.ts .* by `npm run generate`; do not edit$/);
    for (const frequency of FREQUENCIES) {
      expect(vectors.cases.some((c) => c.input.frequency === frequency && c.name.includes('down for 40 days'))).toBe(true);
      expect(vectors.cases.some((c) => c.input.frequency === frequency && c.input.last === null)).toBe(true);
    }
    const spans = vectors.cases.flatMap((c) => ('windows' in c.expected ? c.expected.windows : []));
    expect(spans.some((w) => w.periodEnd === '2028-02-29T00:00:00Z')).toBe(true);
    expect(spans.some((w) => w.periodStart === '2100-02-28T00:00:00Z' && w.periodEnd === '2100-03-01T00:00:00Z')).toBe(true);
    expect(spans.some((w) => w.kind === 'catch-up')).toBe(true);
    expect(vectors.cases.some((c) => 'error' in c.expected)).toBe(true);
  });

  it('state the offsets of the document: SHA-256 of the license id, 6 bytes, big-endian, modulo the spread', () => {
    expect(vectors.schedule).toEqual({ sendDelayMs: SEND_DELAY_MS, spreadMs: SEND_SPREAD_MS, spreadHashBytes: 6, maxDueWindows: MAX_DUE_WINDOWS, frequencies: expect.any(Object) });
    for (const { licenseId, sha256, offsetMs } of vectors.sendOffsets) {
      expect(sha256).toBe(createHash('sha256').update(licenseId, 'utf8').digest('hex'));
      expect(offsetMs).toBe(referenceOffset(licenseId));
      expect(sendOffsetMs(licenseId)).toBe(offsetMs);
    }
    expect(new Set(vectors.sendOffsets.map((o) => o.offsetMs)).size).toBe(vectors.sendOffsets.length);
  });

  describe.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = { frequency: c.input.frequency, licenseId: c.input.licenseId, ...(c.input.last ? { last: c.input.last } : {}), now: Date.parse(c.input.now) };

    it('is what dueWindows gives', () => {
      const result = dueWindows(options);
      expect(result.ok ? { windows: result.windows, next: result.next } : { error: result.error.rule }).toEqual(c.expected);
    });

    it.skipIf('error' in c.expected)('is what the forward reference gives', () => {
      expect(reference(c.input.frequency, c.input.licenseId, c.input.last ? Math.ceil(Date.parse(c.input.last.periodEnd) / DAY) : undefined, options.now)).toEqual(c.expected);
    });
  });
});

/** A schedule, a last window ending on a UTC midnight (or none), a clock up to a few years later, a license. */
const inputs = fc.record({
  frequency: fc.constantFrom(...FREQUENCIES),
  lastEnd: fc.option(fc.integer({ min: 10_000, max: 40_000 }), { nil: undefined }),
  ahead: fc.integer({ min: -40 * DAY, max: 1500 * DAY }),
  licenseId: fc.stringMatching(/^[A-Za-z0-9._-]{1,16}$/),
  // Most last windows end at a midnight; some (queued before windows were days) a few hours past one.
  pastMidnightMs: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: DAY - 1 }), weight: 1 }),
});

describe('dueWindows', () => {
  it('agrees with the forward reference on any schedule, last window, clock and license', () => {
    fc.assert(
      fc.property(inputs, ({ frequency, lastEnd, ahead, licenseId, pastMidnightMs }) => {
        const now = (lastEnd ?? 20_000) * DAY + ahead;
        const periodEnd = new Date((lastEnd ?? 0) * DAY + pastMidnightMs).toISOString();
        const result = dueWindows({ frequency, licenseId, ...(lastEnd !== undefined ? { last: { periodStart: iso(lastEnd - 1), periodEnd } } : {}), now });
        expect(result.ok).toBe(true);
        const resumesAt = lastEnd === undefined ? undefined : lastEnd + (pastMidnightMs > 0 ? 1 : 0);
        if (result.ok) expect({ windows: result.windows, next: result.next }).toEqual(reference(frequency, licenseId, resumesAt, now));
      }),
      { numRuns: 300 },
    );
  });

  it('gives contiguous half-open windows on UTC midnights, each a day or more, all due, at most MAX_DUE_WINDOWS, and the next after them', () => {
    fc.assert(
      fc.property(inputs, ({ frequency, lastEnd, ahead, licenseId }) => {
        const now = (lastEnd ?? 20_000) * DAY + ahead;
        const result = dueWindows({ frequency, licenseId, ...(lastEnd !== undefined ? { last: { periodStart: iso(lastEnd - 7), periodEnd: iso(lastEnd) } } : {}), now });
        if (!result.ok) throw new Error(result.error.message);
        const all = [...result.windows, result.next];
        expect(result.windows.length).toBeLessThanOrEqual(MAX_DUE_WINDOWS);
        if (lastEnd !== undefined) expect(all[0]!.periodStart).toBe(iso(lastEnd));
        for (const [i, w] of all.entries()) {
          expect(w.periodStart).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
          expect(w.periodEnd).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
          expect(Date.parse(w.periodEnd) - Date.parse(w.periodStart)).toBeGreaterThanOrEqual(DAY);
          if (i > 0) expect(w.periodStart).toBe(all[i - 1]!.periodEnd);
          expect(Date.parse(w.sendAt) - Date.parse(w.periodEnd) - SEND_DELAY_MS).toBe(sendOffsetMs(licenseId));
          if (w.kind === 'catch-up') expect(i).toBe(0);
        }
        for (const w of result.windows) expect(Date.parse(w.sendAt)).toBeLessThanOrEqual(now);
        expect(Date.parse(result.next.sendAt)).toBeGreaterThan(now);
      }),
      { numRuns: 300 },
    );
  });

  it('gives an installation the same offset every time, within the hour after 02:00 UTC, and spreads a fleet over it', () => {
    const offsets = Array.from({ length: 2000 }, (_, i) => sendOffsetMs(`lic-${i}`));
    expect(offsets.map((_, i) => sendOffsetMs(`lic-${i}`))).toEqual(offsets);
    for (const offset of offsets) expect(offset >= 0 && offset < SEND_SPREAD_MS).toBe(true);
    // Every quarter of the hour gets a share of the fleet: no second carries it.
    const quarters = [0, 0, 0, 0];
    for (const offset of offsets) quarters[Math.floor(offset / (SEND_SPREAD_MS / 4))]!++;
    for (const share of quarters) expect(share).toBeGreaterThan(400);
    expect(new Set(offsets.map((o) => Math.floor(o / 1000))).size).toBeGreaterThan(1000);
  });

  it('follows a last window that ends off a UTC midnight from the next midnight, and refuses one whose end is no date-time', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    for (const periodEnd of ['2026-11-19T12:00:00Z', '2026-11-19T00:00:00.5Z', '2026-11-19T23:59:59.999999999Z']) {
      const result = dueWindows({ frequency: 'daily', licenseId: 'lic-0042', last: { periodStart: '2026-11-18T00:00:00Z', periodEnd }, now });
      expect(result.ok && result.windows.map((w) => w.periodStart)).toEqual(['2026-11-20T00:00:00Z']);
    }
    const refused = dueWindows({ frequency: 'daily', licenseId: 'lic-0042', last: { periodStart: '2026-11-18T00:00:00Z', periodEnd: 'yesterday' }, now });
    expect(refused).toEqual({ ok: false, error: { rule: 'invalid-window', message: 'last.periodEnd: is not a UTC date-time such as 2026-11-15T00:00:00Z, so no window can follow it (invalid-window)' } });
  });

  it('throws a TypeError naming the option, the rule and the kind of value for bad options', () => {
    const good = { frequency: 'daily' as const, licenseId: 'lic-0042', now: Date.parse('2026-11-20T12:00:00Z') };
    expect(() => dueWindows({ ...good, frequency: 'hourly' as ReportingFrequency })).toThrow(/^frequency: must be one of daily, weekly, twice-monthly, monthly, got "hourly" \(frequency\)$/);
    expect(() => dueWindows({ ...good, frequency: 7 as unknown as ReportingFrequency })).toThrow(/got a number \(frequency\)/);
    expect(() => dueWindows({ ...good, frequency: undefined as unknown as ReportingFrequency })).toThrow(/got nothing \(frequency\)/);
    expect(() => dueWindows({ ...good, licenseId: [] as unknown as string })).toThrow(/got an array \(license-id\)/);
    expect(() => dueWindows({ ...good, licenseId: 'lic/0042' })).toThrow(/^licenseId: must match .*, got another string \(license-id\)$/);
    expect(() => dueWindows({ ...good, now: Number.NaN })).toThrow(/^now: must be a Date or milliseconds from 1970 to 9999, got NaN \(now\)$/);
    expect(() => dueWindows({ ...good, now: new Date('x') })).toThrow(/\(now\)$/);
  });
});

describe('docs/wire-protocol.md, "Reporting windows"', () => {
  const doc = readFileSync(join(repoRoot, 'docs/wire-protocol.md'), 'utf8');

  it('states the offset and the send moment of its example as dueWindows computes them', () => {
    const [, offset, sendAt] = /For `lic-0042` it is ([\d,]+) ms, so its window of the first\s+half of November 2026 is sent at `([^`]+)`/.exec(doc) ?? [];
    expect(Number(offset?.replace(/,/g, ''))).toBe(sendOffsetMs('lic-0042'));
    const due = dueWindows({ frequency: 'twice-monthly', licenseId: 'lic-0042', now: Date.parse('2026-11-20T00:00:00Z') });
    expect(due.ok && due.windows).toEqual([expect.objectContaining({ periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-15T00:00:00Z', sendAt })]);
  });

  it('states the schedule\'s constants: 2 hours, an hour of spread, 6 bytes, 31 windows', () => {
    expect(SEND_DELAY_MS).toBe(2 * 3_600_000);
    expect(doc).toContain('`periodEnd` + 2 hours (02:00 UTC');
    expect(doc).toContain(`modulo ${SEND_SPREAD_MS.toLocaleString('en-US')}: milliseconds within the hour`);
    expect(doc).toContain(`At most ${MAX_DUE_WINDOWS} windows are due at once`);
    expect(doc).toContain(`the ${MAX_DUE_WINDOWS - 1} most recent are one window each`);
  });
});
