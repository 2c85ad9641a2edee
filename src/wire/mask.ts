/**
 * The customer header: the legal entity name from the license, percent-encoded,
 * or its mask `anon-<hex>-<len>` when masking is on.
 *
 *   <hex> = first 16 bytes, lowercase hex, of HMAC-SHA-256(mask key, UTF-8 bytes of the name)
 *   <len> = the name's length in Unicode code points
 *
 * The hash is keyed, so nobody without the key can test a list of company names
 * against a mask; the same name and key always give the same mask. The mask key
 * is a `whsec_` secret: by default derived from the uploader's first signing
 * secret (see {@link deriveMaskKey}), which the vendor also holds, so the vendor
 * can recompute a customer's mask and nobody else can.
 */
import { hkdfSha256, hmacSha256, toBase64, toHex, utf8 } from './bytes.js';
import { parseSecret } from './signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** Longest accepted customer name, in code points. */
export const MAX_CUSTOMER_LENGTH = 256;
/** The environment variable that turns masking on for the uploader, unless it is given another (`maskEnvVariable`). */
export const MASK_ENV_VARIABLE = 'TELEMETRY_MASK_CUSTOMER';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Checks the name of a masking environment variable; undefined when it is usable. */
export function checkMaskEnvVariable(name: unknown): WireError | undefined {
  return typeof name === 'string' && ENV_NAME.test(name)
    ? undefined
    : wireError('maskEnvVariable', 'must be an environment variable name: 1 to 128 letters, digits and underscores, not starting with a digit', 'mask-env-variable');
}

const MASK = /^anon-[0-9a-f]{32}-[1-9][0-9]{0,2}$/;
const MASK_KEY_INFO = 'telemetry-contract customer mask v1';

function codePointLength(name: string): number {
  let length = 0;
  for (const _ of name) length++;
  return length;
}

/** Checks a customer name; undefined when it is usable. */
export function checkCustomerName(name: unknown): WireError | undefined {
  if (typeof name !== 'string' || name.length === 0) return wireError('customer', 'must be a non-empty string: the legal entity name from the license', 'customer-name');
  // In a u-mode regex a lone surrogate is its own code point of category Cs; a pair is not.
  if (/\p{Cs}/u.test(name)) {
    return wireError('customer', 'must be well-formed Unicode (no lone surrogates)', 'customer-name');
  }
  const length = codePointLength(name);
  if (length > MAX_CUSTOMER_LENGTH) return wireError('customer', `must have at most ${MAX_CUSTOMER_LENGTH} characters, got ${length}`, 'customer-name');
  return undefined;
}

/**
 * The mask key derived from a signing secret: HKDF-SHA-256 with the secret's
 * bytes as input key material, an empty salt, info
 * `"telemetry-contract customer mask v1"`, 32 bytes, as a `whsec_` secret.
 * It changes when that signing secret is rotated; pass an explicit mask key
 * to keep masks stable across rotations.
 *
 * @example
 * const maskKey = await deriveMaskKey(signingSecret);
 */
export async function deriveMaskKey(signingSecret: string): Promise<string> {
  return `whsec_${toBase64(await hkdfSha256(parseSecret(signingSecret), MASK_KEY_INFO, 32))}`;
}

/**
 * The mask of a customer name: `anon-<32 hex digits>-<length in code points>`.
 * Throws a TypeError for an invalid name or key.
 *
 * @example
 * await maskCustomer('Example Holdings GmbH', maskKey); // "anon-…-20"
 */
export async function maskCustomer(name: string, maskKey: string): Promise<string> {
  const problem = checkCustomerName(name);
  if (problem !== undefined) throw new TypeError(problem.message);
  const mac = await hmacSha256(parseSecret(maskKey), utf8(name));
  return `anon-${toHex(mac.subarray(0, 16))}-${codePointLength(name)}`;
}

/**
 * True when a customer header value is a mask rather than a name.
 *
 * @example
 * isMaskedCustomer('anon-0123456789abcdef0123456789abcdef-20'); // true
 */
export function isMaskedCustomer(value: string): boolean {
  return MASK.test(value);
}

/**
 * The header value of a customer name: UTF-8 percent-encoded as
 * encodeURIComponent writes it, since header values must be ASCII.
 *
 * @example
 * encodeCustomer('Müller & Söhne KG'); // "M%C3%BCller%20%26%20S%C3%B6hne%20KG"
 */
export function encodeCustomer(name: string): string {
  const problem = checkCustomerName(name);
  if (problem !== undefined) throw new TypeError(problem.message);
  return encodeURIComponent(name);
}

/** What a customer header says: a masked customer, or the decoded name. */
export type Customer = { readonly masked: true; readonly value: string } | { readonly masked: false; readonly value: string };

/**
 * Reads a customer header value: a mask as it is, otherwise the percent-decoded name.
 *
 * @example
 * decodeCustomer('M%C3%BCller%20KG'); // { ok: true, customer: { masked: false, value: 'Müller KG' } }
 */
export function decodeCustomer(header: string): { readonly ok: true; readonly customer: Customer } | { readonly ok: false; readonly error: WireError } {
  if (isMaskedCustomer(header)) return { ok: true, customer: { masked: true, value: header } };
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    return { ok: false, error: wireError('x-telemetry-customer', 'is not valid percent-encoded UTF-8', 'customer-encoding') };
  }
  const problem = checkCustomerName(name);
  if (problem !== undefined) return { ok: false, error: wireError('x-telemetry-customer', problem.message.replace(/^customer: /, '').replace(/ \(customer-name\)$/, ''), 'customer-name') };
  return { ok: true, customer: { masked: false, value: name } };
}

/**
 * Whether the environment asks for masking, by the variable `name` (default
 * {@link MASK_ENV_VARIABLE}). Fails safe: any value other than unset, empty,
 * `0` or `false` turns masking on, so a typo never sends the name.
 *
 * @example
 * maskRequested(process.env); // true for TELEMETRY_MASK_CUSTOMER=1
 * maskRequested(process.env, 'ASTER_TELEMETRY_MASK_CUSTOMER'); // true for ASTER_TELEMETRY_MASK_CUSTOMER=1
 */
export function maskRequested(env: Readonly<Record<string, string | undefined>> | undefined, name: string = MASK_ENV_VARIABLE): boolean {
  const value = env?.[name]?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}
