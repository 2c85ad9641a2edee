/**
 * The two code paths of SHA-256 and HMAC-SHA-256 (src/wire/hashes.ts): Node's
 * node:crypto, which this Node offers through process.getBuiltinModule, and
 * the portable @noble/hashes, forced by loading the modules afresh without
 * it. They must give the same bytes for any input, and `ingest` the same
 * verdict on the same requests.
 */
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashes, hashesOf, platformCrypto } from '../../src/wire/hashes.js';
import { ingest } from '../../src/server/ingest.js';
import { KEY_A, KEY_B, NOW_MS, built } from './support.js';

const node = hashesOf(platformCrypto());
const portable = hashesOf(undefined);

const getBuiltinModule = process.getBuiltinModule;
afterEach(() => {
  process.getBuiltinModule = getBuiltinModule;
  vi.resetModules();
});

/** The modules loaded afresh while the runtime offers no getBuiltinModule (or one that throws): the portable path, as on a runtime without node:crypto. */
async function withoutPlatform(how: 'absent' | 'throws' = 'absent') {
  vi.resetModules();
  (process as { getBuiltinModule?: unknown }).getBuiltinModule =
    how === 'absent'
      ? undefined
      : () => {
          throw new Error('ERR_ACCESS_DENIED');
        };
  try {
    const fresh = await import('../../src/wire/hashes.js');
    const server = await import('../../src/server/ingest.js');
    return { hashes: fresh.hashes, ingest: server.ingest };
  } finally {
    process.getBuiltinModule = getBuiltinModule;
  }
}

describe('hashes', () => {
  it('use node:crypto on this Node.js, reached without importing it', () => {
    expect(typeof process.getBuiltinModule).toBe('function');
    expect(hashes.implementation).toBe('node:crypto');
    expect(portable.implementation).toBe('@noble/hashes');
  });

  it('fall back to @noble/hashes where the runtime has no getBuiltinModule, or refuses node:crypto', async () => {
    expect((await withoutPlatform('absent')).hashes.implementation).toBe('@noble/hashes');
    expect((await withoutPlatform('throws')).hashes.implementation).toBe('@noble/hashes');
  });

  it('give the same SHA-256 on both paths, and Node\'s createHash\'s, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const expected = new Uint8Array(createHash('sha256').update(bytes).digest());
        expect(node.sha256(bytes)).toEqual(expected);
        expect(portable.sha256(bytes)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('give the same HMAC-SHA-256 on both paths, and Node\'s createHmac\'s, for any key (longer than a block too) and message parts, the key used again and again', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.array(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), { minLength: 1, maxLength: 3 }), (key, messages) => {
        const a = node.hmacSha256(key);
        const b = portable.hmacSha256(key);
        for (const parts of messages) {
          const mac = createHmac('sha256', key);
          for (const part of parts) mac.update(part);
          const expected = new Uint8Array(mac.digest());
          expect(a(...parts)).toEqual(expected);
          expect(b(...parts)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('hash with createHash where the platform\'s one-shot hash gives only text (early Node 20 releases)', () => {
    const textOnly = { createHash, createHmac, hash: (algorithm: string, data: Uint8Array) => createHash(algorithm).update(data).digest('hex') } as unknown as Parameters<typeof hashesOf>[0];
    const bytes = new TextEncoder().encode('lic-0042');
    expect(hashesOf(textOnly).sha256(bytes)).toEqual(new Uint8Array(createHash('sha256').update(bytes).digest()));
  });

  it('keep a prepared key from a later change of the caller\'s bytes', () => {
    const key = new Uint8Array(32).fill(1);
    const [a, b] = [node.hmacSha256(key), portable.hmacSha256(key)];
    const before = [a(new Uint8Array([1])), b(new Uint8Array([1]))];
    key.fill(2);
    expect([a(new Uint8Array([1])), b(new Uint8Array([1]))]).toEqual(before);
  });
});

describe('ingest on both paths', () => {
  it('accepts the same request, with the same message id and key, and refuses the same forgeries', async () => {
    const fallback = await withoutPlatform();
    expect(fallback.hashes.implementation).toBe('@noble/hashes');
    const options = { licenseKeys: new Map([['lic-0042', [{ id: 'b', secret: KEY_B }, { id: 'a', secret: KEY_A }]]]), acceptedVersions: [1], now: () => NOW_MS };
    const request = await built({ version: 1 } as Parameters<typeof built>[0]);
    const forged = { ...request.headers, 'webhook-signature': request.headers['webhook-signature']!.replace(/^v1,./, (m) => (m.endsWith('A') ? 'v1,B' : 'v1,A')) };
    const tampered = new Uint8Array(request.body);
    tampered[tampered.length - 2]! ^= 1;
    for (const [headers, body] of [
      [request.headers, request.body],
      [forged, request.body],
      [request.headers, tampered],
    ] as const) {
      const expected = await ingest({ method: 'POST', headers, body }, options);
      const got = await fallback.ingest({ method: 'POST', headers, body }, options);
      expect(got).toEqual(expected);
    }
    const accepted = await fallback.ingest({ method: 'POST', headers: request.headers, body: request.body }, options);
    expect(accepted).toMatchObject({ ok: true, kind: 'report', keyId: 'a', messageId: request.messageId });
  });
});
