/**
 * Key-encryption keys (KEKs): the keys the license key store encrypts every
 * license secret under (AES-256-GCM). A keyring lists them, the current one
 * first; older ones stay readable during a KEK rotation until every secret is
 * re-encrypted (`rewrap`). Parsed from text (an environment variable or a
 * file), never logged: a KEK is named by its id, a hash that reveals nothing.
 */
import { bufferSource, fromBase64, sha256, toHex, utf8 } from '../wire/bytes.js';

/** One key-encryption key: its id and its 32 bytes. */
export interface Kek {
  /** 16 lowercase hex digits: the first 8 bytes of SHA-256 over a fixed label and the key. Stored beside each secret; not secret. */
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** The KEKs a key store may use: `current` encrypts, every one decrypts. */
export interface Keyring {
  readonly current: Kek;
  /** Every KEK, the current one first. */
  readonly all: readonly Kek[];
}

/** A bad keyring, in the house shape; never holds key material. */
export class KeyringError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyringError';
  }
}

const KEK_LABEL = 'telemetry-contract key-encryption key id v1\0';
const MAX_KEKS = 8;

/** The id of a KEK's bytes. */
export function kekId(bytes: Uint8Array): string {
  const label = utf8(KEK_LABEL);
  const input = new Uint8Array(label.length + bytes.length);
  input.set(label);
  input.set(bytes, label.length);
  return toHex(sha256(input).subarray(0, 8));
}

/**
 * A keyring from text: KEKs as standard base64 of 32 bytes each (`openssl
 * rand -base64 32` makes one), separated by commas, spaces or line breaks, the
 * current one first; lines starting with `#` are comments. Throws a
 * KeyringError naming `source` and the position, never the value.
 *
 * @example
 * const keyring = parseKeyring(process.env.TELEMETRY_KEK!, 'TELEMETRY_KEK');
 */
export function parseKeyring(text: string, source: string): Keyring {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('#'))
    .join(' ')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new KeyringError('kek-missing', `${source}: holds no key-encryption key (kek-missing); put one in it: base64 of 32 random bytes, as \`openssl rand -base64 32\` prints`);
  if (entries.length > MAX_KEKS) throw new KeyringError('kek-format', `${source}: holds ${entries.length} key-encryption keys, at most ${MAX_KEKS} (kek-format); drop those no secret is stored under any more (telemetry-keys check lists them)`);
  const all: Kek[] = [];
  entries.forEach((entry, i) => {
    const bytes = fromBase64(entry);
    if (bytes === undefined || bytes.length !== 32) {
      throw new KeyringError('kek-format', `${source}: key-encryption key ${i + 1} is not standard base64 of 32 bytes (kek-format); make one with \`openssl rand -base64 32\``);
    }
    const id = kekId(bytes);
    if (all.some((k) => k.id === id)) throw new KeyringError('kek-format', `${source}: key-encryption key ${i + 1} repeats an earlier one (kek-format)`);
    all.push({ id, bytes });
  });
  return { current: all[0]!, all };
}

const AAD_LABEL = 'telemetry-contract license secret v1\0';

/** What a sealed secret is bound to: its license and key id, so a ciphertext cannot move to another license or key. */
function associatedData(licenseId: string, keyId: string): Uint8Array<ArrayBuffer> {
  return bufferSource(utf8(`${AAD_LABEL}${licenseId}\0${keyId}`));
}

type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const imported = new WeakMap<Kek, Promise<AesKey>>();

function aesKey(kek: Kek): Promise<AesKey> {
  let key = imported.get(kek);
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', bufferSource(kek.bytes), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    imported.set(kek, key);
  }
  return key;
}

/** A secret sealed under a KEK: a fresh 96-bit nonce, and the ciphertext with its 128-bit tag. */
export interface Sealed {
  readonly kekId: string;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}

/** Encrypts a license secret's bytes under the keyring's current KEK, bound to its license and key id. */
export async function seal(keyring: Keyring, licenseId: string, keyId: string, secret: Uint8Array): Promise<Sealed> {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const out = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData(licenseId, keyId), tagLength: 128 }, await aesKey(keyring.current), bufferSource(secret));
  return { kekId: keyring.current.id, nonce, sealed: new Uint8Array(out) };
}

/**
 * The secret's bytes, or undefined when the tag does not verify: another KEK
 * of the same id (never in practice), a changed byte, or a ciphertext moved
 * to another license or key id. Throws nothing about the contents.
 */
export async function unseal(kek: Kek, licenseId: string, keyId: string, sealed: Pick<Sealed, 'nonce' | 'sealed'>): Promise<Uint8Array | undefined> {
  try {
    const out = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bufferSource(sealed.nonce), additionalData: associatedData(licenseId, keyId), tagLength: 128 },
      await aesKey(kek),
      bufferSource(sealed.sealed),
    );
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}
