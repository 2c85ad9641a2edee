import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { timingSafeEqual } from '../../src/wire/bytes.js';
import { generateSecret, parseSecret, sign, signMessage } from '../../src/wire/signature.js';
import { verifySignature, type VerificationKey } from '../../src/wire/verify-signature.js';
import { RUNS } from '../support/arbitraries.js';
import { KEY_A, KEY_B, KEY_REVOKED } from './support.js';

// The example in the Standard Webhooks JavaScript library's own tests ("sign function works").
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const T = 1_767_225_600;
const at = (seconds: number) => () => seconds * 1000;
const keys: VerificationKey[] = [
  { id: 'new', secret: KEY_B },
  { id: 'old', secret: KEY_A },
  { id: 'leaked', secret: KEY_REVOKED, revoked: true },
];
const body = '{"schemaVersion":1}';

async function signed(secrets: string[], timestamp = T, id = 'msg_test', payload: string = body) {
  return signMessage({ id, timestamp, body: payload, secrets });
}

afterEach(() => vi.restoreAllMocks());

describe('signature: Standard Webhooks interoperability', () => {
  it('reproduces the specification example exactly', async () => {
    expect(await sign(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it('verifies the specification example at its own time', async () => {
    const headers = { 'webhook-id': SPEC.id, 'webhook-timestamp': String(SPEC.timestamp), 'webhook-signature': SPEC.signature };
    expect(await verifySignature(headers, SPEC.body, { keys: [{ id: 'spec', secret: SPEC.secret }], now: at(SPEC.timestamp) })).toMatchObject({ ok: true, keyId: 'spec' });
  });

  it('signs what the standardwebhooks package verifies, for each key of a rotation', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(T * 1000);
    const headers = await signed([KEY_B, KEY_A]);
    expect(new Webhook(KEY_A).verify(body, headers)).toEqual({ schemaVersion: 1 });
    expect(new Webhook(KEY_B).verify(body, headers)).toEqual({ schemaVersion: 1 });
    expect(() => new Webhook(KEY_REVOKED).verify(body, headers)).toThrow();
  });

  it('verifies what the standardwebhooks package signs', async () => {
    const signature = new Webhook(KEY_A).sign('msg_theirs', new Date(T * 1000), body);
    const headers = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(T), 'webhook-signature': signature };
    expect(await verifySignature(headers, body, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'old' });
  });

  it('agrees with an independent HMAC-SHA-256 over `${id}.${timestamp}.${body}` for random secrets and bodies', async () => {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(24 + i);
      const payload = randomBytes(i * 7);
      const expected = `v1,${createHmac('sha256', key).update(`msg_${i}.${T + i}.`).update(payload).digest('base64')}`;
      expect(await sign(`whsec_${key.toString('base64')}`, `msg_${i}`, T + i, new Uint8Array(payload))).toBe(expected);
    }
  });
});

describe('signature: verification computed in-process', () => {
  it('verifies what node:crypto signs, for random secrets and bodies, and refuses any one bit flipped in the MAC', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.uint8Array({ maxLength: 2048 }), fc.nat({ max: 255 }), async (key, payload, bit) => {
        const keys = [{ id: 'k', secret: `whsec_${Buffer.from(key).toString('base64')}` }];
        const mac = createHmac('sha256', key).update(`msg_x.${T}.`).update(payload).digest();
        const flipped = Buffer.from(mac);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        const headers = (m: Buffer) => ({ 'webhook-id': 'msg_x', 'webhook-timestamp': String(T), 'webhook-signature': `v1,${m.toString('base64')}` });
        expect(await verifySignature(headers(mac), payload, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'k' });
        expect(await verifySignature(headers(flipped), payload, { keys, now: at(T) })).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
      }),
      { numRuns: Math.min(RUNS, 300) },
    );
  });

  it('waits on no WebCrypto call: the HMAC is computed synchronously, in-process', async () => {
    const headers = await signed([KEY_A]);
    const calls = (['sign', 'verify', 'importKey', 'digest'] as const).map((name) => vi.spyOn(crypto.subtle, name));
    expect(await verifySignature(headers, body, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'old' });
    expect(await verifySignature(headers, '{"schemaVersion":2}', { keys, now: at(T) })).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
    for (const spy of calls) expect(spy).not.toHaveBeenCalled();
  });

  it('uses a key object\'s current secret, also after it verified with another one', async () => {
    const key = { id: 'k', secret: KEY_A };
    expect((await verifySignature(await signed([KEY_A]), body, { keys: [key], now: at(T) })).ok).toBe(true);
    key.secret = KEY_B;
    expect((await verifySignature(await signed([KEY_A]), body, { keys: [key], now: at(T) })).ok).toBe(false);
    expect((await verifySignature(await signed([KEY_B]), body, { keys: [key], now: at(T) })).ok).toBe(true);
  });

  it('compares MACs byte for byte without stopping at the first difference', () => {
    const a = new Uint8Array(32).fill(7);
    expect(timingSafeEqual(a, a.slice())).toBe(true);
    for (const at of [0, 15, 31]) {
      const b = a.slice();
      b[at] = 8;
      expect(timingSafeEqual(a, b)).toBe(false);
    }
    expect(timingSafeEqual(a, a.subarray(0, 31))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('signature: verification', () => {
  it('accepts a signature from any active key and names the key', async () => {
    expect(await verifySignature(await signed([KEY_A]), body, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'old', id: 'msg_test', timestamp: T });
    expect(await verifySignature(await signed([KEY_B]), body, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'new' });
  });

  it('rejects a body signed with a revoked key', async () => {
    const result = await verifySignature(await signed([KEY_REVOKED]), body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'revoked-key' } });
  });

  it('accepts a request that also carries a revoked key signature next to an active one (a sender mid-rotation)', async () => {
    expect(await verifySignature(await signed([KEY_REVOKED, KEY_A]), body, { keys, now: at(T) })).toMatchObject({ ok: true, keyId: 'old' });
  });

  it('rejects a body altered after signing', async () => {
    const result = await verifySignature(await signed([KEY_A]), '{"schemaVersion":2}', { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
  });

  it('rejects a signature from an unknown key', async () => {
    const result = await verifySignature(await signed([generateSecret()]), body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
  });

  it('rejects a changed id or timestamp, which are signed too', async () => {
    const headers = await signed([KEY_A]);
    expect(await verifySignature({ ...headers, 'webhook-id': 'msg_other' }, body, { keys, now: at(T) })).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
    expect(await verifySignature({ ...headers, 'webhook-timestamp': String(T + 1) }, body, { keys, now: at(T) })).toMatchObject({ ok: false, error: { rule: 'signature-mismatch' } });
  });

  it('skips entries of other signature versions, as the spec says', async () => {
    const headers = await signed([KEY_A]);
    const result = await verifySignature({ ...headers, 'webhook-signature': `v1a,xyz ${headers['webhook-signature']}` }, body, { keys, now: at(T) });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['webhook-id', 'missing-signature'],
    ['webhook-timestamp', 'missing-signature'],
    ['webhook-signature', 'missing-signature'],
  ])('refuses a request without %s', async (name, rule) => {
    const headers: Record<string, string> = { ...(await signed([KEY_A])) };
    delete headers[name];
    const result = await verifySignature(headers, body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule } });
    expect(!result.ok && result.error.message.startsWith(`${name}: `)).toBe(true);
  });

  it.each([
    ['a timestamp that is not a number', { 'webhook-timestamp': 'soon' }],
    ['a signature without a v1 entry', { 'webhook-signature': 'v2,abc' }],
    ['a truncated signature', { 'webhook-signature': 'v1,g0hM9SsE' }],
    ['too many signature entries', { 'webhook-signature': Array(17).fill(SPEC.signature).join(' ') }],
  ])('refuses %s as malformed', async (_name, change) => {
    const result = await verifySignature({ ...(await signed([KEY_A])), ...change }, body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'malformed-signature-header' } });
  });

  it('reads header names case-insensitively, from a fetch Headers object too', async () => {
    const headers = new Headers(Object.entries(await signed([KEY_A])).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifySignature(headers, body, { keys, now: at(T) })).ok).toBe(true);
  });
});

describe('signature: timestamp tolerance', () => {
  it('accepts a timestamp exactly 300 s away on either side', async () => {
    expect((await verifySignature(await signed([KEY_A], T - 300), body, { keys, now: at(T) })).ok).toBe(true);
    expect((await verifySignature(await signed([KEY_A], T + 300), body, { keys, now: at(T) })).ok).toBe(true);
  });

  it('rejects a replay older than the tolerance and says how far off the clock is', async () => {
    const result = await verifySignature(await signed([KEY_A], T - 301), body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'timestamp-too-old', clockSkewSeconds: -301 } });
    expect(!result.ok && result.error.message).toMatch(/301 s behind .*±300 s.*Date header/);
  });

  it('rejects a timestamp from the future, as from a clock that runs ahead', async () => {
    const result = await verifySignature(await signed([KEY_A], T + 3600), body, { keys, now: at(T) });
    expect(result).toMatchObject({ ok: false, error: { rule: 'timestamp-too-new', clockSkewSeconds: 3600 } });
    expect(!result.ok && result.error.message).toContain('3600 s ahead of');
  });

  it('takes the tolerance as an option', async () => {
    const headers = await signed([KEY_A], T - 30);
    expect((await verifySignature(headers, body, { keys, now: at(T), toleranceSeconds: 10 })).ok).toBe(false);
    expect((await verifySignature(headers, body, { keys, now: at(T), toleranceSeconds: 60 })).ok).toBe(true);
  });
});

describe('signature: secrets', () => {
  it('parses whsec_ secrets and generates valid ones', () => {
    expect(parseSecret(KEY_A)).toEqual(new Uint8Array(Array.from({ length: 32 }, (_, i) => i)));
    const fresh = generateSecret();
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseSecret(fresh)).toHaveLength(32);
    expect(generateSecret()).not.toBe(fresh);
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['not base64', 'whsec_not base64 at all!!'],
    ['too short', `whsec_${btoa('sixteen bytes!!!')}`],
    ['too long', `whsec_${btoa('x'.repeat(65))}`],
  ])('refuses a secret with %s, without repeating it', (_name, secret) => {
    expect(() => parseSecret(secret)).toThrow(TypeError);
    try {
      parseSecret(secret);
    } catch (error) {
      expect((error as Error).message).not.toContain(secret.slice(6, 20));
    }
  });

  it('never puts a secret or a signature value into an error message', async () => {
    const headers = await signed([KEY_REVOKED]);
    const results = [
      await verifySignature(headers, body, { keys, now: at(T) }),
      await verifySignature(headers, 'tampered', { keys, now: at(T) }),
      await verifySignature(headers, body, { keys, now: at(T + 10_000) }),
    ];
    for (const result of results) {
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result);
      for (const secret of [KEY_A, KEY_B, KEY_REVOKED]) expect(text).not.toContain(secret.slice(6));
      expect(text).not.toContain(headers['webhook-signature'].slice(3));
    }
  });

  it('refuses a key configuration without an active key', async () => {
    await expect(verifySignature(await signed([KEY_A]), body, { keys: [{ id: 'x', secret: KEY_A, revoked: true }] })).rejects.toThrow(/at least one key that is not revoked/);
  });
});
