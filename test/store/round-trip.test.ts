/**
 * The contract and its storage agree: whatever a version's validator accepts,
 * `put` stores, and `get` reads back exactly as it was sent (window bounds
 * in their sent spelling, the earliest and latest the contract spells), on
 * PGlite and on a real PostgreSQL server. Payloads come from each version's
 * JSON Schema (test/support/arbitraries.ts), leaning to the boundaries, so a
 * later version is held to the same property as soon as it is registered.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { contracts } from '../../schema/index.js';
import { v1 } from '../../schema/v1.js';
import { createAjv } from '../../scripts/emit/ajv.js';
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { toStorage } from '../../scripts/emit/storage-sql.js';
import { dedupeKey, messageIdNow } from '../../src/wire/dedupe.js';
import type { IngestSuccess } from '../../src/server/ingest.js';
import { createTelemetryRequest } from '../../src/uploader/request.js';
import { ingest } from '../../src/server.js';
import { type QueryClient, StoreError } from '../../src/store/database.js';
import { type PostgresStore, openStore } from '../../src/store/store.js';
import { createPostgresStore } from '../../src/store-postgres.js';
import { v2 } from '../fixtures/contracts/v2.js';
import { RUNS, payloadArbitrary } from '../support/arbitraries.js';
import { freshSchema, openForSuite, storeBackends } from '../support/databases.js';
import { KEY_A } from '../wire/support.js';
import { testKeyring } from '../support/keyring.js';

/** Runs per version and database: a fifth of the fuzz budget, each run a signed request, an ingest, an insert and a read. */
const STORE_RUNS = Math.max(50, Math.floor(RUNS / 5));

/** Any Unicode name the uploader accepts whose percent-encoding fits the customer header (768 characters). */
const customerName = fc
  .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }), fc.constant('ü'.repeat(128)))
  .filter((name) => !/\p{Cs}/u.test(name) && [...name].length <= 256 && encodeURIComponent(name).length <= 768);

/** The issue's own boundaries in one v1 payload: the earliest and latest window bounds, the largest counts, 256 features of 64 characters. */
function v1Extremes(): Record<string, unknown> {
  const largest = Number.MAX_SAFE_INTEGER;
  const features = Array.from({ length: 256 }, (_, i) => `f${i.toString(36).padStart(2, '0')}${'x'.repeat(61)}`).sort();
  return {
    schemaVersion: 1,
    periodStart: '2000-01-01T00:00:00Z',
    periodEnd: '2099-12-31T00:00:00Z',
    activeSeats: largest,
    policiesActive: largest,
    policyExecutionsCount: largest,
    totalProvisionedSeats: largest,
    seatLimitHit: true,
    featuresUsed: features,
    appVersion: 'f'.repeat(40),
    nodeVersion: '999',
  };
}

const backends = storeBackends(4);

describe.each(backends)('the contract and its storage on $name', ({ skip, open }) => {
  let client!: QueryClient;
  openForSuite({ skip, open }, (opened) => (client = opened));

  let licenses = 0;
  /** Signs, ingests, stores and reads back one payload; the answer to compare with what was sent. */
  async function roundTrip(store: PostgresStore, version: number, payload: Record<string, unknown>, customer: string, mask: boolean) {
    const { schemaVersion: _, ...counts } = payload;
    const licenseId = `lic-rt-${process.pid}-${licenses++}`;
    const built = await createTelemetryRequest(counts as never, { version: version as never, licenseId, customer, signingSecrets: [KEY_A], maskCustomer: mask });
    if (!built.ok) throw new Error(`the uploader refused a payload the schema allows: ${built.error.message}`);
    // A vendor that places every build and runtime: what is under test here is the storage, not the placing.
    const everything = { builds: () => true, nodeMajors: () => true };
    const result = await ingest({ method: 'POST', headers: built.request.headers, body: built.request.body }, { vendorWideKeys: [{ id: 'k', secret: KEY_A }], acceptedVersions: [1], knownSoftware: everything });
    if (!result.ok || result.kind !== 'report') throw new Error(`ingest refused a payload the schema allows: ${result.ok ? 'it took it for a probe' : result.error.message}`);
    const put = await store.put(result);
    return { sent: JSON.parse(new TextDecoder().decode(built.request.body)) as unknown, headers: built.request.headers, result, put, stored: await store.get(result.dedupeKey) };
  }

  for (const contract of contracts) {
    it.skipIf(skip)(`stores every v${contract.version} payload the validator accepts and reads it back as sent, boundaries included`, async () => {
      const store = createPostgresStore(client, { schema: freshSchema('rt'), keyring: testKeyring });
      await store.migrate();
      const examples: Array<[Record<string, unknown>, string, boolean]> = contract.version === 1 ? [[v1Extremes(), 'ü'.repeat(128), false]] : [];
      await fc.assert(
        fc.asyncProperty(payloadArbitrary(toJsonSchema(contract), { boundaries: true }), customerName, fc.boolean(), async (payload, customer, mask) => {
          const { sent, headers, result, put, stored } = await roundTrip(store, contract.version, payload, customer, mask);
          expect(sent).toEqual(payload);
          expect(put.status).toBe(201);
          expect(stored?.payload).toStrictEqual(sent);
          expect(stored?.headers).toEqual({ 'webhook-id': result.messageId, 'x-telemetry-customer': headers['x-telemetry-customer'], 'x-telemetry-license-id': result.licenseId });
          if (!mask) expect(decodeURIComponent(stored!.headers['x-telemetry-customer']!)).toBe(customer);
        }),
        { numRuns: STORE_RUNS, examples },
      );
    }, 120_000);
  }

  it.skipIf(skip)('holds a later version to the same property: the fixture v2, stored after v1', async () => {
    const { plan } = toStorage([{ contract: v1, schema: toJsonSchema(v1) }, { contract: v2, schema: toJsonSchema(v2) }]);
    const store = openStore(client, plan, { schema: freshSchema('rt2'), keyring: testKeyring });
    await store.migrate();
    const schema = toJsonSchema(v2);
    const validate = createAjv().compile(schema);
    await fc.assert(
      fc.asyncProperty(payloadArbitrary(schema, { boundaries: true }), async (payload) => {
        expect(validate(payload)).toBe(true);
        const licenseId = `lic-v2-${licenses++}`;
        const key = dedupeKey(licenseId, payload['periodStart'] as string, payload['periodEnd'] as string);
        const result = { ok: true, kind: 'report', dedupeKey: key, keyId: 'k', messageId: messageIdNow(key, 'M%C3%BCller%20KG'), licenseId, customer: { masked: false, value: 'Müller KG' }, encrypted: false, headers: {}, schemaVersion: 2, payload } as unknown as IngestSuccess;
        expect((await store.put(result)).status).toBe(201);
        // What crosses the wire is the JSON text; fast-check's objects may lack a prototype, which JSON does not carry.
        expect((await store.get(key))?.payload).toStrictEqual(JSON.parse(JSON.stringify(payload)));
      }),
      { numRuns: Math.max(25, Math.floor(STORE_RUNS / 4)) },
    );
  }, 120_000);

  describe('instants', () => {
    let store: PostgresStore;
    beforeAll(async () => {
      if (skip) return;
      store = createPostgresStore(client, { schema: freshSchema('inst'), keyring: testKeyring });
      await store.migrate();
    });
    const window = (periodStart: string, periodEnd: string) => ({ ...v1Extremes(), featuresUsed: ['sso'], periodStart, periodEnd });

    it.skipIf(skip)('stores the earliest and the latest bounds the contract spells, and reads them back as sent', async () => {
      const { stored } = await roundTrip(store, 1, window('2000-01-01T00:00:00Z', '2099-12-31T00:00:00Z'), 'Acme', false);
      expect(stored?.payload).toMatchObject({ periodStart: '2000-01-01T00:00:00Z', periodEnd: '2099-12-31T00:00:00Z' });
    });

    it.skipIf(skip)('refuses in the database too a bound that is no UTC midnight, and a window whose end is not after its start', async () => {
      const valid = (await roundTrip(store, 1, window('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'), 'Acme', false)).result;
      const refusal = async (periodStart: string, periodEnd: string) => {
        const licenseId = `lic-db-${licenses++}`;
        const error = await store.put({ ...valid, licenseId, dedupeKey: `${licenseId}/${periodStart}/${periodEnd}`, payload: { ...valid.payload, periodStart, periodEnd } } as IngestSuccess).catch((e: unknown) => e);
        expect(error, `${periodStart} → ${periodEnd}`).toBeInstanceOf(StoreError);
        return (error as StoreError).message;
      };
      expect(await refusal('2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z')).toMatch(/check constraint rule_period_order/);
      expect(await refusal('2026-12-03T00:00:00Z', '2026-12-02T00:00:00Z')).toMatch(/check constraint rule_period_order/);
      expect(await refusal('2026-12-02T00:00:00Z', '2026-12-02T12:00:00Z')).toMatch(/check constraint period_end_check/);
      expect(await refusal('2026-12-02T00:00:00.5Z', '2026-12-03T00:00:00Z')).toMatch(/check constraint period_start_check/);
    });
  });
});
