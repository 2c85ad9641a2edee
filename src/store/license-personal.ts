/**
 * The personal part of a license record, sealed: the one place that encrypts
 * and decrypts it. A sole trader's legal entity is a person's name, so the
 * license store never holds it in clear: AES-256-GCM under the license's
 * `record` data key (./data-keys.ts), bound (as associated data) to the
 * license id, to what the value is, to the record's other fields and to the
 * key's id, so a ciphertext moved to another license's row does not open, and
 * neither does a record whose features, contract end or data region were
 * changed in the database: the sealed name authenticates the whole record.
 * Deleting the license destroys the data key, and with it every copy of the
 * name that lies anywhere under it.
 */
import { type DataKey, openUnder, sealUnder } from './data-keys.js';

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

/** Seals a personal field of the record of `licenseId` under its `record` data key, bound to the record's clear fields. */
export function sealPersonal(key: DataKey, licenseId: string, field: PersonalField, value: string, clear: ClearFields): Promise<Uint8Array> {
  return sealUnder(key, context(licenseId, field, clear), value);
}

/**
 * The value sealed by {@link sealPersonal}, or undefined when it does not open (another key, a changed
 * byte, another license or field, or clear fields other than those it was sealed with).
 */
export function openPersonal(key: DataKey, licenseId: string, field: PersonalField, sealed: Uint8Array, clear: ClearFields): Promise<string | undefined> {
  return openUnder(key, context(licenseId, field, clear), sealed);
}
