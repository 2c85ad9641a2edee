/**
 * Building a signed telemetry request on the uploader: the payload completed
 * and checked, the customer masked when asked, the body serialized once (the
 * bytes every retry replays) and signed.
 */
import { currentVersion, type Telemetry, type TelemetryV1, versions } from '../generated/index.js';
import { utf8 } from './bytes.js';
import { CONTRACT_HEADERS, validateContractHeaders } from './contract-headers.js';
import { dedupeKey as dedupeKeyOf, messageId as messageIdOf } from './dedupe.js';
import { TELEMETRY_PATH } from './paths.js';
import { MASK_ENV_VARIABLE, checkCustomerName, checkMaskEnvVariable, deriveMaskKey, encodeCustomer, maskCustomer, maskRequested } from './mask.js';
import { checkVersionAccepted } from './negotiation.js';
import { compareCodePoints } from './rules.js';
import { parseSecret, signMessage } from './signature.js';
import { validateTelemetry } from './validate.js';
import { type WireError, wireError } from './wire-errors.js';

/** What the uploader measured: a payload without `schemaVersion`, features in any order, repeats allowed. */
export type TelemetryCounts = Omit<TelemetryV1, 'schemaVersion' | 'featuresUsed'> & { readonly featuresUsed: readonly string[] };

export interface CreateRequestOptions {
  /** The license id, from the license. */
  readonly licenseId: string;
  /** The legal entity name from the license; sent percent-encoded, or masked. */
  readonly customer: string;
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
  /** The versions the server accepts (from configuration or `discoverAcceptedVersions`); a version outside it is refused. */
  readonly acceptedVersions?: readonly number[];
  /** Clock in milliseconds for the first signature; default `Date.now`. */
  readonly now?: () => number;
}

/** A signed request, ready for `sendTelemetry` or any HTTP client. */
export interface TelemetryRequest {
  readonly method: 'POST';
  /** {@link TELEMETRY_PATH}; the caller supplies the origin. */
  readonly path: string;
  /** Every header, signed at creation time. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body bytes; every retry sends these bytes again. */
  readonly body: Uint8Array;
  readonly payload: Telemetry;
  readonly schemaVersion: number;
  readonly dedupeKey: string;
  /** The `webhook-id`, the same for every retry. */
  readonly messageId: string;
  /** The headers for a new attempt: same id and body, a new timestamp and signature. Keeps the secrets out of the object. */
  sign(timestampSeconds: number): Promise<Record<string, string>>;
}

export type CreateRequestResult = { readonly ok: true; readonly request: TelemetryRequest } | { readonly ok: false; readonly error: WireError };

/** The one variable `name` of `process.env` where there is one; a runtime that forbids reading it (Deno without --allow-env) counts as asking for the mask. */
function processEnv(name: string): Readonly<Record<string, string | undefined>> | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return env === undefined ? undefined : { [name]: env[name] };
  } catch {
    return { [name]: '1' };
  }
}

/** The payload with keys in schema order, so the same counts always give the same body bytes. */
function orderedPayload(counts: Record<string, unknown>, version: number): Record<string, unknown> {
  const order = Object.keys(versions[version as keyof typeof versions].schema.properties);
  const out: Record<string, unknown> = { schemaVersion: version };
  for (const key of order) if (key !== 'schemaVersion' && Object.hasOwn(counts, key) && counts[key] !== undefined) out[key] = counts[key];
  // Unknown keys stay, so validation refuses them instead of them vanishing silently.
  for (const key of Object.keys(counts)) if (!Object.hasOwn(out, key) && counts[key] !== undefined) out[key] = counts[key];
  const features = out['featuresUsed'];
  if (Array.isArray(features) && features.every((f) => typeof f === 'string')) {
    out['featuresUsed'] = [...new Set(features as string[])].sort(compareCodePoints);
  }
  return out;
}

/**
 * Builds and signs a telemetry request: fills `schemaVersion`, sorts and
 * dedupes `featuresUsed`, validates (an invalid payload is refused, nothing is
 * built), masks the customer when asked, and signs the body. Returns a typed
 * error instead of throwing for bad counts or options.
 *
 * @example
 * const built = await createTelemetryRequest(counts, { licenseId, customer, signingSecrets: [secret] });
 * if (!built.ok) throw new Error(built.error.message);
 * const sent = await sendTelemetry(built.request, { baseUrl: 'https://telemetry.example.com' });
 */
export async function createTelemetryRequest(counts: TelemetryCounts, options: CreateRequestOptions): Promise<CreateRequestResult> {
  const version = currentVersion;
  if (options.acceptedVersions !== undefined) {
    const refused = checkVersionAccepted(version, options.acceptedVersions);
    if (refused !== undefined) return { ok: false, error: refused };
  }
  const secrets = typeof options.signingSecrets === 'string' ? [options.signingSecrets] : [...(options.signingSecrets ?? [])];
  if (secrets.length === 0 || secrets.length > 8) return { ok: false, error: wireError('signingSecrets', `must hold 1 to 8 secrets, got ${secrets.length}`, 'secret-count') };
  try {
    for (const secret of secrets) parseSecret(secret);
    if (options.maskKey !== undefined) parseSecret(options.maskKey);
  } catch (error) {
    return { ok: false, error: { rule: 'secret-format', message: (error as Error).message } };
  }
  const customerProblem = checkCustomerName(options.customer);
  if (customerProblem !== undefined) return { ok: false, error: customerProblem };
  const maskEnvVariable = options.maskEnvVariable ?? MASK_ENV_VARIABLE;
  const envProblem = checkMaskEnvVariable(maskEnvVariable);
  if (envProblem !== undefined) return { ok: false, error: envProblem };

  const payload = orderedPayload((counts ?? {}) as Record<string, unknown>, version);
  const validated = validateTelemetry(payload);
  if (!validated.ok) {
    const n = validated.errors.length;
    return {
      ok: false,
      error: wireError('counts', `${n} problem${n === 1 ? '' : 's'}, nothing was built: ${validated.errors.map((e) => e.message).join('; ')}`, 'invalid-payload', {
        errors: validated.errors,
      }),
    };
  }

  let key: string;
  try {
    key = dedupeKeyOf(options.licenseId, validated.value.periodStart, validated.value.periodEnd);
  } catch (error) {
    return { ok: false, error: { rule: 'invalid-header', message: `${CONTRACT_HEADERS.licenseId}: ${(error as Error).message.replace(/^dedupeKey: licenseId /, '')}` } };
  }
  const id = await messageIdOf(key);
  const mask = options.maskCustomer ?? maskRequested(options.env ?? processEnv(maskEnvVariable), maskEnvVariable);
  const customerHeader = mask ? await maskCustomer(options.customer, options.maskKey ?? (await deriveMaskKey(secrets[0]!))) : encodeCustomer(options.customer);
  const body = utf8(JSON.stringify(validated.value));
  const fixed = {
    'content-type': 'application/json',
    [CONTRACT_HEADERS.customer]: customerHeader,
    [CONTRACT_HEADERS.licenseId]: options.licenseId,
    [CONTRACT_HEADERS.schemaVersion]: String(version),
  };
  const signHeaders = async (timestamp: number): Promise<Record<string, string>> => ({
    ...fixed,
    ...(await signMessage({ id, timestamp, body, secrets })),
  });
  const headers = await signHeaders(Math.floor((options.now ?? Date.now)() / 1000));
  const headerErrors = validateContractHeaders(headers, version);
  if (headerErrors.length > 0) {
    return { ok: false, error: wireError('headers', headerErrors.map((e) => e.message).join('; '), 'invalid-header', { errors: headerErrors }) };
  }
  return {
    ok: true,
    request: {
      method: 'POST',
      path: TELEMETRY_PATH,
      headers,
      body,
      payload: validated.value,
      schemaVersion: version,
      dedupeKey: key,
      messageId: id,
      sign: signHeaders,
    },
  };
}
