/**
 * Key-encryption keys (KEKs): the keys the license key store encrypts every
 * license secret under (AES-256-GCM). A keyring lists them, the current one
 * first; older ones stay readable during a KEK rotation until every secret is
 * re-encrypted (`rewrap`). Parsed from text (an environment variable or a
 * file), never logged: a KEK is named by its id, a hash that reveals nothing.
 */
import { fromBase64, sha256, toHex, utf8 } from '../wire/bytes.js';
import { type AeadKey, aeadKey, NONCE_BYTES, openValue, sealValue } from './aead.js';

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
function associatedData(licenseId: string, keyId: string): string {
  return `${AAD_LABEL}${licenseId}\0${keyId}`;
}

const prepared = new WeakMap<Kek, AeadKey>();
/** A KEK made ready for AES-256-GCM, once per KEK object. */
export function kekKey(kek: Kek): AeadKey {
  let key = prepared.get(kek);
  if (key === undefined) {
    key = aeadKey(kek.bytes);
    prepared.set(kek, key);
  }
  return key;
}

/** Bytes sealed under a KEK: a fresh 96-bit nonce, and the ciphertext with its 128-bit tag. */
export interface Sealed {
  readonly kekId: string;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}

/**
 * Encrypts bytes under `kek` (AES-256-GCM; default the keyring's current KEK), bound to `context` as
 * associated data: what the bytes are and whose (a label, the license id…), so a ciphertext moved
 * elsewhere does not open.
 */
export async function sealBytes(keyring: Keyring, context: string, bytes: Uint8Array, kek: Kek = keyring.current): Promise<Sealed> {
  const out = await sealValue(kekKey(kek), context, bytes);
  return { kekId: kek.id, nonce: out.subarray(0, NONCE_BYTES), sealed: out.subarray(NONCE_BYTES) };
}

/** The bytes sealed with `context`, or undefined when the tag does not verify (another KEK, a changed byte, another context). */
export function unsealBytes(kek: Kek, context: string, sealed: Pick<Sealed, 'nonce' | 'sealed'>): Promise<Uint8Array | undefined> {
  const whole = new Uint8Array(sealed.nonce.length + sealed.sealed.length);
  whole.set(sealed.nonce);
  whole.set(sealed.sealed, sealed.nonce.length);
  return sealed.nonce.length === NONCE_BYTES ? openValue(kekKey(kek), context, whole) : Promise.resolve(undefined);
}

/** Encrypts a license secret's bytes under `kek` (default the keyring's current KEK), bound to its license and key id. */
export function seal(keyring: Keyring, licenseId: string, keyId: string, secret: Uint8Array, kek: Kek = keyring.current): Promise<Sealed> {
  return sealBytes(keyring, associatedData(licenseId, keyId), secret, kek);
}

/**
 * The secret's bytes, or undefined when the tag does not verify: another KEK
 * of the same id (never in practice), a changed byte, or a ciphertext moved
 * to another license or key id. Throws nothing about the contents.
 */
export function unseal(kek: Kek, licenseId: string, keyId: string, sealed: Pick<Sealed, 'nonce' | 'sealed'>): Promise<Uint8Array | undefined> {
  return unsealBytes(kek, associatedData(licenseId, keyId), sealed);
}

/** Where a store reads its keyring: a keyring, or a function that reads it (again) from where the server keeps it. */
export type KeyringSource = Keyring | (() => Keyring | Promise<Keyring>);

/** A store's view of its keyring: read once, and read again when a sealed value names a KEK it lacks. */
export interface KeyringReader {
  /** The keyring as last read (read now if never). */
  ring(): Promise<Keyring>;
  /** The keyring read afresh from a function source (the given one otherwise). */
  reload(): Promise<Keyring>;
  /** The KEK of an id; reads the keyring again when it lacks it (after a miss, not again within a second). */
  kekOf(id: string): Promise<Kek | undefined>;
}

const RELOAD_INTERVAL_MS = 1000;

/** A reader of `source`; a source that throws becomes `fail(rule, message)`. */
export function keyringReader(source: KeyringSource, fail: (rule: string, message: string) => Error): KeyringReader {
  let keyring: Keyring | undefined = typeof source === 'function' ? undefined : source;
  /** When a reload last failed to find a KEK: a missing KEK rereads the keyring at most once a second. */
  let missedAt = -Infinity;
  const reload = async (): Promise<Keyring> => {
    if (typeof source !== 'function') return source;
    try {
      keyring = await source();
    } catch (error) {
      throw fail(error instanceof KeyringError ? error.rule : 'kek-missing', `key store: cannot read the key-encryption keys: ${(error as Error).message}`);
    }
    return keyring;
  };
  const ring = async (): Promise<Keyring> => keyring ?? reload();
  return {
    ring,
    reload,
    async kekOf(id) {
      let found = (await ring()).all.find((k) => k.id === id);
      if (found === undefined && typeof source === 'function' && Date.now() - missedAt >= RELOAD_INTERVAL_MS) {
        found = (await reload()).all.find((k) => k.id === id);
        if (found === undefined) missedAt = Date.now();
      }
      return found;
    },
  };
}
