/**
 * The store of a contract whose fields are kept for different periods
 * (test/fixtures/contracts/short-retention.ts: one field until the contract
 * ends), and one report of it per license, as the retention tests put it.
 */
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { toStorage } from '../../scripts/emit/storage-sql.js';
import type { IngestSuccess } from '../../src/server/ingest.js';
import type { PostgresStore } from '../../src/store/store.js';
import { shortRetention } from '../fixtures/contracts/short-retention.js';

/** The storage plan of the short-retention contract. */
export const shortRetentionPlan = toStorage([{ contract: shortRetention, schema: toJsonSchema(shortRetention) }]).plan;

/** The dedupe key of the one window each license reports. */
export const shortRetentionKey = (licenseId: string) => `${licenseId}/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z`;

/** Stores the license's report of that window, as ingest would hand it over. */
export function putShortRetention(store: PostgresStore, licenseId: string) {
  return store.put({
    ok: true,
    kind: 'report',
    dedupeKey: shortRetentionKey(licenseId),
    keyId: 'k',
    messageId: `msg_${'0'.repeat(64)}`,
    licenseId,
    customer: { masked: false, value: 'Acme GmbH' },
    headers: {},
    schemaVersion: 1,
    payload: { schemaVersion: 1, periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-16T00:00:00Z', usage: { seats: 12, sessions: 340 }, build: '0123abc' },
  } as unknown as IngestSuccess);
}
