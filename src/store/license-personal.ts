/**
 * The personal part of a license record, sealed: the one place that encrypts
 * and decrypts it. A sole trader's legal entity is a person's name, so the
 * license store never holds it in clear: AES-256-GCM under the key-encryption
 * key, bound (as associated data) to the license id, to what the value is and
 * to the record's other fields, so a ciphertext moved to another license's row
 * or into a secret's place does not open, and neither does a record whose
 * features, contract end or data region were changed in the database: the
 * sealed name authenticates the whole record. Whatever replaces the key it is
 * sealed under (a per-license data key that erasure destroys) changes this
 * module alone.
 */
import { type Kek, type Keyring, type Sealed, sealBytes, unsealBytes } from './keyring.js';

const LABEL = 'telemetry-contract license record v1\0';

/** The personal fields of a license record: what this module seals. */
export type PersonalField = 'legalEntity';

/** The record's fields that are kept in clear, and to which its personal parts are bound. */
export interface ClearFields {
  readonly features: readonly string[];
  readonly contractEnd?: string | undefined;
  readonly dataRegion: string;
}

const context = (licenseId: string, field: PersonalField, clear: ClearFields) =>
  `${LABEL}${licenseId}\0${field}\0${JSON.stringify([clear.features, clear.contractEnd ?? null, clear.dataRegion])}`;

/** Seals a personal field of the record of `licenseId` under the keyring's current KEK, bound to the record's clear fields. */
export function sealPersonal(keyring: Keyring, licenseId: string, field: PersonalField, value: string, clear: ClearFields): Promise<Sealed> {
  return sealBytes(keyring, context(licenseId, field, clear), new TextEncoder().encode(value));
}

/**
 * The value sealed by {@link sealPersonal}, or undefined when it does not open (another KEK, a changed
 * byte, another license or field, or clear fields other than those it was sealed with).
 */
export async function openPersonal(kek: Kek, licenseId: string, field: PersonalField, sealed: Pick<Sealed, 'nonce' | 'sealed'>, clear: ClearFields): Promise<string | undefined> {
  const bytes = await unsealBytes(kek, context(licenseId, field, clear), sealed);
  return bytes === undefined ? undefined : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
