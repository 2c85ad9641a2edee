/**
 * The personal part of a license record, sealed: the one place that encrypts
 * and decrypts it. A sole trader's legal entity is a person's name, so the
 * license store never holds it in clear: AES-256-GCM under the key-encryption
 * key, bound to the license id and to what the value is, so a ciphertext moved
 * to another license's row, or into a secret's place, does not open. Whatever
 * replaces the key it is sealed under (a per-license data key that erasure
 * destroys) changes this module alone.
 */
import { type Kek, type Keyring, type Sealed, sealBytes, unsealBytes } from './keyring.js';

const LABEL = 'telemetry-contract license record v1\0';

/** The personal fields of a license record: what this module seals. */
export type PersonalField = 'legalEntity';

const context = (licenseId: string, field: PersonalField) => `${LABEL}${licenseId}\0${field}`;

/** Seals a personal field of the record of `licenseId` under the keyring's current KEK. */
export function sealPersonal(keyring: Keyring, licenseId: string, field: PersonalField, value: string): Promise<Sealed> {
  return sealBytes(keyring, context(licenseId, field), new TextEncoder().encode(value));
}

/** The value sealed by {@link sealPersonal}, or undefined when it does not open (another KEK, a changed byte, another license or field). */
export async function openPersonal(kek: Kek, licenseId: string, field: PersonalField, sealed: Pick<Sealed, 'nonce' | 'sealed'>): Promise<string | undefined> {
  const bytes = await unsealBytes(kek, context(licenseId, field), sealed);
  return bytes === undefined ? undefined : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
