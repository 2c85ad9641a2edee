/**
 * What a license allows, checked on arrival, once the request is known to
 * come from a holder of the license's key: a report names only the features
 * its license record declares, and its customer header is the record's legal
 * entity, percent-encoded exactly as encodeURIComponent writes it, or that
 * name's mask under one of the license's mask keys. The message id proves who
 * chose a value; this proves the value is one the license allows. Refusals
 * name paths and rules, never a value.
 */
import { featuresRefused, type LicenseRecord, unlicensedFeatures } from '../contract/license.js';
import { type WireError, wireError } from '../contract/wire-errors.js';
import { timingSafeEqual, utf8 } from '../wire/bytes.js';
import { CONTRACT_HEADERS } from '../wire/contract-headers.js';
import { deriveMaskKey, encodeCustomer, isMaskedCustomer, maskCustomer } from '../wire/mask.js';
import type { VerificationKey } from '../wire/verify-signature.js';

/** What the lookup found of the license that signed the request. */
export interface LicensedSender {
  readonly keys: readonly VerificationKey[];
  readonly license?: LicenseRecord;
  readonly maskKeys?: readonly string[];
}

/** A refusal to answer: the status, the error, and headers to add. */
export interface LicenseRefusal {
  readonly status: 422 | 503;
  readonly error: WireError;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Seconds an uploader waits before sending a window again whose license has no record yet. */
const RECORD_MISSING_RETRY_SECONDS = 60;

/** Mask keys derived per signing secret: one HKDF per key, not per request; bounded, so many licenses only cost recomputation. */
const derivedMaskKeys = new Map<string, Promise<string>>();

function derivedMaskKey(secret: string): Promise<string> {
  let key = derivedMaskKeys.get(secret);
  if (key === undefined) {
    if (derivedMaskKeys.size >= 1024) derivedMaskKeys.clear();
    key = deriveMaskKey(secret);
    derivedMaskKeys.set(secret, key);
  }
  return key;
}

const same = (a: string, b: string) => timingSafeEqual(utf8(a), utf8(b));

/**
 * Whether the customer header as sent is one the license allows: its legal entity in the canonical
 * encoding, or its mask under the explicit mask keys or the key derived from any of the license's
 * signing keys (revoked ones too: a window queued before a rotation keeps the mask it was built with).
 */
export async function checkCustomerHeader(header: string, sender: LicensedSender & { readonly license: LicenseRecord }): Promise<WireError | undefined> {
  const name = sender.license.legalEntity;
  if (!isMaskedCustomer(header)) {
    if (same(header, encodeCustomer(name))) return undefined;
    return wireError(
      CONTRACT_HEADERS.customer,
      'is not the legal entity of this license; it must be the license record\'s legalEntity, percent-encoded as encodeURIComponent writes it, or its mask',
      'customer-not-licensed',
    );
  }
  const maskKeys = [...(sender.maskKeys ?? []), ...(await Promise.all(sender.keys.map((key) => derivedMaskKey(key.secret))))];
  let matched = false;
  // Every key is tried, matched or not, so the time taken does not tell which key made the mask.
  for (const maskKey of maskKeys) if (same(header, await maskCustomer(name, maskKey))) matched = true;
  if (matched) return undefined;
  return wireError(
    CONTRACT_HEADERS.customer,
    'is a mask, but not the mask of this license\'s legal entity under any mask key of the license (the key derived from one of its signing secrets, or one the vendor gave); a mask carries nothing but the name it hides',
    'mask-not-licensed',
  );
}

/**
 * The refusal of a request (a report, or a probe without `payload`) that its license does not allow,
 * or undefined. Without a record: undefined, unless `requireRecord` asks for `503 license-record-missing`
 * (the vendor has not set the record yet; the uploader keeps the window and sends it again later).
 */
export async function refusedByLicense(input: {
  readonly sender: LicensedSender;
  readonly customerHeader: string;
  readonly payload?: unknown;
  readonly requireRecord: boolean;
}): Promise<LicenseRefusal | undefined> {
  const { sender } = input;
  const license = sender.license;
  if (license === undefined) {
    if (!input.requireRecord) return undefined;
    return {
      status: 503,
      error: wireError('server', 'holds no license record for this license yet, so it cannot tell what its reports may say; the vendor sets it (telemetry-keys set-license), then the window is accepted: send it again later', 'license-record-missing'),
      headers: { 'retry-after': String(RECORD_MISSING_RETRY_SECONDS) },
    };
  }
  if (input.payload !== undefined) {
    const outside = unlicensedFeatures(input.payload, license);
    if (outside.length > 0) return { status: 422, error: featuresRefused(outside, { where: 'body', echo: false }) };
  }
  const customer = await checkCustomerHeader(input.customerHeader, { ...sender, license });
  return customer === undefined ? undefined : { status: 422, error: customer };
}
