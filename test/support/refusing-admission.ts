/**
 * An admission control for in-process servers that refuses the next n
 * reports on demand, as one at its limit does (503 overloaded with
 * Retry-After), and admits the rest: the tests' way to make a server busy.
 */
import { type Admission, createAdmission } from '../../src/server.js';

export function refusingAdmission(): { readonly admission: Admission; refuseNext(count: number): void } {
  const admitting = createAdmission();
  // Kept full: every enter() on it is a refusal.
  const full = createAdmission({ maxInFlight: 1 });
  full.enter();
  let refusals = 0;
  return {
    admission: { maxInFlight: admitting.maxInFlight, stats: admitting.stats, enter: () => (refusals-- > 0 ? full.enter() : admitting.enter()) },
    refuseNext: (count) => void (refusals = count),
  };
}
