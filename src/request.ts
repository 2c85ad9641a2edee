/**
 * Building a signed telemetry request on the uploader: the payload completed
 * and checked, the customer masked when asked, the body serialized once (the
 * bytes every retry replays) and signed. Any version the package knows can be
 * built, the one the application names: never a default, which would move
 * under an installation when the package is upgraded. When the server does
 * not accept it, the server's newest version by projection where the
 * contract allows.
 */
import { type TelemetryByVersion, currentVersion, type Telemetry, versions } from '../generated/index.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { utf8 } from './bytes.js';
import { CONTRACT_HEADERS, validateContractHeaders } from './contract-headers.js';
import { JSON_MEDIA_TYPE } from './content-type.js';
import { dedupeKey as dedupeKeyOf, messageId as messageIdOf } from './dedupe.js';
import { pointerTokens } from './errors.js';
import { JOSE_MEDIA_TYPE, deriveEncryptionKey, encryptBody, encryptionKeyId } from './jwe.js';
import { versionLifecycle } from './lifecycle.js';
import { TELEMETRY_PATH } from './paths.js';
import { MASK_ENV_VARIABLE, checkCustomerName, checkMaskEnvVariable, deriveMaskKey, encodeCustomer, maskCustomer, maskRequested } from './mask.js';
import { checkVersionAccepted, formatAcceptedVersions } from './negotiation.js';
import { type ProjectionReport, projectTelemetry } from './projection.js';
import { compareCodePoints } from './rules.js';
import { parseSecret, signMessage } from './signature.js';
import { parseTelemetry } from './parse.js';
import { supportedVersions, validateTelemetry } from './validate.js';
import { type WireError, wireError } from './wire-errors.js';

/** A schema version this package knows. */
export type KnownVersion = keyof TelemetryByVersion;
/** The newest released version: the one a new installation names. Never a default: an installation names its own. */
export type CurrentVersion = typeof currentVersion;

/** Lists relaxed to readonly arrays of their items, at every depth. */
type Relaxed<T> = T extends readonly (infer U)[] ? readonly Relaxed<U>[] : T extends object ? { readonly [K in keyof T]: Relaxed<T[K]> } : T;

/**
 * What the uploader measured for version `V`: its payload without
 * `schemaVersion`, lists in any order, repeats allowed where the contract
 * keeps a list sorted and unique. No version, no counts (`never`).
 */
export type TelemetryCounts<V extends KnownVersion> = [V] extends [never] ? never : Relaxed<Omit<TelemetryByVersion[V], 'schemaVersion'>>;

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
  /**
   * The versions the server accepts (from configuration or `discoverAcceptedVersions`). When the version
   * to build is not among them, the report is projected onto the newest of them, or refused.
   */
  readonly acceptedVersions?: readonly number[];
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
  /** The `webhook-id`, the same for every retry and in every version of the window. */
  readonly messageId: string;
  /** Set when the report was built in another version and projected onto this one. */
  readonly projection?: ProjectionReport;
  /** Whether `body` is the payload encrypted as a JWE (`content-type: application/jose`). */
  readonly encrypted: boolean;
  /** The headers for a new attempt: same id and body, a new timestamp and signature. Keeps the secrets out of the object. */
  sign(timestampSeconds: number): Promise<Record<string, string>>;
  /**
   * The same window as a request of another version, by projection (fields that version lacks are
   * dropped), signed with the same secrets; a `projection-refused` error when the contract does not allow it.
   */
  project(version: number): Promise<CreateRequestResult>;
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

type Schema = { readonly properties?: Readonly<Record<string, Schema>>; readonly items?: Schema; readonly uniqueItems?: boolean };

/** The value with object keys in schema order at every depth, so the same counts always give the same body bytes. */
function ordered(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item, schema?.items));
  if (typeof value !== 'object' || value === null || schema?.properties === undefined) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key such as "__proto__" (JSON.parse makes it an own key) stays a key, and is refused as unknown.
  const set = (key: string, item: unknown) => Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(schema.properties)) if (Object.hasOwn(source, key) && source[key] !== undefined) set(key, ordered(source[key], schema.properties[key]));
  // Unknown keys stay, so validation refuses them instead of them vanishing silently.
  for (const key of Object.keys(source)) if (!Object.hasOwn(out, key) && source[key] !== undefined) set(key, source[key]);
  return out;
}

/** The payload of `version` from counts: the version set, keys in schema order, lists the contract keeps sorted sorted (and deduped where unique). */
function completePayload(counts: Record<string, unknown>, version: KnownVersion): Record<string, unknown> {
  const schema = versions[version].schema as unknown as Schema & { readonly 'x-rules'?: readonly CrossFieldRule[] };
  const payload = ordered({ ...counts, schemaVersion: version }, schema) as Record<string, unknown>;
  for (const rule of schema['x-rules'] ?? []) {
    if (rule.kind !== 'sorted-by-code-point') continue;
    const tokens = pointerTokens(rule.path);
    let parent: unknown = payload;
    let list: Schema | undefined = schema;
    for (const token of tokens.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null && Object.hasOwn(parent, token) ? (parent as Record<string, unknown>)[token] : undefined;
      list = list?.properties?.[token];
    }
    const last = tokens[tokens.length - 1]!;
    list = list?.properties?.[last];
    if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, last)) continue;
    const items = (parent as Record<string, unknown>)[last];
    if (Array.isArray(items) && items.every((item) => typeof item === 'string')) {
      (parent as Record<string, unknown>)[last] = [...(list?.uniqueItems === true ? new Set(items as string[]) : (items as string[]))].sort(compareCodePoints);
    }
  }
  return payload;
}

function invalidCounts(errors: NonNullable<WireError['errors']>): CreateRequestResult {
  const n = errors.length;
  return { ok: false, error: wireError('counts', `${n} problem${n === 1 ? '' : 's'}, nothing was built: ${errors.map((e) => e.message).join('; ')}`, 'invalid-payload', { errors }) };
}

/** The version to build, or why none can be: unknown to this package, or retired. */
export function versionProblem(version: number): WireError | undefined {
  const lifecycle = versionLifecycle(version);
  if (lifecycle === undefined) return wireError('version', `${String(version)} is not a version this package knows; known: ${formatAcceptedVersions(supportedVersions)}`, 'unsupported-version', { supportedVersions });
  if (lifecycle.status === 'retired') return wireError('version', `v${version} is retired${lifecycle.retired ? ` since ${lifecycle.retired}` : ''}; servers refuse it. Build the current version, v${currentVersion}`, 'unsupported-version', { supportedVersions });
  return undefined;
}

/** The newest version of a server's list that this package can build, or undefined. */
export function newestBuildable(accepted: readonly number[]): number | undefined {
  const usable = accepted.filter((version) => versionProblem(version) === undefined);
  return usable.length === 0 ? undefined : Math.max(...usable);
}

/**
 * Builds and signs a telemetry request in the version the application names
 * (`version`, required: the counts are typed as that version's, so a missing
 * required field is a compile error): fills `schemaVersion`, keeps lists the
 * contract sorts sorted and unique, validates (an invalid payload is refused,
 * nothing is built), masks the customer when asked, and signs the body. The
 * version stays the application's when the package is upgraded; only
 * `acceptedVersions` without it makes the report go out projected onto the
 * newest accepted version, if the contract allows it (`request.projection`).
 * Returns a typed error instead of throwing for bad counts or options.
 *
 * @example
 * const built = await createTelemetryRequest(counts, { version: 1, licenseId, customer, signingSecrets: [secret] });
 * if (!built.ok) throw new Error(built.error.message);
 * const sent = await sendTelemetry(built.request, { baseUrl: 'https://telemetry.example.com' });
 */
export async function createTelemetryRequest<V extends KnownVersion>(counts: NoInfer<TelemetryCounts<V>>, options: CreateRequestOptions & { readonly version: V }): Promise<CreateRequestResult> {
  const version: number | undefined = options.version;
  if (version === undefined) return { ok: false, error: versionRequired('createTelemetryRequest') };
  const problem = versionProblem(version);
  if (problem !== undefined) return { ok: false, error: problem };
  if (options.acceptedVersions !== undefined && newestBuildable(options.acceptedVersions) === undefined) {
    const refused = checkVersionAccepted(version, options.acceptedVersions);
    if (refused !== undefined) return { ok: false, error: refused };
  }
  const checked = checkedSecrets(options.signingSecrets, options.maskKey, options.encryptionKey);
  if (!checked.ok) return checked;
  const secrets = checked.secrets;
  const customerProblem = checkCustomerName(options.customer);
  if (customerProblem !== undefined) return { ok: false, error: customerProblem };
  const maskEnvVariable = options.maskEnvVariable ?? MASK_ENV_VARIABLE;
  const envProblem = checkMaskEnvVariable(maskEnvVariable);
  if (envProblem !== undefined) return { ok: false, error: envProblem };

  const validated = validateTelemetry(completePayload((counts ?? {}) as Record<string, unknown>, version as KnownVersion));
  if (!validated.ok) return invalidCounts(validated.errors);
  const built = await signedRequest(validated.value, options, secrets);
  if (!built.ok || options.acceptedVersions === undefined || options.acceptedVersions.includes(version)) return built;
  // The application's version, which the server does not accept: its newest version, by projection, or nothing.
  return built.request.project(newestBuildable(options.acceptedVersions)!);
}

/** Why nothing is built without a version: a default would move under the installation with the next package release. */
export function versionRequired(where: string): WireError {
  return wireError(
    'version',
    `is required: name the schema version the installation sends, as in ${where}(…, { version: ${currentVersion}, … }); a default would change what it sends whenever the package is upgraded`,
    'version-required',
    { supportedVersions },
  );
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
interface Sender {
  readonly licenseId: string;
  readonly customerHeader: string;
  readonly now: () => number;
  readonly encryption?: { readonly key: string; readonly randomBytes?: ((length: number) => Uint8Array) | undefined };
}

/** The encryption of a sender's bodies, from the options: undefined unless `encrypt` is set. */
export async function encryptionOf(options: Pick<CreateRequestOptions, 'encrypt' | 'encryptionKey' | 'randomBytes'>, secrets: readonly string[]): Promise<Sender['encryption']> {
  if (options.encrypt !== true) return undefined;
  return { key: options.encryptionKey ?? (await deriveEncryptionKey(secrets[0]!)), randomBytes: options.randomBytes };
}

/** The `x-telemetry-customer` value the options ask for: the mask when masking is on, else the percent-encoded name. */
export async function customerHeaderOf(
  options: Pick<CreateRequestOptions, 'customer' | 'maskCustomer' | 'maskEnvVariable' | 'maskKey' | 'env'>,
  secrets: readonly string[],
): Promise<string> {
  const maskEnvVariable = options.maskEnvVariable ?? MASK_ENV_VARIABLE;
  const mask = options.maskCustomer ?? maskRequested(options.env ?? processEnv(maskEnvVariable), maskEnvVariable);
  return mask ? maskCustomer(options.customer, options.maskKey ?? (await deriveMaskKey(secrets[0]!))) : encodeCustomer(options.customer);
}

/** The request for a valid payload, signed; the customer header is worked out once, from the options. */
async function signedRequest(payload: Telemetry, options: CreateRequestOptions, secrets: readonly string[]): Promise<CreateRequestResult> {
  const customerHeader = await customerHeaderOf(options, secrets);
  const encryption = await encryptionOf(options, secrets);
  return assembleRequest(payload, { licenseId: options.licenseId, customerHeader, now: options.now ?? Date.now, ...(encryption === undefined ? {} : { encryption }) }, secrets);
}

/**
 * The headers of a request as sent at `sender.now()`, and the function that
 * signs them afresh for each attempt: the content type, the contract headers
 * (checked against the version's patterns) and the Standard Webhooks
 * signature over `id`, the timestamp and `body`.
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

/**
 * The request for a valid payload from one sender, signed; `body` when the
 * exact bytes are already known (a stored window). `project` builds the same
 * window in another version for the same sender.
 */
async function assembleRequest(payload: Telemetry, sender: Sender, secrets: readonly string[], projection?: ProjectionReport, stored?: Uint8Array): Promise<CreateRequestResult> {
  const version = payload.schemaVersion;
  let key: string;
  try {
    key = dedupeKeyOf(sender.licenseId, payload.periodStart, payload.periodEnd);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('dedupeKey: licenseId ')) return { ok: false, error: { rule: 'invalid-header', message: `${CONTRACT_HEADERS.licenseId}: ${message.replace(/^dedupeKey: licenseId /, '')}` } };
    // The payload is valid, so only a contract without the window fields gets here.
    return { ok: false, error: { rule: 'no-window', message: `counts: ${message.replace(/^dedupeKey: /, '')}; every version needs periodStart and periodEnd, the window the dedupe key is made of (no-window)` } };
  }
  const id = await messageIdOf(key, sender.customerHeader);
  const json = stored ?? utf8(JSON.stringify(payload));
  const body = sender.encryption === undefined ? json : utf8(await encryptBody(json, sender.encryption.key, sender.encryption.randomBytes?.(12)));
  const signed = await signingHeaders({ contentType: sender.encryption === undefined ? JSON_MEDIA_TYPE : JOSE_MEDIA_TYPE, sender, version, id, body, secrets });
  if (!signed.ok) return signed;
  const { headers, sign: signHeaders } = signed;
  return {
    ok: true,
    request: {
      method: 'POST',
      path: TELEMETRY_PATH,
      headers,
      body,
      payload,
      schemaVersion: version,
      dedupeKey: key,
      messageId: id,
      ...(projection === undefined ? {} : { projection }),
      encrypted: sender.encryption !== undefined,
      sign: signHeaders,
      async project(to: number): Promise<CreateRequestResult> {
        if (to === version) return { ok: false, error: wireError('version', `the request already is v${to}`, 'projection-refused') };
        const problem = versionProblem(to);
        if (problem !== undefined) return { ok: false, error: problem };
        const projected = projectTelemetry(payload, to);
        if (!projected.ok) return projected;
        const source = projection ?? projected.report;
        // The report describes the whole way from the version first built, whatever the steps.
        const report = { from: source.from, to, dropped: [...new Set([...(projection?.dropped ?? []), ...projected.report.dropped])] };
        const completed = validateTelemetry(completePayload(projected.value as unknown as Record<string, unknown>, to as KnownVersion));
        if (!completed.ok) return invalidCounts(completed.errors);
        return assembleRequest(completed.value, sender, secrets, report);
      },
    },
  };
}

/** What a store keeps of a built request to send it again later: everything but the secrets. */
export interface StoredRequest {
  /** The exact JSON body bytes that were built (before any encryption). */
  readonly body: Uint8Array;
  readonly licenseId: string;
  /** The `x-telemetry-customer` value as built: the percent-encoded name, or its mask. */
  readonly customerHeader: string;
}

/**
 * A request rebuilt from what a store kept of it (the outbox's records): the
 * same body bytes, message id and contract headers, signed anew with secrets
 * the caller holds in memory. The body is parsed and validated again, so a
 * damaged record is refused (`invalid-payload`, `json-syntax`…) rather than sent.
 * Not part of the public entries: the outbox uses it.
 */
export async function restoreTelemetryRequest(
  stored: StoredRequest,
  options: { readonly signingSecrets: string | readonly string[]; readonly now?: () => number } & Pick<CreateRequestOptions, 'encrypt' | 'encryptionKey' | 'randomBytes'>,
): Promise<CreateRequestResult> {
  const checked = checkedSecrets(options.signingSecrets, undefined, options.encryptionKey);
  if (!checked.ok) return checked;
  const parsed = parseTelemetry(stored.body);
  if (!parsed.ok) return invalidCounts(parsed.errors);
  const problem = versionProblem(parsed.value.schemaVersion);
  if (problem !== undefined) return { ok: false, error: problem };
  // Encrypted afresh when sent encrypted: a stored window keeps the JSON it was built as, and every restore gets a new IV.
  const encryption = await encryptionOf(options, checked.secrets);
  return assembleRequest(parsed.value, { licenseId: stored.licenseId, customerHeader: stored.customerHeader, now: options.now ?? Date.now, ...(encryption === undefined ? {} : { encryption }) }, checked.secrets, undefined, stored.body);
}
