/**
 * Where a server or the operator command reads its key-encryption keys:
 * `TELEMETRY_KEK` (the keys themselves, comma-separated, current first) or
 * `TELEMETRY_KEK_FILE` (a file with one per line: a systemd credential, a
 * Kubernetes secret). Read again on every call, so a file that changes is
 * seen without a restart. Node.js only (it reads files).
 */
import { readFile } from 'node:fs/promises';
import { type Keyring, KeyringError, parseKeyring } from './keyring.js';

export const KEK_ENV = 'TELEMETRY_KEK';
export const KEK_FILE_ENV = 'TELEMETRY_KEK_FILE';

/**
 * A function that reads the keyring from the environment's variable or file.
 * Throws (or rejects with) a KeyringError naming the variable or the file,
 * never a key.
 *
 * @example
 * const keyring = keyringFromEnv(process.env); // TELEMETRY_KEK or TELEMETRY_KEK_FILE
 * const keys = createKeyStore(pool, { keyring });
 */
export function keyringFromEnv(env: Readonly<Record<string, string | undefined>>): () => Promise<Keyring> {
  const inline = env[KEK_ENV];
  const file = env[KEK_FILE_ENV];
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new KeyringError('kek-config', `${KEK_ENV}, ${KEK_FILE_ENV}: set one of them, not both (kek-config)`);
  }
  if (file !== undefined && file !== '') {
    return async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new KeyringError('kek-missing', `${KEK_FILE_ENV} (${file}): cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'} (kek-missing)`);
      }
      return parseKeyring(text, `${KEK_FILE_ENV} (${file})`);
    };
  }
  if (inline === undefined || inline === '') {
    throw new KeyringError('kek-missing', `${KEK_ENV}: no key-encryption key is set (kek-missing); set ${KEK_ENV} or ${KEK_FILE_ENV} to base64 of 32 random bytes (\`openssl rand -base64 32\`)`);
  }
  const keyring = parseKeyring(inline, KEK_ENV);
  return async () => keyring;
}
