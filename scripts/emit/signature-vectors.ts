/**
 * The wire protocol's published test vectors: fixed inputs and the exact
 * header values and body bytes both sides must produce. Written to
 * generated/signature-vectors.json by `npm run generate`, so a server team in
 * another language can check its implementation without running ours; the
 * drift check keeps the file equal to what the code produces.
 */
import { dedupeKey, messageId } from '../../src/dedupe.js';
import { deriveMaskKey, encodeCustomer, maskCustomer } from '../../src/mask.js';
import { createTelemetryRequest, type TelemetryCounts } from '../../src/request.js';
import { sign, signMessage } from '../../src/signature.js';

/** A `whsec_` secret of 32 bytes counting up from `first`: fixed, obviously not random, for vectors only. */
function testSecret(first: number): string {
  return `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (first + i) & 0xff)))}`;
}

/** The example of the Standard Webhooks JavaScript library's tests (`sign function works`). */
const SPEC_EXAMPLE = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
} as const;

const KEY_A = testSecret(0x00);
const KEY_B = testSecret(0x20);
const MASK_KEY = testSecret(0x40);
const TIMESTAMP = 1767225600; // 2026-01-01T00:00:00Z

const COUNTS: TelemetryCounts = {
  periodStart: '2026-11-01T00:00:00Z',
  periodEnd: '2026-11-16T00:00:00Z',
  activeSeats: 42,
  policiesActive: 7,
  policyExecutionsCount: 123456,
  totalProvisionedSeats: 50,
  seatLimitHit: false,
  // Unsorted, with a repeat: the request sorts and dedupes.
  featuresUsed: ['sso', 'audit-log', 'sso'],
  appVersion: '3f2a9c1',
  nodeVersion: '20',
};

async function signatureCase(name: string, secrets: readonly string[], id: string, timestamp: number, body: string) {
  const headers = await signMessage({ id, timestamp, body, secrets });
  return { name, secrets, id, timestamp, body, expected: headers };
}

async function requestCase(name: string, options: { customer: string; signingSecrets: readonly string[]; maskCustomer: boolean; maskKey?: string }) {
  const built = await createTelemetryRequest(COUNTS, { licenseId: 'lic-0042', ...options, now: () => TIMESTAMP * 1000 });
  if (!built.ok) throw new Error(`signature vectors: ${name}: ${built.error.message}`);
  const { 'content-type': _, ...headers } = built.request.headers;
  return {
    name,
    input: { counts: COUNTS, licenseId: 'lic-0042', timestamp: TIMESTAMP, ...options },
    expected: { dedupeKey: built.request.dedupeKey, headers, body: new TextDecoder().decode(built.request.body) },
  };
}

/** Every vector, in a fixed order; pure apart from WebCrypto, which is deterministic for HMAC, SHA-256 and HKDF. */
export async function signatureVectors(): Promise<Record<string, unknown>> {
  const windows = [
    ['lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'],
    ['lic-0042', '2026-11-01T01:00:00+01:00', '2026-11-16T00:00:00.000Z'],
    ['ACME.prod_7', '2026-11-01T00:00:00.123450Z', '2026-11-01T00:00:00.12346Z'],
  ] as const;
  const customers = ['Example Holdings GmbH', 'Müller & Söhne KG', '株式会社サンプル'];
  return {
    $comment: 'generated from schema/headers.ts and scripts/emit/signature-vectors.ts by `npm run generate`; do not edit',
    description:
      'Test vectors of the telemetry wire protocol (docs/wire-protocol.md). Secrets here are public test values: never use them. Bodies are the exact bytes as UTF-8 text.',
    secrets: { keyA: KEY_A, keyB: KEY_B, maskKey: MASK_KEY },
    signatures: [
      {
        name: 'Standard Webhooks specification example',
        secrets: [SPEC_EXAMPLE.secret],
        id: SPEC_EXAMPLE.id,
        timestamp: SPEC_EXAMPLE.timestamp,
        body: SPEC_EXAMPLE.body,
        expected: {
          'webhook-id': SPEC_EXAMPLE.id,
          'webhook-timestamp': String(SPEC_EXAMPLE.timestamp),
          'webhook-signature': await sign(SPEC_EXAMPLE.secret, SPEC_EXAMPLE.id, SPEC_EXAMPLE.timestamp, SPEC_EXAMPLE.body),
        },
      },
      await signatureCase('one key', [KEY_A], await messageId(dedupeKey(...windows[0])), TIMESTAMP, '{"schemaVersion":1}'),
      await signatureCase('rotation: new key first, old key second', [KEY_B, KEY_A], await messageId(dedupeKey(...windows[0])), TIMESTAMP, '{"schemaVersion":1}'),
      await signatureCase('non-ASCII body: the UTF-8 bytes are signed', [KEY_A], 'msg_utf8', TIMESTAMP, '{"name":"Müller"}'),
    ],
    dedupe: await Promise.all(
      windows.map(async ([licenseId, periodStart, periodEnd]) => {
        const key = dedupeKey(licenseId, periodStart, periodEnd);
        return { licenseId, periodStart, periodEnd, dedupeKey: key, webhookId: await messageId(key) };
      }),
    ),
    masks: [
      ...(await Promise.all(customers.map(async (customer) => ({ customer, maskKey: MASK_KEY, mask: await maskCustomer(customer, MASK_KEY) })))),
      {
        customer: customers[0]!,
        signingSecret: KEY_A,
        derivedMaskKey: await deriveMaskKey(KEY_A),
        mask: await maskCustomer(customers[0]!, await deriveMaskKey(KEY_A)),
      },
    ],
    customerHeader: customers.map((customer) => ({ customer, header: encodeCustomer(customer) })),
    requests: [
      await requestCase('one key, customer sent by name', { customer: customers[1]!, signingSecrets: [KEY_A], maskCustomer: false }),
      await requestCase('rotation with a masked customer', { customer: customers[1]!, signingSecrets: [KEY_B, KEY_A], maskCustomer: true, maskKey: MASK_KEY }),
    ],
  };
}
