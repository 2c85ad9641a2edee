/**
 * Whatever a sender puts into a report's strings, what `ingest` accepts holds
 * only values the contract allows: arbitrary strings (any Unicode, any bytes,
 * strings shaped like the field, chosen hex) go into every string position of
 * a signed report, body fields and headers alike, and every report `ingest`
 * accepts is checked against what docs/telemetry.md says each value can be.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { v1 } from '../../schema/index.js';
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { ingest } from '../../src/server.js';
import { KNOWN_NODE_MAJORS } from '../../src/server/placement.js';
import { validateTelemetry } from '../../src/index.js';
import { utf8 } from '../../src/wire/bytes.js';
import { dedupeKey, messageId } from '../../src/wire/dedupe.js';
import { signMessage } from '../../src/wire/signature.js';
import { RUNS, payloadArbitrary } from '../support/arbitraries.js';
import { KEY_A } from './support.js';

const schema = toJsonSchema(v1) as Record<string, unknown> & { properties: Record<string, { pattern?: string; items?: { pattern?: string } }>; 'x-headers': { properties: Record<string, { pattern?: string }> } };
const LICENSE = 'lic-0042';
const CUSTOMER = 'Example%20Holdings%20GmbH';
const LISTED_BUILD = '0123456789abcdef0123456789abcdef01234567';
const NOW_MS = Date.UTC(2030, 0, 1);
const DAY_MS = 86_400_000;

const BODY_STRINGS = ['periodStart', 'periodEnd', 'featuresUsed', 'appVersion', 'nodeVersion'] as const;
const HEADER_STRINGS = Object.keys(schema['x-headers'].properties);
type Position = (typeof BODY_STRINGS)[number] | string;

const pattern = (position: Position): string | undefined =>
  position === 'featuresUsed' ? schema.properties['featuresUsed']!.items?.pattern : (schema.properties[position]?.pattern ?? schema['x-headers'].properties[position]?.pattern);

/** A string for a position: any text, any bytes, one shaped like the field, chosen hex, or text that looks like a person. */
function stringFor(position: Position): fc.Arbitrary<string> {
  const shaped = pattern(position);
  return fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom('alice.smith@example.com', 'Alice Smith', '+49 151 12345678', '10.1.2.3', 'a11ce5', LISTED_BUILD, '20', '999', '2026-01-01T00:00:00Z'),
    fc.stringMatching(/^[0-9a-f]{7,40}$/),
    ...(shaped === undefined ? [] : [fc.stringMatching(new RegExp(shaped, 'u'))]),
  );
}

/** Each position's strings, made once: a pattern's arbitrary is costly to build. */
const strings = new Map([...BODY_STRINGS, ...HEADER_STRINGS].map((position) => [position, stringFor(position)] as const));
const tamper = fc.uniqueArray(fc.constantFrom<Position>(...strings.keys()), { maxLength: 3 }).chain((positions) =>
  fc.tuple(...positions.map((position) => strings.get(position)!.map((value) => [position, value] as const))),
);

async function request(payload: Record<string, unknown>, changes: ReadonlyArray<readonly [Position, string]>) {
  const body = { ...payload } as Record<string, unknown>;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-telemetry-customer': CUSTOMER, 'x-telemetry-license-id': LICENSE, 'x-telemetry-schema-version': '1' };
  const late: Record<string, string> = {};
  let id: string | undefined;
  for (const [position, value] of changes) {
    if (position === 'featuresUsed') body['featuresUsed'] = [value];
    else if ((BODY_STRINGS as readonly string[]).includes(position)) body[position] = value;
    else if (position === 'webhook-id') id = value;
    else if (position === 'webhook-timestamp' || position === 'webhook-signature') late[position] = value;
    else headers[position] = value;
  }
  if (id === undefined) {
    try {
      id = await messageId(dedupeKey(LICENSE, String(body['periodStart']), String(body['periodEnd'])), headers['x-telemetry-customer']!);
    } catch {
      id = `msg_${'0'.repeat(64)}`;
    }
  }
  const bytes = utf8(JSON.stringify(body));
  let signed: Record<string, string>;
  try {
    signed = await signMessage({ id, timestamp: NOW_MS / 1000, body: bytes, secrets: [KEY_A] });
  } catch {
    // An id a signer refuses (not printable ASCII): a tampering sender writes the header anyway.
    signed = { ...(await signMessage({ id: `msg_${'0'.repeat(64)}`, timestamp: NOW_MS / 1000, body: bytes, secrets: [KEY_A] })), 'webhook-id': id };
  }
  const all: Record<string, string> = { ...headers, ...signed, ...late };
  return { headers: all, body: bytes };
}

const headerPatterns = Object.entries(schema['x-headers'].properties).map(([name, s]) => [name, new RegExp(s.pattern!, 'u')] as const);

describe('what ingest accepts', () => {
  it('holds only values the contract allows, whatever strings a report carries', async () => {
    const seen = { accepted: 0, unplaced: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(payloadArbitrary(schema), tamper, async (payload, changes) => {
        const sent = await request(payload as unknown as Record<string, unknown>, changes);
        const result = await ingest(
          { method: 'POST', ...sent },
          { licenseKeys: new Map([[LICENSE, [{ id: 'k1', secret: KEY_A }]]]), acceptedVersions: [1], now: () => NOW_MS, knownSoftware: { builds: [LISTED_BUILD] } },
        );
        if (!result.ok) {
          seen.refused++;
          // Refused with a rule, and the answer names no string it was sent.
          expect(result.error.rule).toMatch(/^[a-z][a-z0-9-]+$/);
          return;
        }
        if (result.kind !== 'report') throw new Error('a report came back as a probe');
        seen.accepted++;
        if (result.unplaced.length > 0) seen.unplaced++;
        const p = result.payload as unknown as Record<string, unknown>;
        // The contract's schema and rules hold for what is handed on.
        expect(validateTelemetry(p)).toMatchObject({ ok: true });
        // A window is whole UTC days, at least one.
        expect(Date.parse(String(p['periodEnd'])) - Date.parse(String(p['periodStart']))).toBeGreaterThanOrEqual(DAY_MS);
        expect(Date.parse(String(p['periodStart'])) % DAY_MS).toBe(0);
        // A build or runtime the vendor cannot place is not handed on.
        if (p['appVersion'] !== undefined) expect(p['appVersion']).toBe(LISTED_BUILD);
        if (p['nodeVersion'] !== undefined) expect(KNOWN_NODE_MAJORS).toContain(Number(p['nodeVersion']));
        // The headers handed on are the contract's, bound to the window by the message id.
        expect(result.licenseId).toBe(LICENSE);
        for (const [name, shape] of headerPatterns) expect({ name, ok: shape.test(sent.headers[name] ?? '') }).toEqual({ name, ok: true });
        expect(result.messageId).toBe(await messageId(result.dedupeKey, sent.headers['x-telemetry-customer']!));
        // featuresUsed holds only names of the license's declared features once issue 29 part A lands; until then, its pattern.
      }),
      { numRuns: RUNS },
    );
    // The property is about accepted reports: make sure there were some, and some with a value taken out.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.unplaced).toBeGreaterThan(0);
  });
});
