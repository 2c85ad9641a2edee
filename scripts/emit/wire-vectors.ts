/**
 * The wire protocol's published test vectors: fixed inputs and the exact
 * header values and body bytes both sides must produce, so a server team in
 * another language can check its implementation without running ours.
 *
 * - generated/signature-vectors.json: signing, dedupe keys, masks and the
 *   customer header; nothing in it depends on a schema version.
 * - generated/v<N>/wire-vectors.json: whole signed requests of version N, their
 *   body built from that version's base conformance payload; they speak of
 *   version N only.
 * - generated/probe-vectors.json: connection tests (schema/probe.ts), plain and
 *   encrypted, and the exact answer a server gives to each.
 * - generated/bundle-vectors.json: offline bundles of the current version
 *   (their manifest, id, signature and file) and the receipt a server signs
 *   for given outcomes, with a fixed Ed25519 test key.
 *
 * The vectors come from running the published src/ code, bundled against the
 * generated/ files this build is about to write (held in memory), never the
 * committed ones: what generate writes depends on schema/ alone.
 */
import type { Contract } from '../../schema/contract.js';
import type * as Dedupe from '../../src/wire/dedupe.js';
import type * as Ingest from '../../src/server/ingest.js';
import type * as BundleServer from '../../src/server/bundle.js';
import type * as BundleWire from '../../src/wire/bundle.js';
import type * as Receipt from '../../src/wire/receipt.js';
import type * as Probe from '../../src/uploader/probe-request.js';
import type * as Jwe from '../../src/wire/jwe.js';
import type * as Mask from '../../src/wire/mask.js';
import type * as Request from '../../src/uploader/request.js';
import type * as Signature from '../../src/wire/signature.js';
import type * as Windows from '../../src/uploader/windows.js';
import { toBase64Url } from '../../src/wire/bytes.js';
import { FindingsError } from '../cli/findings.js';
import { importBundle } from '../contract/import-bundle.js';
import { generatedHeader } from './json-schema.js';

/** The runtime functions the vectors run, from src/ as the package ships them. */
export interface WireRuntime {
  readonly createTelemetryRequest: typeof Request.createTelemetryRequest;
  readonly dedupeKey: typeof Dedupe.dedupeKey;
  readonly messageId: typeof Dedupe.messageId;
  readonly deriveMaskKey: typeof Mask.deriveMaskKey;
  readonly encodeCustomer: typeof Mask.encodeCustomer;
  readonly maskCustomer: typeof Mask.maskCustomer;
  readonly sign: typeof Signature.sign;
  readonly signMessage: typeof Signature.signMessage;
  readonly deriveEncryptionKey: typeof Jwe.deriveEncryptionKey;
  readonly encryptionKeyId: typeof Jwe.encryptionKeyId;
  readonly encryptBody: typeof Jwe.encryptBody;
  readonly createProbeRequest: typeof Probe.createProbeRequest;
  readonly ingest: typeof Ingest.ingest;
  readonly probeResponse: typeof Ingest.probeResponse;
  readonly dueWindows: typeof Windows.dueWindows;
  readonly sendOffsetMs: typeof Windows.sendOffsetMs;
  readonly signBundle: typeof BundleWire.signBundle;
  readonly bundleManifest: typeof BundleWire.bundleManifest;
  readonly bundleIdOf: typeof BundleWire.bundleIdOf;
  readonly ingestBundle: typeof BundleServer.ingestBundle;
  readonly bundleResponse: typeof BundleServer.bundleResponse;
  readonly receiptPublicKey: typeof Receipt.receiptPublicKey;
  readonly receiptKeyId: typeof Receipt.receiptKeyId;
}

const RUNTIME_ENTRY = [
  "export { createTelemetryRequest } from './src/uploader/request.ts';",
  "export { dedupeKey, messageId } from './src/wire/dedupe.ts';",
  "export { deriveMaskKey, encodeCustomer, maskCustomer } from './src/wire/mask.ts';",
  "export { sign, signMessage } from './src/wire/signature.ts';",
  "export { deriveEncryptionKey, encryptBody, encryptionKeyId } from './src/wire/jwe.ts';",
  "export { createProbeRequest } from './src/uploader/probe-request.ts';",
  "export { ingest, probeResponse } from './src/server/ingest.ts';",
  "export { dueWindows, sendOffsetMs } from './src/uploader/windows.ts';",
  "export { bundleIdOf, bundleManifest, signBundle } from './src/wire/bundle.ts';",
  "export { bundleResponse, ingestBundle } from './src/server/bundle.ts';",
  "export { receiptKeyId, receiptPublicKey } from './src/wire/receipt.ts';",
].join('\n');

/** src/ of the checkout at `root`, with `generated` (repo-relative path → text) in place of its generated/ folder. */
export async function loadWireRuntime(root: string, generated: ReadonlyMap<string, string>): Promise<WireRuntime> {
  return (await importBundle(root, 'wire-runtime.ts', { contents: RUNTIME_ENTRY, virtual: { dir: 'generated', files: generated } })) as unknown as WireRuntime;
}

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
const ENCRYPTION_KEY = testSecret(0x60);
/** 96 bits counting up from 0xa0: a fixed IV, for vectors only. A real body takes a fresh random one. */
const TEST_IV = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
const TIMESTAMP = 1767225600; // 2026-01-01T00:00:00Z
const LICENSE_ID = 'lic-0042';
const CUSTOMERS = ['Example Holdings GmbH', 'Müller & Söhne KG', '株式会社サンプル'] as const;

/** Every version-independent vector, in a fixed order; pure apart from WebCrypto, which is deterministic for HMAC, SHA-256 and HKDF. */
export async function signatureVectors(runtime: WireRuntime): Promise<Record<string, unknown>> {
  const { dedupeKey, messageId, signMessage, sign, maskCustomer, deriveMaskKey, encodeCustomer, deriveEncryptionKey, encryptionKeyId, encryptBody } = runtime;
  const derivedEncryptionKey = await deriveEncryptionKey(KEY_A);
  const plaintext = '{"schemaVersion":1,"name":"Müller"}';
  const encryptionCase = async (name: string, key: string, extra: Record<string, string>) => ({
    name,
    ...extra,
    encryptionKey: key,
    keyId: encryptionKeyId(key),
    iv: toBase64Url(TEST_IV),
    plaintext,
    jwe: await encryptBody(new TextEncoder().encode(plaintext), key, TEST_IV),
  });
  const signatureCase = async (name: string, secrets: readonly string[], id: string, timestamp: number, body: string) => ({
    name,
    secrets,
    id,
    timestamp,
    body,
    expected: await signMessage({ id, timestamp, body, secrets }),
  });
  const windows = [
    [LICENSE_ID, '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'],
    [LICENSE_ID, '2026-11-01T01:00:00+01:00', '2026-11-16T00:00:00.000Z'],
    ['ACME.prod_7', '2026-11-01T00:00:00.123450Z', '2026-11-01T00:00:00.12346Z'],
  ] as const;
  return {
    $comment: 'generated from schema/headers.ts and scripts/emit/wire-vectors.ts by `npm run generate`; do not edit',
    description:
      'Test vectors of the telemetry wire protocol (docs/wire-protocol.md) that hold for every schema version; whole signed requests of each version are in generated/v<N>/wire-vectors.json. Secrets here are public test values: never use them. Bodies are the exact bytes as UTF-8 text. The signature covers webhook-id, webhook-timestamp and the body; webhook-id is msg_ + hex SHA-256 of `hashed` (the dedupe key, a line feed, the x-telemetry-customer value as sent), so the license id and the customer header are covered through it.',
    secrets: { keyA: KEY_A, keyB: KEY_B, maskKey: MASK_KEY, encryptionKey: ENCRYPTION_KEY },
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
      await signatureCase('one key', [KEY_A], await messageId(dedupeKey(...windows[0]), encodeCustomer(CUSTOMERS[1])), TIMESTAMP, '{"schemaVersion":1}'),
      await signatureCase('rotation: new key first, old key second', [KEY_B, KEY_A], await messageId(dedupeKey(...windows[0]), encodeCustomer(CUSTOMERS[1])), TIMESTAMP, '{"schemaVersion":1}'),
      await signatureCase('non-ASCII body: the UTF-8 bytes are signed', [KEY_A], 'msg_utf8', TIMESTAMP, '{"name":"Müller"}'),
    ],
    // The message id covers the customer header as sent: the same window under a name and under its mask has two ids.
    dedupe: await Promise.all(
      [...windows.map((w) => [...w, encodeCustomer(CUSTOMERS[1])] as const), [...windows[0], await maskCustomer(CUSTOMERS[1], MASK_KEY)] as const].map(async ([licenseId, periodStart, periodEnd, customerHeader]) => {
        const key = dedupeKey(licenseId, periodStart, periodEnd);
        // The exact text hashed, so an implementation in another language sees what the id covers.
        return { licenseId, periodStart, periodEnd, customerHeader, dedupeKey: key, hashed: `${key}\n${customerHeader}`, webhookId: await messageId(key, customerHeader) };
      }),
    ),
    masks: [
      ...(await Promise.all(CUSTOMERS.map(async (customer) => ({ customer, maskKey: MASK_KEY, mask: await maskCustomer(customer, MASK_KEY) })))),
      {
        customer: CUSTOMERS[0],
        signingSecret: KEY_A,
        derivedMaskKey: await deriveMaskKey(KEY_A),
        mask: await maskCustomer(CUSTOMERS[0], await deriveMaskKey(KEY_A)),
      },
    ],
    customerHeader: CUSTOMERS.map((customer) => ({ customer, header: encodeCustomer(customer) })),
    encryption: [
      await encryptionCase('a given key', ENCRYPTION_KEY, {}),
      await encryptionCase('the key derived from a signing secret', derivedEncryptionKey, { signingSecret: KEY_A }),
    ],
  };
}

/**
 * Whole signed requests of one version, built by `createTelemetryRequest` from
 * the version's base payload (every field present, each at its least valid value).
 */
export async function requestVectors(runtime: WireRuntime, contract: Contract, basePayload: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const { schemaVersion: _, ...counts } = basePayload;
  const requestCase = async (name: string, options: { customer: string; signingSecrets: readonly string[]; maskCustomer: boolean; maskKey?: string; encrypt?: boolean }) => {
    const built = await runtime.createTelemetryRequest(counts as never, {
      version: contract.version as never,
      licenseId: LICENSE_ID,
      ...options,
      now: () => TIMESTAMP * 1000,
      randomBytes: (length: number) => TEST_IV.slice(0, length),
    });
    if (!built.ok) {
      throw new FindingsError([{ where: contract.source, what: `no signed request can be built from v${contract.version}'s base payload: ${built.error.message}`, rule: 'wire-vectors', fix: 'every version needs what the wire protocol is made of: periodStart and periodEnd (the dedupe key), as in schema/v1.ts', severity: 'error' }]);
    }
    const headers = built.request.headers;
    return {
      name,
      input: { version: contract.version, counts, licenseId: LICENSE_ID, timestamp: TIMESTAMP, ...options, ...(options.encrypt ? { iv: 'the 12 bytes a0 a1 … ab, for vectors only' } : {}) },
      expected: { dedupeKey: built.request.dedupeKey, headers, body: new TextDecoder().decode(built.request.body) },
    };
  };
  return {
    $comment: generatedHeader(contract),
    version: contract.version,
    description: `Whole signed requests of schema version ${contract.version} (docs/wire-protocol.md): the input, then the exact headers and body bytes. The encrypted request uses a fixed IV, which a real request never does. Secrets here are public test values: never use them.`,
    secrets: { keyA: KEY_A, keyB: KEY_B, maskKey: MASK_KEY },
    requests: [
      await requestCase('one key, customer sent by name', { customer: CUSTOMERS[1], signingSecrets: [KEY_A], maskCustomer: false }),
      await requestCase('rotation with a masked customer', { customer: CUSTOMERS[1], signingSecrets: [KEY_B, KEY_A], maskCustomer: true, maskKey: MASK_KEY }),
      await requestCase('encrypted with the key derived from the signing secret', { customer: CUSTOMERS[1], signingSecrets: [KEY_A], maskCustomer: false, encrypt: true }),
    ],
  };
}

/** 16 bytes counting up from 0xc0: the fixed nonce of the probe vectors. A real probe takes a fresh random one. */
const TEST_NONCE = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);

/**
 * Connection tests of the current version, built by `createProbeRequest`, and
 * the answer `ingest` and `probeResponse` give each at the signing time: what a
 * server in another language must accept, and answer, without storing it.
 */
export async function probeVectors(runtime: WireRuntime, probe: { readonly source: string; readonly mediaType: string; readonly messageIdOf: string; readonly body: unknown }, version: number): Promise<Record<string, unknown>> {
  const probeCase = async (name: string, options: { customer: string; signingSecrets: readonly string[]; maskCustomer: boolean; maskKey?: string; encrypt?: boolean }) => {
    const built = await runtime.createProbeRequest({
      version,
      licenseId: LICENSE_ID,
      ...options,
      now: () => TIMESTAMP * 1000,
      randomBytes: (length: number) => (length === 16 ? TEST_NONCE : TEST_IV).slice(0, length),
    });
    if (!built.ok) throw new FindingsError([{ where: probe.source, what: `no probe can be built: ${built.error.message}`, rule: 'wire-vectors', fix: 'run `npm run typecheck`', severity: 'error' }]);
    const answered = await runtime.ingest({ method: 'POST', headers: built.request.headers, body: built.request.body }, { licenseKeys: new Map([[LICENSE_ID, options.signingSecrets.map((secret, i) => ({ id: `key-${i + 1}`, secret }))]]), acceptedVersions: [version], now: () => TIMESTAMP * 1000 });
    if (!answered.ok || answered.kind !== 'probe') throw new FindingsError([{ where: 'src/server/ingest.ts', what: `refuses its own probe: ${answered.ok ? 'taken for a report' : answered.error.message}`, rule: 'wire-vectors', fix: 'run the probe tests (test/wire/probe.test.ts)', severity: 'error' }]);
    const answer = runtime.probeResponse(answered);
    return {
      name,
      input: {
        version,
        licenseId: LICENSE_ID,
        timestamp: TIMESTAMP,
        nonce: 'the 16 bytes c0 c1 … cf, for vectors only',
        ...options,
        ...(options.encrypt ? { iv: 'the 12 bytes a0 a1 … ab, for vectors only' } : {}),
      },
      expected: { headers: built.request.headers, body: new TextDecoder().decode(built.request.body) },
      answer: { status: answer.status, headers: answer.headers, body: answer.body },
    };
  };
  return {
    $comment: `generated from ${probe.source} by \`npm run generate\`; do not edit`,
    description:
      'Connection tests (docs/wire-protocol.md, "Connection test"): the input, the exact headers and body bytes, and the answer a server gives at the signing time. Fixed nonce and IV, which a real probe never uses. Secrets here are public test values: never use them.',
    mediaType: probe.mediaType,
    messageIdOf: probe.messageIdOf,
    bodySchema: JSON.parse(JSON.stringify(probe.body)) as unknown,
    secrets: { keyA: KEY_A, keyB: KEY_B, maskKey: MASK_KEY },
    probes: [
      await probeCase('one key, customer sent by name', { customer: CUSTOMERS[1], signingSecrets: [KEY_A], maskCustomer: false }),
      await probeCase('rotation with a masked customer', { customer: CUSTOMERS[1], signingSecrets: [KEY_B, KEY_A], maskCustomer: true, maskKey: MASK_KEY }),
      await probeCase('encrypted with the key derived from the signing secret', { customer: CUSTOMERS[1], signingSecrets: [KEY_A], maskCustomer: false, encrypt: true }),
    ],
  };
}

/** The Ed25519 private key whose 32-byte seed counts up from 0x80, as PKCS#8 PEM: a receipt key for vectors only. */
const RECEIPT_TEST_KEY = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...Array.from({ length: 32 }, (_, i) => 0x80 + i)))}\n-----END PRIVATE KEY-----\n`;
const RECEIVED_AT = TIMESTAMP * 1000 + 86_400_000 * 20; // 2026-01-21T00:00:00Z

/**
 * Offline bundles of `version` (its base payload, on two days) and the receipts
 * a server signs for given outcomes: what a server in another language must
 * verify and answer, and an uploader in another language must produce and read.
 */
export async function bundleVectors(runtime: WireRuntime, contract: Contract, basePayload: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const { schemaVersion: _, ...counts } = basePayload;
  const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T00:00:00Z`;
  const windowOf = async (d: number, customer: string, signingSecrets: readonly string[], maskKey?: string) => {
    const built = await runtime.createTelemetryRequest({ ...counts, periodStart: day(d), periodEnd: day(d + 1) } as never, {
      version: contract.version as never,
      licenseId: LICENSE_ID,
      customer,
      signingSecrets,
      maskCustomer: maskKey !== undefined,
      ...(maskKey !== undefined ? { maskKey } : {}),
      now: () => TIMESTAMP * 1000,
    });
    if (!built.ok) throw new FindingsError([{ where: contract.source, what: `no bundle window can be built from v${contract.version}'s base payload: ${built.error.message}`, rule: 'wire-vectors', fix: 'run `npm run typecheck`', severity: 'error' }]);
    const h = built.request.headers;
    return { headers: { 'content-type': h['content-type']!, 'webhook-id': h['webhook-id']!, 'x-telemetry-customer': h['x-telemetry-customer']!, 'x-telemetry-license-id': h['x-telemetry-license-id']!, 'x-telemetry-schema-version': h['x-telemetry-schema-version']! }, body: new TextDecoder().decode(built.request.body) };
  };
  type Outcome = { status: number; error?: { rule: string; message: string; storedDigest?: string }; superseded?: string };
  const bundleCase = async (name: string, signingSecrets: readonly string[], windows: ReadonlyArray<Awaited<ReturnType<typeof windowOf>> & { supersedes?: string }>, outcomes: readonly Outcome[]) => {
    const bundle = await runtime.signBundle({ bundle: 'telemetry-contract offline bundle', format: 1, licenseId: LICENSE_ID, createdAt: '2026-01-20T09:30:00Z', windows: windows as never }, signingSecrets);
    const manifest = runtime.bundleManifest(bundle);
    const verified = await runtime.ingestBundle(
      { method: 'POST', headers: { 'content-type': 'application/vnd.telemetry-contract.bundle+json' }, body: new TextEncoder().encode(JSON.stringify(bundle, null, 2)) },
      { licenseKeys: new Map([[LICENSE_ID, signingSecrets.map((secret, i) => ({ id: `key-${i + 1}`, secret }))]]), acceptedVersions: [contract.version], allowSupersede: true },
    );
    if (!verified.ok || verified.windows.some((w) => !w.result.ok)) {
      throw new FindingsError([{ where: 'src/server/bundle.ts', what: `refuses its own bundle: ${verified.ok ? JSON.stringify(verified.windows.find((w) => !w.result.ok)!.result) : verified.error.message}`, rule: 'wire-vectors', fix: 'run the bundle tests (test/wire/bundle.test.ts)', severity: 'error' }]);
    }
    const answer = await runtime.bundleResponse(verified, outcomes as never, { receiptKey: RECEIPT_TEST_KEY, now: () => RECEIVED_AT });
    return {
      name,
      input: { licenseId: LICENSE_ID, signingSecrets, createdAt: bundle.createdAt, outcomes },
      expected: { manifest, bundleId: runtime.bundleIdOf(manifest), bundle, receipt: answer.receipt },
    };
  };
  const first = await windowOf(1, CUSTOMERS[1], [KEY_A]);
  const second = await windowOf(2, CUSTOMERS[1], [KEY_A]);
  const masked = await windowOf(3, CUSTOMERS[1], [KEY_B, KEY_A], MASK_KEY);
  const STORED = 'a'.repeat(64);
  const receiptPublicKey = await runtime.receiptPublicKey(RECEIPT_TEST_KEY);
  return {
    $comment: `generated from ${contract.source} and scripts/emit/wire-vectors.ts by \`npm run generate\`; do not edit`,
    description:
      'Offline bundles (docs/wire-protocol.md, "Offline bundles"): the input, the manifest the signature covers, the bundle id, the bundle as a file holds it, and the receipt a server signs for the given outcomes. Secrets and the receipt key here are public test values: never use them.',
    version: contract.version,
    secrets: { keyA: KEY_A, keyB: KEY_B, maskKey: MASK_KEY },
    receiptKey: { privateKey: RECEIPT_TEST_KEY, publicKey: receiptPublicKey, keyId: runtime.receiptKeyId(receiptPublicKey), receivedAt: new Date(RECEIVED_AT).toISOString() },
    bundles: [
      await bundleCase('two windows, one key: the first stored, the second refused as a conflict', [KEY_A], [first, second], [
        { status: 201 },
        { status: 409, error: { rule: 'window-conflict', message: 'lic-0042/2026-01-02T00:00:00Z/2026-01-03T00:00:00Z: this window is already stored with another body (window-conflict)', storedDigest: STORED } },
      ]),
      await bundleCase('rotation, a masked customer and a correction that superseded the stored report', [KEY_B, KEY_A], [{ ...masked, supersedes: STORED }], [{ status: 200, superseded: STORED }]),
    ],
  };
}
