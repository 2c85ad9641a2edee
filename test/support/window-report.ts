/** A verified report of one window, through the real ingest, as the store's tests put them. */
import type { IngestSuccess } from '../../src/server/ingest.js';
import { ingest } from '../../src/server.js';
import { FIXTURE_SOFTWARE, KEY_A, built, counts } from '../wire/support.js';

/**
 * The fixture counts for `licenseId` over [start, end), with `overrides` (an `undefined` drops a field),
 * signed with KEY_A and ingested as version 1; with `placed`, the fixture's appVersion is a known build and is kept.
 */
export async function windowReport(licenseId: string, start: string, end: string, overrides: Record<string, unknown> = {}, placed = false): Promise<IngestSuccess> {
  const request = await built({ licenseId, now: () => Date.now() }, { ...counts(), periodStart: start, periodEnd: end, ...overrides });
  const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k', secret: KEY_A }], acceptedVersions: [1], ...(placed ? { knownSoftware: FIXTURE_SOFTWARE } : {}) });
  if (!result.ok || result.kind !== 'report') throw new Error(`ingest refused the test report: ${result.ok ? 'it is a probe' : result.error.message}`);
  return result;
}
