import { describe, expect, it } from 'vitest';
import { HEALTH_STATES, assessHealth, type HealthInput } from '../../src/outbox/health.js';
import type { OutboxRecord } from '../../src/outbox/record.js';
import type { LogEntry } from '../../src/outbox/transmission-log.js';

const NOW = Date.UTC(2026, 10, 16, 12);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function record(state: OutboxRecord['state'], extra: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    format: 1,
    messageId: `msg_${'a'.repeat(64)}`,
    dedupeKey: 'lic/2026-11-01T00:00:00Z/2026-11-02T00:00:00Z',
    window: { start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' },
    licenseId: 'lic',
    customer: 'ACME',
    schemaVersion: 1,
    body: '{}',
    bodySha256: '',
    bytes: 2,
    enqueuedAt: iso(NOW - 2 * DAY),
    state,
    attempts: 1,
    ...extra,
  };
}

function entry(outcome: LogEntry['outcome'], at: number, extra: Partial<LogEntry> = {}): LogEntry {
  return { time: iso(at), messageId: `msg_${'a'.repeat(64)}`, window: { start: 'a', end: 'b' }, outcome, bytes: 2, schemaVersion: 1, attempts: [], ...extra };
}

const healthy = (extra: Partial<HealthInput> = {}): HealthInput => ({
  now: NOW,
  enabled: true,
  missing: [],
  records: [record('delivered', { delivered: { at: iso(NOW - DAY), status: 201, schemaVersion: 1 } })],
  unreadable: 0,
  log: [entry('delivered', NOW - DAY, { status: 201 })],
  ...extra,
});

describe('health', () => {
  it('has the five states of an operator console, checked in this order', () => {
    expect(HEALTH_STATES).toEqual(['disabled', 'not-configured', 'unhealthy', 'warning', 'healthy']);
  });

  it('is healthy after a recent delivery, and says when it was', () => {
    expect(assessHealth(healthy())).toEqual({
      state: 'healthy',
      reason: 'the last successful transmission was 24 hours ago; nothing waits',
      lastSuccess: iso(NOW - DAY),
      checkedAt: iso(NOW),
    });
  });

  it('warns when the last delivery is more than 7 days old (warnAfterDays to change)', () => {
    const old = healthy({ records: [], log: [entry('delivered', NOW - 8 * DAY)] });
    expect(assessHealth(old)).toMatchObject({ state: 'warning', reason: 'the last successful transmission was 8 days ago, more than 7 days; nothing waits' });
    expect(assessHealth({ ...old, warnAfterDays: 10 }).state).toBe('healthy');
    expect(assessHealth(healthy({ records: [], log: [entry('delivered', NOW - 6.9 * DAY)] })).state).toBe('healthy');
  });

  it('warns when nothing was ever delivered, and says what waits', () => {
    expect(assessHealth(healthy({ records: [record('pending')], log: [] }))).toMatchObject({ state: 'warning', reason: 'no window delivered yet; 1 window waits' });
  });

  it('warns when the server announced that the version sent is deprecated', () => {
    const log = [entry('delivered', NOW - DAY, { deprecation: { version: 1, sunset: '2027-05-31T00:00:00.000Z' } })];
    expect(assessHealth(healthy({ log }))).toMatchObject({ state: 'warning', reason: 'the server deprecated v1, sunset 2027-05-31: upgrade telemetry-contract to send a newer version' });
  });

  it('is unhealthy when the last transmission failed, naming the failure', () => {
    const log = [entry('delivered', NOW - 3 * DAY), entry('pending', NOW - 3_600_000, { rule: 'retries-exhausted', message: 'send: gave up after 3 attempts (retries-exhausted)' })];
    expect(assessHealth(healthy({ log, records: [record('pending')] }))).toMatchObject({
      state: 'unhealthy',
      reason: 'the last transmission (60 minutes ago) failed: send: gave up after 3 attempts (retries-exhausted); 1 window waits',
    });
  });

  it('is unhealthy while windows sit refused, until they are retried', () => {
    const refused = record('failed', { failure: { at: iso(NOW - DAY), status: 422, rule: 'invalid-payload', message: 'x' } });
    expect(assessHealth(healthy({ records: [refused] }))).toMatchObject({
      state: 'unhealthy',
      reason: '1 window refused by the server (the last: 422 invalid-payload); fix the cause, then retry it (telemetry-outbox retry)',
    });
  });

  it('names discard, not a retry, for a window the server refuses however often it is sent (window-overlap, window-conflict)', () => {
    const overlap = record('failed', { failure: { at: iso(NOW - DAY), status: 409, rule: 'window-overlap', message: 'x' } });
    expect(assessHealth(healthy({ records: [overlap] })).reason).toBe(
      `1 window refused by the server (the last: 409 window-overlap); it overlaps a window the server has stored and is refused again however often it is sent: discard it (telemetry-outbox discard ${overlap.messageId} --reason <text>) and report only the days no stored window covers`,
    );
    const conflict = record('failed', { failure: { at: iso(NOW - DAY), status: 409, rule: 'window-conflict', message: 'x' } });
    expect(assessHealth(healthy({ records: [conflict] })).reason).toMatch(/\(the last: 409 window-conflict\); .*discard it \(telemetry-outbox discard msg_\S+ --reason <text>\) or, where the vendor accepts corrections, supersede the stored report \(telemetry-outbox supersede msg_\S+ --reason <text>\)$/);
    // Several refused windows may need different steps: the general one is named.
    expect(assessHealth(healthy({ records: [overlap, conflict] })).reason).toMatch(/^2 windows refused by the server \(the last: 409 window-(overlap|conflict)\); fix the cause, then retry them \(telemetry-outbox retry\)$/);
  });

  it('is unhealthy with unreadable records or a folder that cannot be written', () => {
    expect(assessHealth(healthy({ unreadable: 2 })).reason).toBe('2 record files could not be read (set aside in corrupt/, kept for the retention period); re-enqueue those windows from the source if not delivered, then delete the file');
    expect(assessHealth(healthy({ storageProblem: '/x: cannot write the outbox: permission denied, EACCES (storage-write)' }))).toMatchObject({ state: 'unhealthy' });
  });

  it('is not-configured without a server address or a signing secret, and disabled when switched off, whatever else holds', () => {
    expect(assessHealth(healthy({ missing: ['baseUrl'], unreadable: 3 }))).toMatchObject({ state: 'not-configured', reason: 'the connection to the server is not configured: baseUrl is missing' });
    expect(assessHealth(healthy({ missing: ['baseUrl', 'signingSecrets'] })).reason).toBe('the connection to the server is not configured: baseUrl and signingSecrets are missing');
    expect(assessHealth(healthy({ enabled: false, missing: ['baseUrl'] }))).toMatchObject({ state: 'disabled', reason: 'telemetry is switched off (enabled: false); nothing is sent' });
  });
});
