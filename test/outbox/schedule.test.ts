/**
 * The outbox on a schedule: `enqueueDue` queues the windows `dueWindows` says
 * are due, with the application's counts for each, resumes after the newest
 * window it holds (kept past retention for that), and the outbox refuses a
 * window that overlaps one it holds.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutboxOptions, type OutboxRecord, type WindowCounts, openOutbox } from '../../src/outbox.js';
import { type DueWindow, dueWindows, sendOffsetMs } from '../../src/uploader.js';
import { CUSTOMER, KEY_A, LICENSE, noWait, scratchDir, scriptedFetch, stored } from './support.js';

const DAY = 86_400_000;

/** An outbox of the test license that builds version 1 and stores everything it sends, unless told otherwise. */
const open = (dir: string, overrides: Partial<OutboxOptions> = {}) =>
  openOutbox({ dir, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], maskCustomer: true, baseUrl: 'https://telemetry.vendor.example', fetch: scriptedFetch([stored()]).fetch, ...noWait, version: 1, ...overrides });
const OFFSET = sendOffsetMs(LICENSE);

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});
function folder(): string {
  const scratch = scratchDir('schedule');
  cleanups.push(scratch.cleanup);
  return scratch.dir;
}

/** A clock the test sets. */
function clock(iso: string) {
  let ms = Date.parse(iso);
  return { now: () => ms, set: (to: string | number) => void (ms = typeof to === 'number' ? to : Date.parse(to)), advanceDays: (days: number) => void (ms += days * DAY) };
}

/** The application's counts for a window, and every window it was asked for. */
function application(seats = 40) {
  const asked: DueWindow[] = [];
  const countsFor = (window: DueWindow): WindowCounts<1> => {
    asked.push(window);
    return { activeSeats: seats, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 50, seatLimitHit: false, featuresUsed: ['sso'], appVersion: '3f2a9c1', nodeVersion: '20' };
  };
  return { asked, countsFor };
}

const day = (iso: string) => `${iso}T00:00:00Z`;
const windowsIn = (dir: string) => readdirSync(join(dir, 'records')).length;

describe('enqueueDue', () => {
  it('queues the latest due period of a new installation with the counts the application gives, once, and says when the next is due', async () => {
    const dir = folder();
    const time = clock('2026-11-20T12:00:00Z');
    const outbox = await open(dir, { now: time.now });
    const app = application();
    const first = await outbox.enqueueDue(app.countsFor);
    expect(first).toMatchObject({
      ok: true,
      queued: [{ window: { periodStart: day('2026-11-01'), periodEnd: day('2026-11-15'), kind: 'period' }, duplicate: false }],
      next: { periodStart: day('2026-11-15'), periodEnd: day('2026-12-01'), sendAt: new Date(Date.parse(day('2026-12-01')) + 2 * 3_600_000 + OFFSET).toISOString() },
    });
    expect(app.asked.map((w) => w.periodStart)).toEqual([day('2026-11-01')]);
    const status = await outbox.status();
    expect(status.oldestPending?.window).toEqual({ start: day('2026-11-01'), end: day('2026-11-15') });

    // Called again (the scheduler's next tick): nothing new is due, nothing is asked or queued.
    expect(await outbox.enqueueDue(app.countsFor)).toMatchObject({ ok: true, queued: [] });
    expect(app.asked).toHaveLength(1);
    expect(windowsIn(dir)).toBe(1);
  });

  it('queues a window only once its send moment has come, 02:00 UTC plus the license\'s offset, never before it ended', async () => {
    const dir = folder();
    const time = clock('2026-11-20T12:00:00Z');
    const outbox = await open(dir, { now: time.now, frequency: 'twice-monthly' });
    const app = application();
    await outbox.enqueueDue(app.countsFor);
    const sendAt = Date.parse(day('2026-12-01')) + 2 * 3_600_000 + OFFSET;
    for (const at of [Date.parse(day('2026-11-30')) + 23 * 3_600_000, Date.parse(day('2026-12-01')), sendAt - 1]) {
      time.set(at);
      expect(await outbox.enqueueDue(app.countsFor)).toMatchObject({ ok: true, queued: [] });
    }
    time.set(sendAt);
    expect(await outbox.enqueueDue(app.countsFor)).toMatchObject({ ok: true, queued: [{ window: { periodStart: day('2026-11-15'), periodEnd: day('2026-12-01') } }] });
  });

  it('after 40 days down, queues every missed day from the last window on, older ones in one catch-up window, keeping that last window past retention', async () => {
    const dir = folder();
    const time = clock('2026-01-01T12:00:00Z');
    const fetch = scriptedFetch([stored()]);
    const outbox = await open(dir, { now: time.now, frequency: 'daily', retentionDays: 7, fetch: fetch.fetch });
    const app = application();
    expect(await outbox.enqueueDue(app.countsFor)).toMatchObject({ ok: true, queued: [{ window: { periodStart: day('2025-12-31'), periodEnd: day('2026-01-01') } }] });
    expect((await outbox.flush()).delivered).toHaveLength(1);

    // Down for 40 days: on opening, retention purges delivered windows older than 7 days, but not the newest.
    time.advanceDays(40);
    const reopened = await open(dir, { now: time.now, frequency: 'daily', retentionDays: 7, fetch: fetch.fetch });
    expect(reopened.opened.purged.records).toBe(0);
    const due = await reopened.enqueueDue(app.countsFor);
    if (!due.ok) throw new Error(due.error.message);
    const expected = dueWindows({ frequency: 'daily', licenseId: LICENSE, last: { periodStart: day('2025-12-31'), periodEnd: day('2026-01-01') }, now: time.now() });
    expect(expected.ok && due.queued.map((q) => q.window)).toEqual(expected.ok && expected.windows);
    expect(due.queued).toHaveLength(31);
    expect(due.queued[0]!.window).toMatchObject({ periodStart: day('2026-01-01'), periodEnd: day('2026-01-11'), kind: 'catch-up' });
    expect(due.queued.at(-1)!.window).toMatchObject({ periodStart: day('2026-02-09'), periodEnd: day('2026-02-10') });

    const flushed = await reopened.flush();
    expect(flushed).toMatchObject({ ok: true, failed: [], pending: [] });
    expect(flushed.delivered).toHaveLength(31);
    // Each window went out with its own bounds, contiguous from where the outbox left off.
    const sent = fetch.calls.slice(1).map((c) => JSON.parse(new TextDecoder().decode(c.body)) as { periodStart: string; periodEnd: string });
    expect(sent[0]!.periodStart).toBe(day('2026-01-01'));
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.periodStart).toBe(sent[i - 1]!.periodEnd);

    // The flush's housekeeping purged the window before the downtime: a newer one holds the place now.
    expect(await reopened.status()).toMatchObject({ delivered: 31 });
    // Eight days on, every delivered window is past retention but the newest, which the schedule resumes after.
    time.advanceDays(8);
    const later = await open(dir, { now: time.now, frequency: 'daily', retentionDays: 7, fetch: fetch.fetch });
    expect(later.opened.purged.records).toBe(30);
    expect((await later.status()).lastSuccess?.window).toEqual({ start: day('2026-02-09'), end: day('2026-02-10') });
    expect(await later.enqueueDue(app.countsFor)).toMatchObject({ ok: true, queued: { length: 8 } });
  });

  it('tells the windows due and the next one without queuing anything, also to a process that has only the folder', async () => {
    const dir = folder();
    const time = clock('2026-11-20T12:00:00Z');
    const app = await open(dir, { now: time.now, frequency: 'weekly' });
    const told = await app.due();
    expect(told).toMatchObject({ ok: true, windows: [{ periodStart: day('2026-11-09'), periodEnd: day('2026-11-16') }], next: { periodStart: day('2026-11-16'), periodEnd: day('2026-11-23') } });
    expect(windowsIn(dir)).toBe(0);
    // Another process (an operator's tool): the license id comes from outbox.json, the schedule is named.
    const reader = await openOutbox({ dir, now: time.now, frequency: 'weekly' });
    expect(await reader.due()).toEqual(told);
    await app.enqueueDue(application().countsFor);
    expect(await reader.due()).toMatchObject({ ok: true, windows: [], next: { periodStart: day('2026-11-16') } });
    // Without a license id anywhere, no send moment can be placed.
    expect(await (await openOutbox({ dir: folder() })).due()).toMatchObject({ ok: false, error: { rule: 'not-configured' } });
  });

  it('stops at a window whose counts the application cannot give, keeps what it queued, and queues the rest at the next call', async () => {
    const dir = folder();
    const time = clock('2026-11-10T12:00:00Z');
    const outbox = await open(dir, { now: time.now, frequency: 'daily' });
    await outbox.enqueueDue(application().countsFor);
    time.advanceDays(3);
    let calls = 0;
    const failing = (window: DueWindow): WindowCounts<1> => {
      if (++calls === 2) throw new Error('the usage database is locked');
      return application().countsFor(window);
    };
    const partial = await outbox.enqueueDue(failing);
    expect(partial).toMatchObject({ ok: false, queued: [{ window: { periodStart: day('2026-11-10') } }], error: { rule: 'counts-callback' } });
    expect(!partial.ok && partial.error.message).toBe(
      'countsFor: threw for the window 2026-11-11T00:00:00Z to 2026-11-12T00:00:00Z: the usage database is locked; it is due again at the next call (counts-callback)',
    );
    const rest = await outbox.enqueueDue(application().countsFor);
    expect(rest.ok && rest.queued.map((q) => q.window.periodStart)).toEqual([day('2026-11-11'), day('2026-11-12')]);

    // Counts the contract refuses stop it the same way, with the contract's errors.
    time.advanceDays(1);
    const refused = await outbox.enqueueDue(() => ({ ...application().countsFor({} as DueWindow), activeSeats: -1 }));
    expect(refused).toMatchObject({ ok: false, queued: [], error: { rule: 'invalid-payload' } });
  });

  it('resumes at the next UTC midnight after a newest window that ends off one (queued before windows were days)', async () => {
    const dir = folder();
    const time = clock('2026-11-20T12:00:00Z');
    const outbox = await open(dir, { now: time.now, frequency: 'daily' });
    const queued = await outbox.enqueue({ ...application().countsFor({} as DueWindow), periodStart: day('2026-11-17'), periodEnd: day('2026-11-18') });
    if (!queued.ok) throw new Error(queued.error.message);
    // The record as an earlier draft of the package could leave it: a window ending at noon.
    const file = join(dir, 'records', `${queued.messageId}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as OutboxRecord;
    writeFileSync(file, `${JSON.stringify({ ...record, window: { ...record.window, end: '2026-11-18T12:00:00Z' } })}\n`);
    expect(await outbox.due()).toMatchObject({ ok: true, windows: [{ periodStart: day('2026-11-19'), periodEnd: day('2026-11-20') }] });
    expect(await outbox.enqueueDue(application().countsFor)).toMatchObject({ ok: true, queued: [{ window: { periodStart: day('2026-11-19'), periodEnd: day('2026-11-20') } }] });
  });

  it('says what is missing, queues nothing while disabled, and refuses an unknown frequency when opened', async () => {
    const dir = folder();
    expect(await (await openOutbox({ dir, version: 1 })).enqueueDue(application().countsFor)).toMatchObject({ ok: false, queued: [], error: { rule: 'not-configured', message: 'enqueueDue: licenseId, customer, signingSecrets must be given to openOutbox to build a window (not-configured)' } });
    expect(await (await open(dir, { enabled: false })).enqueueDue(application().countsFor)).toMatchObject({ ok: false, error: { rule: 'disabled' } });
    await expect(open(dir, { frequency: 'hourly' as 'daily' })).rejects.toThrow('openOutbox: frequency must be one of daily, weekly, twice-monthly, monthly, got "hourly" (invalid-option)');
  });
});

describe('enqueue and overlapping windows', () => {
  const counts = () => application().countsFor({} as DueWindow);
  const span = (start: string, end: string) => ({ ...counts(), periodStart: day(start), periodEnd: day(end) });

  it('refuses a window that overlaps one queued or delivered, and writes nothing; adjacent windows are fine', async () => {
    const dir = folder();
    const outbox = await open(dir);
    const first = await outbox.enqueue(span('2026-11-01', '2026-11-15'));
    expect(first.ok).toBe(true);
    const records = () => readdirSync(join(dir, 'records')).sort();
    const before = records();

    for (const [start, end] of [['2026-11-14', '2026-11-16'], ['2026-10-31', '2026-11-02'], ['2026-11-05', '2026-11-06'], ['2026-10-01', '2026-12-01']] as const) {
      const refused = await outbox.enqueue(span(start, end));
      expect(refused, `${start} to ${end}`).toMatchObject({ ok: false, error: { rule: 'window-overlap' } });
      expect(!refused.ok && refused.error.message).toMatch(
        new RegExp(`^lic-0042/${day(start)}/${day(end)}: overlaps the window 2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z already in the outbox \\(msg_[0-9a-f]{64}, pending\\) \\(window-overlap\\); nothing was queued`),
      );
    }
    expect(records()).toEqual(before);

    // Half-open: a window may start where another ends, and end where another starts.
    expect(await outbox.enqueue(span('2026-11-15', '2026-12-01'))).toMatchObject({ ok: true, duplicate: false });
    expect(await outbox.enqueue(span('2026-10-15', '2026-11-01'))).toMatchObject({ ok: true, duplicate: false });

    await outbox.flush();
    expect(await outbox.enqueue(span('2026-11-30', '2026-12-02'))).toMatchObject({ ok: false, error: { rule: 'window-overlap', message: expect.stringContaining(', delivered) (window-overlap)') } });
  });

  it('lets a window overlap one an operator discarded: that time was neither queued nor delivered any more', async () => {
    const dir = folder();
    // The server refuses the first window for good; the operator discards it and the application reports the time anew.
    const fetch = scriptedFetch((_call, i) => (i === 0 ? { status: 422, body: { error: { rule: 'invalid-payload', message: 'no' } } } : stored()));
    const outbox = await open(dir, { fetch: fetch.fetch });
    const first = await outbox.enqueue(span('2026-11-01', '2026-11-15'));
    expect((await outbox.flush()).failed).toHaveLength(1);
    expect(await outbox.enqueue(span('2026-11-01', '2026-11-16'))).toMatchObject({ ok: false, error: { rule: 'window-overlap', message: expect.stringContaining(', failed) (window-overlap)') } });
    expect(await outbox.discard(first.ok ? first.messageId : '', { reason: 'refused by the vendor; sent again as one window with the 15th' })).toMatchObject({ ok: true, state: 'discarded' });
    expect(await outbox.enqueue(span('2026-11-01', '2026-11-16'))).toMatchObject({ ok: true, duplicate: false });
  });

  it('still answers the same window with the same counts as a duplicate and with other counts as a window-conflict', async () => {
    const dir = folder();
    const outbox = await open(dir);
    await outbox.enqueue(span('2026-11-01', '2026-11-15'));
    expect(await outbox.enqueue(span('2026-11-01', '2026-11-15'))).toMatchObject({ ok: true, duplicate: true });
    expect(await outbox.enqueue({ ...span('2026-11-01', '2026-11-15'), activeSeats: 41 })).toMatchObject({ ok: false, error: { rule: 'window-conflict' } });
  });

  it('of two overlapping windows queued at once by one outbox, one is queued and the other refused', async () => {
    const dir = folder();
    const outbox = await open(dir);
    const results = await Promise.all([outbox.enqueue(span('2026-11-01', '2026-11-15')), outbox.enqueue(span('2026-11-10', '2026-11-20'))]);
    expect(results.map((r) => (r.ok ? 'queued' : r.error.rule))).toEqual(['queued', 'window-overlap']);
    const stored = readdirSync(join(dir, 'records'));
    expect(stored).toHaveLength(1);
    expect((JSON.parse((await import('node:fs')).readFileSync(join(dir, 'records', stored[0]!), 'utf8')) as OutboxRecord).window.end).toBe(day('2026-11-15'));
  });
});
