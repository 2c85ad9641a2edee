/**
 * The connection test's wire format (schema/probe.ts, read through
 * generated/probe.ts): a probe is signed and sent like a report, to the same
 * endpoint, with the same headers, but its media type
 * (`application/vnd.telemetry-contract.probe+json`, or that `cty` inside a
 * JWE) and its closed body `{"probe":"connection-test","schemaVersion":N,
 * "nonce":"<32 hex>"}` say it is a probe, and it carries no counts. Its message
 * id is `msg_` + hex SHA-256 of `<licenseId>/probe/<nonce>`: never the id of a
 * window, whose second part is a date-time.
 */
import { currentVersion } from '../generated/index.js';
import { type ProbeBody, probeContract } from '../generated/probe.js';
import { toHex, utf8 } from './bytes.js';
import { CONTRACT_HEADERS, validateContractHeaders } from './contract-headers.js';
import { messageIdNow } from './dedupe.js';
import { JOSE_MEDIA_TYPE, encryptBody, encryptionKeyId } from './jwe.js';
import { checkCustomerName, checkMaskEnvVariable, MASK_ENV_VARIABLE } from './mask.js';
import { checkVersionAccepted } from './negotiation.js';
import { TELEMETRY_PATH } from './paths.js';
import { type CreateRequestOptions, checkedSecrets, customerHeaderOf, encryptionOf, versionProblem } from './request.js';
import { SIGNATURE_HEADERS, signMessage } from './signature.js';
import { type WireError, wireError } from './wire-errors.js';

export type { ProbeBody } from '../generated/probe.js';

/** The media type of a probe's body (and the `cty` of an encrypted one). */
export const PROBE_MEDIA_TYPE = probeContract.mediaType;

const NONCE_BYTES = 16;

/**
 * The message id of a probe: `msg_` + hex SHA-256 of `<licenseId>/probe/<nonce>`.
 *
 * @example
 * probeMessageId('lic-0042', '00112233445566778899aabbccddeeff'); // "msg_…" (64 hex digits)
 */
export function probeMessageId(licenseId: string, nonce: string): string {
  return messageIdNow(probeContract.messageIdOf.replace('<licenseId>', licenseId).replace('<nonce>', nonce));
}

type Property = { readonly const?: unknown; readonly type?: string; readonly minimum?: number; readonly maximum?: number; readonly pattern?: string; readonly maxLength?: number };
const PROPERTIES = probeContract.schema.properties as unknown as Readonly<Record<keyof ProbeBody, Property>>;
const NONCE = new RegExp(PROPERTIES.nonce.pattern!, 'u');

/** The body checked against the probe's schema: the probe, or what is wrong with it (`<path>: <what> (invalid-probe)`). */
export function checkProbeBody(value: unknown): { readonly ok: true; readonly probe: ProbeBody } | { readonly ok: false; readonly error: WireError } {
  const refuse = (where: string, what: string) => ({ ok: false as const, error: wireError(where, what, 'invalid-probe') });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('body', 'a probe must be a JSON object');
  const body = value as Record<string, unknown>;
  const unknown = Object.keys(body).find((key) => !Object.hasOwn(PROPERTIES, key));
  if (unknown !== undefined) return refuse('body', `a probe carries probe, schemaVersion and nonce only, and nothing else; got another member${unknown.length <= 32 && /^[A-Za-z0-9_]+$/.test(unknown) ? ` (${unknown})` : ''}`);
  if (body['probe'] !== PROPERTIES.probe.const) return refuse('/probe', `must be "${String(PROPERTIES.probe.const)}"`);
  const version = body['schemaVersion'];
  if (!Number.isSafeInteger(version) || (version as number) < PROPERTIES.schemaVersion.minimum! || (version as number) > PROPERTIES.schemaVersion.maximum!) {
    return refuse('/schemaVersion', `must be an integer from ${PROPERTIES.schemaVersion.minimum} to ${PROPERTIES.schemaVersion.maximum}`);
  }
  if (typeof body['nonce'] !== 'string' || !NONCE.test(body['nonce'])) return refuse('/nonce', 'must be 32 lowercase hex digits');
  return { ok: true, probe: body as unknown as ProbeBody };
}

/**
 * What ingest checks of a probe after the steps it shares with a report
 * (signature, decryption, contract headers, JSON): the version accepted, the
 * body a probe, its version the header's, and its message id its own. The
 * status and error to answer, or undefined when the probe is in order.
 */
export function verifyProbe(
  value: unknown,
  request: { readonly headerVersion: number; readonly licenseId: string; readonly messageId: string; readonly accepted: readonly number[] },
): { readonly status: number; readonly error: WireError } | undefined {
  const versionError = checkVersionAccepted(request.headerVersion, request.accepted, CONTRACT_HEADERS.schemaVersion);
  if (versionError !== undefined) return { status: 422, error: versionError };
  const checked = checkProbeBody(value);
  if (!checked.ok) return { status: 422, error: checked.error };
  if (checked.probe.schemaVersion !== request.headerVersion) {
    return {
      status: 422,
      error: wireError('/schemaVersion', `is ${checked.probe.schemaVersion} but the ${CONTRACT_HEADERS.schemaVersion} header says ${request.headerVersion}; both must name the version the installation sends`, 'version-mismatch'),
    };
  }
  if (request.messageId !== probeMessageId(request.licenseId, checked.probe.nonce)) {
    return { status: 422, error: wireError(SIGNATURE_HEADERS.id, 'does not belong to this probe; it must be "msg_" + hex SHA-256 of "<licenseId>/probe/<nonce>"', 'message-id-mismatch') };
  }
  return undefined;
}

/** What `createProbeRequest` takes: who sends (as for a report), the version to ask about, and encryption. */
export interface ProbeOptions
  extends Pick<CreateRequestOptions, 'licenseId' | 'customer' | 'signingSecrets' | 'maskCustomer' | 'maskEnvVariable' | 'maskKey' | 'env' | 'now' | 'encrypt' | 'encryptionKey' | 'randomBytes'> {
  /** The schema version this installation sends; default the current one. */
  readonly version?: number;
}

/** A signed probe, ready to send; like a `TelemetryRequest` without a payload. */
export interface ProbeRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body bytes: the probe's JSON, or its JWE when encrypted. */
  readonly body: Uint8Array;
  readonly messageId: string;
  readonly schemaVersion: number;
  readonly encrypted: boolean;
  /** The key id (`kid`) the body is encrypted with, when it is. Public: it names the key without revealing it. */
  readonly encryptionKeyId?: string;
  /** Headers for another attempt: a new timestamp and signature. */
  sign(timestampSeconds: number): Promise<Record<string, string>>;
}

export type ProbeRequestResult = { readonly ok: true; readonly request: ProbeRequest } | { readonly ok: false; readonly error: WireError };

/** Who sends a probe, the customer header already worked out (the outbox's command knows it only as sent). */
export interface ProbeSender {
  readonly licenseId: string;
  readonly customerHeader: string;
  readonly signingSecrets: string | readonly string[];
  readonly version?: number;
  readonly encrypt?: boolean;
  readonly encryptionKey?: string;
  readonly randomBytes?: (length: number) => Uint8Array;
  readonly now?: () => number;
}

/** A probe from a sender whose customer header is known: the message id from a fresh nonce, signed. Not a public entry. */
export async function assembleProbe(sender: ProbeSender): Promise<ProbeRequestResult> {
  const version = sender.version ?? currentVersion;
  const problem = versionProblem(version);
  if (problem !== undefined) return { ok: false, error: problem };
  const checked = checkedSecrets(sender.signingSecrets, undefined, sender.encryptionKey);
  if (!checked.ok) return checked;
  const random = sender.randomBytes ?? ((length: number) => crypto.getRandomValues(new Uint8Array(length)));
  const nonce = toHex(random(NONCE_BYTES));
  const probe: ProbeBody = { probe: probeContract.kind, schemaVersion: version, nonce };
  const json = utf8(JSON.stringify(probe));
  const encryption = await encryptionOf(sender, checked.secrets);
  const body = encryption === undefined ? json : utf8(await encryptBody(json, encryption.key, encryption.randomBytes?.(12), PROBE_MEDIA_TYPE));
  const id = probeMessageId(sender.licenseId, nonce);
  const fixed = {
    'content-type': encryption === undefined ? PROBE_MEDIA_TYPE : JOSE_MEDIA_TYPE,
    [CONTRACT_HEADERS.customer]: sender.customerHeader,
    [CONTRACT_HEADERS.licenseId]: sender.licenseId,
    [CONTRACT_HEADERS.schemaVersion]: String(version),
  };
  const secrets = checked.secrets;
  const sign = async (timestamp: number): Promise<Record<string, string>> => ({ ...fixed, ...(await signMessage({ id, timestamp, body, secrets })) });
  const headers = await sign(Math.floor((sender.now ?? Date.now)() / 1000));
  const headerErrors = validateContractHeaders(headers, version);
  if (headerErrors.length > 0) return { ok: false, error: wireError('headers', headerErrors.map((e) => e.message).join('; '), 'invalid-header', { errors: headerErrors }) };
  return {
    ok: true,
    request: {
      method: 'POST',
      path: TELEMETRY_PATH,
      headers,
      body,
      messageId: id,
      schemaVersion: version,
      encrypted: encryption !== undefined,
      ...(encryption === undefined ? {} : { encryptionKeyId: encryptionKeyId(encryption.key) }),
      sign,
    },
  };
}

/**
 * Builds and signs a connection test: the headers a report of this
 * installation would carry (license id, customer header masked when asked,
 * schema version), its own media type, and a body without counts. Returns a
 * typed error for bad options instead of throwing.
 *
 * @example
 * const built = await createProbeRequest({ licenseId, customer, signingSecrets: [secret] });
 * if (built.ok) await fetch(`${baseUrl}${built.request.path}`, { method: 'POST', headers: built.request.headers, body: built.request.body });
 */
export async function createProbeRequest(options: ProbeOptions): Promise<ProbeRequestResult> {
  const checked = checkedSecrets(options.signingSecrets, options.maskKey, options.encryptionKey);
  if (!checked.ok) return checked;
  const customerProblem = checkCustomerName(options.customer);
  if (customerProblem !== undefined) return { ok: false, error: customerProblem };
  const envProblem = checkMaskEnvVariable(options.maskEnvVariable ?? MASK_ENV_VARIABLE);
  if (envProblem !== undefined) return { ok: false, error: envProblem };
  return assembleProbe({
    licenseId: options.licenseId,
    customerHeader: await customerHeaderOf(options, checked.secrets),
    signingSecrets: checked.secrets,
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.encrypt !== undefined ? { encrypt: options.encrypt } : {}),
    ...(options.encryptionKey !== undefined ? { encryptionKey: options.encryptionKey } : {}),
    ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
}
