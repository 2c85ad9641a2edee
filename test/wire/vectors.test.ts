import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contracts } from '../../schema/index.js';
import { versions } from '../../generated/index.js';
import { dedupeKey, messageId } from '../../src/wire/dedupe.js';
import { deriveEncryptionKey, encryptBody } from '../../src/wire/jwe.js';
import { deriveMaskKey, encodeCustomer, maskCustomer } from '../../src/wire/mask.js';
import type { TelemetryCounts } from '../../src/uploader/payload.js';
import { createTelemetryRequest } from '../../src/uploader/request.js';
import { signMessage } from '../../src/wire/signature.js';
import { repoRoot } from '../helpers.js';

interface SignatureVector {
  name: string;
  secrets: string[];
  id: string;
  timestamp: number;
  body: string;
  expected: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
}
interface RequestVector {
  name: string;
  input: { version: number; counts: TelemetryCounts<1>; licenseId: string; timestamp: number; customer: string; signingSecrets: string[]; maskCustomer: boolean; maskKey?: string; encrypt?: boolean; iv?: string };
  expected: { dedupeKey: string; headers: Record<string, string>; body: string };
}
interface RequestVectors {
  $comment: string;
  version: number;
  requests: RequestVector[];
}
interface Vectors {
  $comment: string;
  secrets: Record<string, string>;
  signatures: SignatureVector[];
  dedupe: Array<{ licenseId: string; periodStart: string; periodEnd: string; customerHeader: string; dedupeKey: string; hashed: string; webhookId: string }>;
  masks: Array<{ customer: string; mask: string; maskKey?: string; signingSecret?: string; derivedMaskKey?: string }>;
  customerHeader: Array<{ customer: string; header: string }>;
  encryption: Array<{ name: string; encryptionKey: string; signingSecret?: string; keyId: string; iv: string; plaintext: string; jwe: string }>;
}

/** The fixed IV of the vectors: 12 bytes counting up from 0xa0. */
const TEST_IV = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);

// The committed file, as another team would read it.
const vectors = JSON.parse(readFileSync(join(repoRoot, 'generated/signature-vectors.json'), 'utf8')) as Vectors;
const keyBytes = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');

afterEach(() => vi.restoreAllMocks());

describe('published test vectors (generated/signature-vectors.json)', () => {
  it('say they are generated and carry the spec example, a rotation and masks; whole requests are per version', () => {
    expect(vectors.$comment).toMatch(/^generated from .* by `npm run generate`; do not edit$/);
    expect(vectors.signatures.map((s) => s.name)).toContain('Standard Webhooks specification example');
    expect(vectors.signatures.some((s) => s.secrets.length === 2 && s.expected['webhook-signature'].split(' ').length === 2)).toBe(true);
    expect(Object.keys(vectors)).not.toContain('requests');
  });

  it('include the spec example with its published signature', () => {
    const spec = vectors.signatures.find((s) => s.name === 'Standard Webhooks specification example')!;
    expect(spec.expected['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  describe.each(vectors.signatures.map((v) => [v.name, v] as const))('signature vector "%s"', (_name, v) => {
    it('is what signMessage produces', async () => {
      expect(await signMessage({ id: v.id, timestamp: v.timestamp, body: v.body, secrets: v.secrets })).toEqual(v.expected);
    });

    it('matches an independent HMAC-SHA-256 per secret, in order', () => {
      const entries = v.secrets.map((s) => `v1,${createHmac('sha256', keyBytes(s)).update(`${v.id}.${v.timestamp}.${v.body}`, 'utf8').digest('base64')}`);
      expect(v.expected['webhook-signature']).toBe(entries.join(' '));
    });

    it('verifies with the standardwebhooks package under every secret', () => {
      vi.spyOn(Date, 'now').mockReturnValue(v.timestamp * 1000);
      for (const secret of v.secrets) expect(() => new Webhook(secret).verify(v.body, v.expected, { jsonParse: false })).not.toThrow();
    });
  });

  it('dedupe keys and message ids are reproduced, and the id is msg_ + hex SHA-256 of the key, a line feed and the customer header', async () => {
    const { createHash } = await import('node:crypto');
    for (const v of vectors.dedupe) {
      expect(dedupeKey(v.licenseId, v.periodStart, v.periodEnd)).toBe(v.dedupeKey);
      expect(await messageId(v.dedupeKey, v.customerHeader)).toBe(v.webhookId);
      expect(v.hashed).toBe(`${v.dedupeKey}\n${v.customerHeader}`);
      expect(v.webhookId).toBe(`msg_${createHash('sha256').update(v.hashed, 'utf8').digest('hex')}`);
    }
    // The same window under a name and under its mask: two ids, so neither header can stand in for the other.
    const [named, , , masked] = vectors.dedupe;
    expect(masked!.dedupeKey).toBe(named!.dedupeKey);
    expect(masked!.webhookId).not.toBe(named!.webhookId);
  });

  it('masks are reproduced and match HMAC-SHA-256 truncated to 16 bytes, with the length in code points', async () => {
    for (const v of vectors.masks) {
      const key = v.maskKey ?? (await deriveMaskKey(v.signingSecret!));
      expect(await maskCustomer(v.customer, key)).toBe(v.mask);
      const hex = createHmac('sha256', keyBytes(key)).update(v.customer, 'utf8').digest('hex').slice(0, 32);
      expect(v.mask).toBe(`anon-${hex}-${[...v.customer].length}`);
    }
  });

  it('the derived mask key is HKDF-SHA-256 of the signing secret with the documented info', async () => {
    for (const v of vectors.masks.filter((m) => m.signingSecret !== undefined)) {
      const derived = Buffer.from(hkdfSync('sha256', keyBytes(v.signingSecret!), Buffer.alloc(0), 'telemetry-contract customer mask v1', 32));
      expect(v.derivedMaskKey).toBe(`whsec_${derived.toString('base64')}`);
      expect(await deriveMaskKey(v.signingSecret!)).toBe(v.derivedMaskKey);
    }
  });

  it('customer headers are the percent-encoded UTF-8 names', () => {
    for (const v of vectors.customerHeader) {
      expect(encodeCustomer(v.customer)).toBe(v.header);
      expect(decodeURIComponent(v.header)).toBe(v.customer);
    }
  });

  it.each(vectors.encryption.map((v) => [v.name, v] as const))('encryption vector "%s" decrypts with the jose package, and encryptBody reproduces it', async (_name, v) => {
    const key = keyBytes(v.encryptionKey);
    const { plaintext, protectedHeader } = await jose.compactDecrypt(v.jwe, key);
    expect(new TextDecoder().decode(plaintext)).toBe(v.plaintext);
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', kid: v.keyId, cty: 'application/json' });
    expect(v.keyId).toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
    expect(v.jwe.split('.')[2]).toBe(Buffer.from(TEST_IV).toString('base64url'));
    expect(await encryptBody(new TextEncoder().encode(v.plaintext), v.encryptionKey, TEST_IV)).toBe(v.jwe);
    if (v.signingSecret !== undefined) {
      const derived = Buffer.from(hkdfSync('sha256', keyBytes(v.signingSecret), Buffer.alloc(0), 'telemetry-contract payload encryption v1', 32));
      expect(v.encryptionKey).toBe(`whsec_${derived.toString('base64')}`);
    }
  });

});

describe.each(contracts.map((c) => c.version))('published request vectors of v%i (generated/v%i/wire-vectors.json)', (version) => {
  const file = JSON.parse(readFileSync(join(repoRoot, `generated/v${version}/wire-vectors.json`), 'utf8')) as RequestVectors;

  it('say they are generated, speak of this version only, and carry a rotation with a masked customer', () => {
    expect(file.$comment).toMatch(/^generated from schema\/v\d+\.ts .*; do not edit$/);
    expect(file.version).toBe(version);
    expect(file.requests.every((r) => r.input.version === version && r.expected.headers['x-telemetry-schema-version'] === String(version))).toBe(true);
    expect(file.requests.some((r) => r.input.maskCustomer && r.input.signingSecrets.length === 2)).toBe(true);
  });

  describe.each(file.requests.map((v) => [v.name, v] as const))('request vector "%s"', (_name, v) => {
    it('is what createTelemetryRequest builds', async () => {
      const { timestamp, counts, version: _, iv: _iv, ...options } = v.input;
      const result = await createTelemetryRequest(counts as never, { ...options, version: version as never, now: () => timestamp * 1000, randomBytes: (n) => TEST_IV.slice(0, n) });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.request.headers['content-type']).toBe(v.input.encrypt ? 'application/jose' : 'application/json');
      expect(result.request.headers).toEqual(v.expected.headers);
      expect(new TextDecoder().decode(result.request.body)).toBe(v.expected.body);
      expect(result.request.dedupeKey).toBe(v.expected.dedupeKey);
    });

    it('passes the contract header validator and verifies with the standardwebhooks package, the JWE as sent', async () => {
      expect(versions[version as keyof typeof versions].validateHeaders(v.expected.headers)).toBe(true);
      vi.spyOn(Date, 'now').mockReturnValue(v.input.timestamp * 1000);
      for (const secret of v.input.signingSecrets) expect(() => new Webhook(secret).verify(v.expected.body, v.expected.headers, { jsonParse: false })).not.toThrow();
      const plaintext = v.input.encrypt
        ? new TextDecoder().decode((await jose.compactDecrypt(v.expected.body, keyBytes(await deriveEncryptionKey(v.input.signingSecrets[0]!)))).plaintext)
        : v.expected.body;
      expect(JSON.parse(plaintext)).toMatchObject({ schemaVersion: version });
    });
  });
});
