/**
 * Who sends a window, and how each of its requests is signed: the options that
 * name the sender (license, customer, secrets, masking, encryption, clock), the
 * secrets checked, the customer header worked out once, and the headers of
 * every attempt signed afresh. A report (./request.ts) and a connection test
 * (./probe-request.ts) go out from the same sender.
 */
import { type LicenseRecord, validateLicenseRecord } from '../contract/license.js';
import { CONTRACT_HEADERS, runtimeHeaders, validateContractHeaders } from '../wire/contract-headers.js';
import { deriveEncryptionKey, encryptionKeyId } from '../wire/jwe.js';
import { MASK_ENV_VARIABLE, deriveMaskKey, encodeCustomer, maskCustomer, maskRequested } from '../wire/mask.js';
import { parseSecret, signMessage } from '../wire/signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

/** Who sends, as every report and connection test of an installation names it, and how its bodies travel. */
export interface SenderOptions {
  /**
   * The license record as the vendor ships it with the license (see `LicenseRecord`): the license id,
   * the legal entity the customer header names, and the features a report may name; a report naming
   * another feature is refused (`feature-not-licensed`) before it is built. Give it, or, as before it
   * existed, `licenseId` and `customer`, with which nothing checks the features on this side.
   */
  readonly license?: LicenseRecord;
  /** The license id; taken from `license` when that is given. */
  readonly licenseId?: string;
  /** The legal entity name; sent percent-encoded, or masked. Taken from `license` when that is given. */
  readonly customer?: string;
  /** `whsec_` secret(s) from the vendor; several during a rotation, each adds a signature. */
  readonly signingSecrets: string | readonly string[];
  /** Send `anon-<hex>-<len>` instead of the name. Default: the variable `maskEnvVariable` in `env`. */
  readonly maskCustomer?: boolean;
  /**
   * The environment variable that asks for masking when `maskCustomer` is not given; default
   * `TELEMETRY_MASK_CUSTOMER`. A product names its own, e.g. `ASTER_TELEMETRY_MASK_CUSTOMER`.
   */
  readonly maskEnvVariable?: string;
  /** The `whsec_` key of the mask; default derived from the first signing secret ({@link deriveMaskKey}). */
  readonly maskKey?: string;
  /** Environment read for `maskEnvVariable`; default `process.env` where it exists. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Clock in milliseconds for the first signature; default `Date.now`. */
  readonly now?: () => number;
  /**
   * Send the body encrypted: a JWE (`dir`, `A256GCM`), `content-type: application/jose`, signed as sent.
   * Worth it where TLS ends before the ingest service (a proxy, a CDN, a load balancer that logs bodies).
   * Default false.
   */
  readonly encrypt?: boolean;
  /** The 32-byte `whsec_` key to encrypt with; default derived from the first signing secret ({@link deriveEncryptionKey}). */
  readonly encryptionKey?: string;
  /** Where the encryption's IV comes from; default `crypto.getRandomValues`. Only test vectors pass a fixed one. */
  readonly randomBytes?: (length: number) => Uint8Array;
}

/** The one variable `name` of `process.env` where there is one; a runtime that forbids reading it (Deno without --allow-env) counts as asking for the mask. */
function processEnv(name: string): Readonly<Record<string, string | undefined>> | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return env === undefined ? undefined : { [name]: env[name] };
  } catch {
    return { [name]: '1' };
  }
}

/** Who sends, as the options name it: the license id, the legal entity, and the record when there is one. */
export type SenderIdentity =
  | { readonly ok: true; readonly licenseId: string; readonly customer: string; readonly license?: LicenseRecord }
  | { readonly ok: false; readonly error: WireError };

/**
 * The license id and legal entity of the options: the license record's when it is given (checked
 * against the contract's schema, and refused when `licenseId` or `customer` say otherwise), else
 * the two options themselves, checked later as before.
 */
export function senderIdentity(options: Pick<SenderOptions, 'license' | 'licenseId' | 'customer'>): SenderIdentity {
  const { license } = options;
  if (license === undefined) return { ok: true, licenseId: options.licenseId!, customer: options.customer! };
  const checked = validateLicenseRecord(license);
  if (!checked.ok) {
    const n = checked.errors.length;
    return { ok: false, error: wireError('license', `is not a license record, ${n} problem${n === 1 ? '' : 's'}: ${checked.errors.map((e) => e.message).join('; ')}`, 'invalid-license', { errors: checked.errors }) };
  }
  for (const [option, value, field] of [['licenseId', options.licenseId, license.licenseId], ['customer', options.customer, license.legalEntity]] as const) {
    if (value !== undefined && value !== field) {
      return { ok: false, error: wireError(option, `differs from the license record's ${option === 'customer' ? 'legalEntity' : option}; give the license record alone`, 'license-conflict') };
    }
  }
  return { ok: true, licenseId: license.licenseId, customer: license.legalEntity, license };
}

/** The secrets checked: 1 to 8 `whsec_` secrets, as a list, or the error that says what is wrong. */
export function checkedSecrets(signingSecrets: string | readonly string[] | undefined, maskKey?: string, encryptionKey?: string): { readonly ok: true; readonly secrets: string[] } | { readonly ok: false; readonly error: WireError } {
  const secrets = typeof signingSecrets === 'string' ? [signingSecrets] : [...(signingSecrets ?? [])];
  if (secrets.length === 0 || secrets.length > 8) return { ok: false, error: wireError('signingSecrets', `must hold 1 to 8 secrets, got ${secrets.length}`, 'secret-count') };
  try {
    for (const secret of secrets) parseSecret(secret);
    if (maskKey !== undefined) parseSecret(maskKey);
    if (encryptionKey !== undefined) encryptionKeyId(encryptionKey);
  } catch (error) {
    return { ok: false, error: { rule: 'secret-format', message: (error as Error).message } };
  }
  return { ok: true, secrets };
}

/**
 * Who sends a window, fixed for every version and attempt of it: the license
 * id, the customer header as sent (name or mask), and the key the body is
 * encrypted with when it travels encrypted.
 */
export interface Sender {
  readonly licenseId: string;
  readonly customerHeader: string;
  readonly now: () => number;
  readonly encryption?: { readonly key: string; readonly randomBytes?: ((length: number) => Uint8Array) | undefined };
}

/** The encryption of a sender's bodies, from the options: undefined unless `encrypt` is set. */
export async function encryptionOf(options: Pick<SenderOptions, 'encrypt' | 'encryptionKey' | 'randomBytes'>, secrets: readonly string[]): Promise<Sender['encryption']> {
  if (options.encrypt !== true) return undefined;
  return { key: options.encryptionKey ?? (await deriveEncryptionKey(secrets[0]!)), randomBytes: options.randomBytes };
}

/** The `x-telemetry-customer` value the options ask for: the mask when masking is on, else the percent-encoded name. */
export async function customerHeaderOf(
  options: Pick<SenderOptions, 'maskCustomer' | 'maskEnvVariable' | 'maskKey' | 'env'> & { readonly customer: string },
  secrets: readonly string[],
): Promise<string> {
  const maskEnvVariable = options.maskEnvVariable ?? MASK_ENV_VARIABLE;
  const mask = options.maskCustomer ?? maskRequested(options.env ?? processEnv(maskEnvVariable), maskEnvVariable);
  return mask ? maskCustomer(options.customer, options.maskKey ?? (await deriveMaskKey(secrets[0]!))) : encodeCustomer(options.customer);
}

/**
 * The headers of a request as sent at `sender.now()`, and the function that
 * signs them afresh for each attempt: the content type, the contract headers
 * (checked against the version's patterns), the Standard Webhooks signature
 * over `id`, the timestamp and `body`, and the transport headers the contract
 * fixes (`user-agent` and the others the runtime's fetch would add).
 */
export async function signingHeaders(input: {
  readonly contentType: string;
  readonly sender: Pick<Sender, 'licenseId' | 'customerHeader'> & { readonly now: () => number };
  readonly version: number;
  readonly id: string;
  readonly body: Uint8Array;
  readonly secrets: readonly string[];
}): Promise<{ readonly ok: true; readonly headers: Record<string, string>; readonly sign: (timestamp: number) => Promise<Record<string, string>> } | { readonly ok: false; readonly error: WireError }> {
  const { id, body, secrets } = input;
  const fixed = {
    ...runtimeHeaders(input.version),
    'content-type': input.contentType,
    [CONTRACT_HEADERS.customer]: input.sender.customerHeader,
    [CONTRACT_HEADERS.licenseId]: input.sender.licenseId,
    [CONTRACT_HEADERS.schemaVersion]: String(input.version),
  };
  const sign = async (timestamp: number): Promise<Record<string, string>> => ({ ...fixed, ...(await signMessage({ id, timestamp, body, secrets })) });
  const headers = await sign(Math.floor(input.sender.now() / 1000));
  const headerErrors = validateContractHeaders(headers, input.version);
  if (headerErrors.length > 0) return { ok: false, error: wireError('headers', headerErrors.map((e) => e.message).join('; '), 'invalid-header', { errors: headerErrors }) };
  return { ok: true, headers, sign };
}
