/**
 * The store's AES-256-GCM gives the same bytes on both of its paths: the
 * platform's node:crypto and WebCrypto open each other's values, and neither
 * opens a value under another key or context, or with a byte changed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { aeadKey, aesPlatform, openValue, SEAL_OVERHEAD, sealValue, useAesPlatform } from '../../src/store/aead.js';

const node = aesPlatform();
afterAll(() => useAesPlatform(node));

const sealWith = async (path: 'node' | 'web', ...args: Parameters<typeof sealValue>) => {
  useAesPlatform(path === 'node' ? node : undefined);
  return sealValue(...args);
};
const openWith = async (path: 'node' | 'web', ...args: Parameters<typeof openValue>) => {
  useAesPlatform(path === 'node' ? node : undefined);
  return openValue(...args);
};

describe('the store\'s AES-256-GCM', () => {
  it('runs on node:crypto here, where the runtime lends it', () => {
    expect(node).toBeDefined();
  });

  it('opens on either path what the other sealed, and nothing changed or moved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.string(), fc.constantFrom('node', 'web'), async (bytes, plaintext, context, from) => {
        const key = aeadKey(bytes);
        const to = from === 'node' ? 'web' : 'node';
        const sealed = await sealWith(from, key, context, plaintext);
        expect(sealed.length).toBe(plaintext.length + SEAL_OVERHEAD);
        expect(await openWith(to, key, context, sealed)).toEqual(plaintext);
        expect(await openWith(to, key, `${context}x`, sealed)).toBeUndefined();
        const changed = sealed.slice();
        changed[changed.length - 1] = changed.at(-1)! ^ 1;
        expect(await openWith(to, key, context, changed)).toBeUndefined();
        expect(await openWith(to, aeadKey(bytes.map((b) => b ^ 0xff)), context, sealed)).toBeUndefined();
        expect(await openWith(to, key, context, sealed.subarray(0, SEAL_OVERHEAD - 1))).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });
});
