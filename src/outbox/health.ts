/**
 * The outbox's health, as an operator console shows it: one of five states
 * and the reason, decided from the queue and the transmission log.
 *
 *   disabled        telemetry is switched off (`enabled: false`)
 *   not-configured  no server address or no signing secret
 *   unhealthy       windows refused for good, records that cannot be read, a folder that
 *                   cannot be written, or the last transmission failed
 *   warning         no successful transmission in `warnAfterDays` (default 7), none yet,
 *                   or the server announced that the version sent is deprecated
 *   healthy         a recent successful transmission and nothing of the above
 */
import type { LogEntry } from './transmission-log.js';
import type { OutboxRecord } from './record.js';
import { refusalStep } from './refusal-step.js';

export type HealthState = 'healthy' | 'warning' | 'unhealthy' | 'disabled' | 'not-configured';

/** The states in the order they are checked. */
export const HEALTH_STATES: readonly HealthState[] = ['disabled', 'not-configured', 'unhealthy', 'warning', 'healthy'];

export const DEFAULT_WARN_AFTER_DAYS = 7;

export interface Health {
  readonly state: HealthState;
  /** One sentence saying why, and what to do when something is wrong. */
  readonly reason: string;
  /** The last delivery the outbox remembers (within the retention period). */
  readonly lastSuccess?: string;
  readonly checkedAt: string;
}

export interface HealthInput {
  readonly now: number;
  readonly enabled: boolean;
  /** What is missing to send, e.g. `baseUrl` or `signingSecrets`; empty when configured. */
  readonly missing: readonly string[];
  readonly records: readonly OutboxRecord[];
  readonly unreadable: number;
  /** The storage's last write failure, when the last write failed. */
  readonly storageProblem?: string;
  /** The log, oldest first. */
  readonly log: readonly LogEntry[];
  readonly warnAfterDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function age(ms: number): string {
  if (ms < 60_000) return 'less than a minute';
  if (ms < 2 * 60 * 60 * 1000) return plural(Math.max(0, Math.round(ms / 60_000)), 'minute');
  if (ms < 2 * DAY_MS) return plural(Math.round(ms / 3_600_000), 'hour');
  return plural(Math.floor(ms / DAY_MS), 'day');
}

/** The health of an outbox; a pure function of what it is given. */
export function assessHealth(input: HealthInput): Health {
  const checkedAt = new Date(input.now).toISOString();
  const deliveries = [
    ...input.records.flatMap((r) => (r.delivered ? [r.delivered.at] : [])),
    ...input.log.filter((e) => e.outcome === 'delivered').map((e) => e.time),
  ];
  const lastSuccess = deliveries.length === 0 ? undefined : deliveries.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
  const result = (state: HealthState, reason: string): Health => ({ state, reason, ...(lastSuccess ? { lastSuccess } : {}), checkedAt });
  const pending = input.records.filter((r) => r.state === 'pending').length;
  const waiting = pending === 0 ? 'nothing waits' : `${plural(pending, 'window')} ${pending === 1 ? 'waits' : 'wait'}`;

  if (!input.enabled) return result('disabled', 'telemetry is switched off (enabled: false); nothing is sent');
  if (input.missing.length > 0) return result('not-configured', `the connection to the server is not configured: ${input.missing.join(' and ')} ${input.missing.length === 1 ? 'is' : 'are'} missing`);

  if (input.storageProblem !== undefined) return result('unhealthy', `the outbox cannot be written: ${input.storageProblem}`);
  if (input.unreadable > 0) {
    return result(
      'unhealthy',
      `${plural(input.unreadable, 'record file')} could not be read (set aside in corrupt/, kept for the retention period); re-enqueue ${input.unreadable === 1 ? 'that window' : 'those windows'} from the source if not delivered, then delete the file`,
    );
  }
  const failed = input.records.filter((r) => r.state === 'failed');
  if (failed.length > 0) {
    const last = failed.reduce((a, b) => (Date.parse(a.failure?.at ?? '') >= Date.parse(b.failure?.at ?? '') ? a : b));
    const how = last.failure ? `${last.failure.status ?? 'no answer'} ${last.failure.rule}` : 'unknown';
    const step = failed.length === 1 ? refusalStep(last.failure?.rule, last.messageId) : undefined;
    return result('unhealthy', `${plural(failed.length, 'window')} refused by the server (the last: ${how}); ${step ?? `fix the cause, then retry ${failed.length === 1 ? 'it' : 'them'} (telemetry-outbox retry)`}`);
  }
  // What the server last answered about a window; an operator's requeue, export or discard is no answer, nor is a re-forming.
  const lastSend = [...input.log].reverse().find((e) => e.outcome === 'delivered' || e.outcome === 'failed' || e.outcome === 'pending');
  if (lastSend !== undefined && lastSend.outcome === 'pending') {
    return result('unhealthy', `the last transmission (${age(input.now - Date.parse(lastSend.time))} ago) failed: ${lastSend.message ?? lastSend.rule ?? 'no answer'}; ${waiting}`);
  }
  const warnAfterDays = input.warnAfterDays ?? DEFAULT_WARN_AFTER_DAYS;
  if (lastSuccess === undefined) return result('warning', `no window delivered yet; ${waiting}`);
  const since = input.now - Date.parse(lastSuccess);
  if (since > warnAfterDays * DAY_MS) return result('warning', `the last successful transmission was ${age(since)} ago, more than ${plural(warnAfterDays, 'day')}; ${waiting}`);
  const deprecation = lastSend?.deprecation;
  if (deprecation !== undefined) {
    return result('warning', `the server deprecated v${deprecation.version}${deprecation.sunset ? `, sunset ${deprecation.sunset.slice(0, 10)}` : ''}: upgrade telemetry-contract to send a newer version`);
  }
  return result('healthy', `the last successful transmission was ${age(since)} ago; ${waiting}`);
}
