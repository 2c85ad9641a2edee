/**
 * Waiting for a server process to see a license change. A server keeps
 * licenses in memory and sees a change made by another process (the
 * telemetry-keys command on PostgreSQL) within LICENSE_CHANGE_BOUND_SECONDS,
 * not at once; a test that starts the server as its own process cannot move
 * that process's clock, so it asks again until the answer changes, with a
 * deadline far past the bound. The exact bound is proven with a clock the
 * test moves, in test/store/license-cache.test.ts.
 */
import { LICENSE_CHANGE_BOUND_SECONDS } from '../../src/store/license-store.js';
import { type ConnectionTestResult, testConnection } from '../../src/uploader.js';
import { baseOptions } from '../wire/support.js';

/** Calls `attempt` until `done` holds of its answer (every 100 ms), and returns that answer; throws past six times the bound. */
export async function untilSeen<T>(attempt: () => Promise<T>, done: (answer: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 6 * LICENSE_CHANGE_BOUND_SECONDS * 1000;
  for (;;) {
    const answer = await attempt();
    if (done(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${6 * LICENSE_CHANGE_BOUND_SECONDS} s, six times the bound; last answer ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A connection test (a signed probe: nothing is stored) of `licenseId` signed with `secrets`, against the server at `url`. */
export const probe = (url: string, licenseId: string, secrets: readonly string[]): Promise<ConnectionTestResult> =>
  testConnection({ ...baseOptions(), licenseId, signingSecrets: [...secrets], now: () => Date.now(), baseUrl: url, allowHttpLoopback: true, timeoutMs: 10_000 });

/** Waits until the server at `url` answers a probe of `licenseId` signed with `secrets` with `rule` (or `ok` when connected). */
export const untilProbed = (url: string, licenseId: string, secrets: readonly string[], rule: string | 'ok'): Promise<ConnectionTestResult> =>
  untilSeen(() => probe(url, licenseId, secrets), (r) => (rule === 'ok' ? r.ok : r.rule === rule), `${url}: a probe of ${licenseId} answered ${rule}`);
