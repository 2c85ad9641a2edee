/**
 * SHA-256 and HMAC-SHA-256, synchronous, for what a receiver computes on every
 * request (a signature's HMAC, a message id) and the public digests both sides
 * take: the platform's own where the runtime has one, the bundled, audited
 * @noble/hashes where it has not. Same bytes either way (test/wire/hashes.test.ts).
 *
 * On Node.js (20.16 and later) the platform's is node:crypto, reached through
 * `process.getBuiltinModule` at run time rather than imported: the built
 * entries stay free of `node:` imports, so a bundler for a browser or a worker
 * never sees one, and Deno, Bun or a worker without it fall back to the
 * portable code. node:crypto's HMAC costs less than the portable one per
 * request (docs/performance.md has both), and unlike WebCrypto it answers
 * without a round trip through the runtime's thread pool.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** What this module uses of node:crypto; Node's own types are not assumed, so the entries build for any runtime. */
export interface PlatformCrypto {
  createHmac(algorithm: 'sha256', key: Uint8Array): { update(data: Uint8Array): unknown; digest(): Uint8Array };
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): unknown; digest(): Uint8Array };
  /** One-shot hashing (Node 20.12 and later); faster than createHash for the short inputs hashed here. */
  hash?(algorithm: 'sha256', data: Uint8Array, outputEncoding: 'buffer'): Uint8Array;
}

/** A key made ready once, then used for many messages: each call returns the HMAC of its parts, concatenated. */
export type KeyedHmac = (...parts: readonly Uint8Array[]) => Uint8Array;

export interface Hashes {
  /** Which implementation computes: `node:crypto` or `@noble/hashes`. */
  readonly implementation: 'node:crypto' | '@noble/hashes';
  sha256(bytes: Uint8Array): Uint8Array;
  /** HMAC-SHA-256 under `key`, prepared for repeated use. */
  hmacSha256(key: Uint8Array): KeyedHmac;
}

/** A view of the same bytes as a plain Uint8Array (Node answers with Buffers): callers and tests see one type. */
const plain = (bytes: Uint8Array): Uint8Array => (bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** The hashes of `platform`, or the portable ones without it. */
export function hashesOf(platform: PlatformCrypto | undefined): Hashes {
  if (platform === undefined) {
    return {
      implementation: '@noble/hashes',
      sha256: (bytes) => nobleSha256(bytes),
      hmacSha256: (key) => {
        // The state after the key's block, cloned per message: the key is hashed once.
        const keyed = hmac.create(nobleSha256, key);
        return (...parts) => {
          const mac = keyed.clone();
          for (const part of parts) mac.update(part);
          return mac.digest();
        };
      },
    };
  }
  const oneShot = oneShotOf(platform);
  return {
    implementation: 'node:crypto',
    sha256: oneShot !== undefined ? (bytes) => plain(oneShot('sha256', bytes, 'buffer')) : (bytes) => {
      const hash = platform.createHash('sha256');
      hash.update(bytes);
      return plain(hash.digest());
    },
    hmacSha256: (key) => {
      // node:crypto copies the key into each HMAC; a copy of ours keeps a caller's later change of it out.
      const copy = new Uint8Array(key);
      return (...parts) => {
        const mac = platform.createHmac('sha256', copy);
        for (const part of parts) mac.update(part);
        return plain(mac.digest());
      };
    },
  };
}

/** `hash(…, 'buffer')` where it gives bytes (some Node 20 releases have `hash` but only text digests), else undefined. */
function oneShotOf(platform: PlatformCrypto): PlatformCrypto['hash'] {
  if (typeof platform.hash !== 'function') return undefined;
  const hash = platform.hash.bind(platform);
  try {
    const probe = hash('sha256', new Uint8Array(0), 'buffer');
    return probe instanceof Uint8Array && probe.length === 32 ? hash : undefined;
  } catch {
    return undefined;
  }
}

/**
 * node:crypto as the runtime lends it through `process.getBuiltinModule`, without an import; undefined
 * where it lends none. Each user checks for the functions it calls (the store's AES: ../store/aead.ts).
 */
export function lentNodeCrypto(): Readonly<Record<string, unknown>> | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const found = runtime?.getBuiltinModule?.('node:crypto');
    return typeof found === 'object' && found !== null ? (found as Record<string, unknown>) : undefined;
  } catch {
    // A runtime that has the function but refuses the module (a permission model): the portable code.
    return undefined;
  }
}

/** node:crypto's hashes when the runtime offers them without an import, else undefined. */
export function platformCrypto(): PlatformCrypto | undefined {
  const found = lentNodeCrypto();
  return typeof found?.['createHmac'] === 'function' && typeof found['createHash'] === 'function' ? (found as unknown as PlatformCrypto) : undefined;
}

/** The hashes this process uses, chosen once when the module loads. */
export const hashes: Hashes = hashesOf(platformCrypto());
