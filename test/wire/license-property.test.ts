/**
 * The property behind "a report can say only what its license allows": with
 * arbitrary strings in the feature names and in the customer header, every
 * request signed with the license's own key, whatever `ingest` accepts holds
 * only feature names the license record declares and a customer header that
 * is the record's legal entity, percent-encoded canonically, or its mask under
 * the license's key. FUZZ_RUNS sets the number of runs (`npm run fuzz`).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LicenseEntry, ingest } from '../../src/server.js';
import { dedupeKey, deriveMaskKey, encodeCustomer, maskCustomer, messageId, signMessage } from '../../src/uploader.js';
import { utf8 } from '../../src/wire/bytes.js';
import { RUNS } from '../support/arbitraries.js';
import { KEY_A, KEY_B, NOW_MS, NOW_S, counts, license } from './support.js';

const LICENSE = license();
const entry: LicenseEntry = { keys: [{ id: 'k1', secret: KEY_A }], license: LICENSE };
const options = { licenseKeys: new Map([['lic-0042', entry]]), acceptedVersions: [1], now: () => NOW_MS };
const window = counts();

const name = fc.oneof(
  fc.constantFrom(...LICENSE.features),
  fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$/),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
/** Lists the contract's schema would accept (sorted, unique) half the time, so the license check is what decides. */
const features = fc.oneof(
  fc.array(name, { maxLength: 6 }).map((names) => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
  fc.array(name, { maxLength: 6 }),
);

describe('ingest accepts only what the license record allows', () => {
  it('holds, for arbitrary strings as feature names and customer header, only licensed features and the legal entity or its mask', async () => {
    const encoded = encodeCustomer(LICENSE.legalEntity);
    const mask = await maskCustomer(LICENSE.legalEntity, await deriveMaskKey(KEY_A));
    const allowedHeaders = new Set([encoded, mask]);
    const customer = fc.oneof(
      fc.constantFrom(encoded, mask, await maskCustomer(LICENSE.legalEntity, await deriveMaskKey(KEY_B)), await maskCustomer('Evil Corp', await deriveMaskKey(KEY_A))),
      fc.tuple(fc.stringMatching(/^[0-9a-f]{32}$/), fc.integer({ min: 1, max: 256 })).map(([hex, n]) => `anon-${hex}-${n}`),
      fc.string({ minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text)),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom('Example%20Holdings%20GmbH%20', 'example%20holdings%20gmbh', 'Example%20Holdings%20Gmb%48', `${encoded}%00`),
    );
    const outcomes = { accepted: 0, refusedByLicense: 0 };
    await fc.assert(
      fc.asyncProperty(features, customer, async (featuresUsed, header) => {
        const body = utf8(JSON.stringify({ schemaVersion: 1, ...window, featuresUsed }));
        const key = dedupeKey('lic-0042', window.periodStart, window.periodEnd);
        // messageId refuses a header the contract does not allow; such a request is still signed, as an attacker would.
        const id = await messageId(key, header).catch(() => `msg_${createHash('sha256').update(`${key}\n${header}`).digest('hex')}`);
        const headers = {
          'content-type': 'application/json',
          'x-telemetry-customer': header,
          'x-telemetry-license-id': 'lic-0042',
          'x-telemetry-schema-version': '1',
          ...(await signMessage({ id, timestamp: NOW_S, body, secrets: [KEY_A] })),
        };
        const result = await ingest({ method: 'POST', headers, body }, options);
        if (!result.ok) {
          if (['feature-not-licensed', 'customer-not-licensed', 'mask-not-licensed'].includes(result.error.rule)) outcomes.refusedByLicense++;
          // A refusal names no value: no feature name, no customer header beyond what the sender's own bytes are.
          for (const feature of featuresUsed) if (feature.length >= 6 && !LICENSE.features.includes(feature)) expect(result.error.message).not.toContain(feature);
          return;
        }
        outcomes.accepted++;
        expect(result.kind).toBe('report');
        if (result.kind !== 'report') return;
        for (const feature of result.payload.featuresUsed) expect(LICENSE.features).toContain(feature);
        expect(allowedHeaders.has(headers['x-telemetry-customer'])).toBe(true);
        expect(result.license).toEqual(LICENSE);
      }),
      { numRuns: RUNS },
    );
    // The property was put to the test both ways: some requests got through, and the license turned some away.
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refusedByLicense).toBeGreaterThan(0);
  }, 120_000);
});
