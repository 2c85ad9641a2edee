/**
 * Building a connection test on the uploader: the headers a report of this
 * installation carries (license id, customer header, schema version), the
 * probe's media type, and a body without counts (../wire/probe.ts), signed like a
 * report and encrypted when the installation encrypts.
 */
import type { ProbeBody } from '../../generated/probe.js';
import { toHex, utf8 } from '../wire/bytes.js';
import { JOSE_MEDIA_TYPE, encryptBody, encryptionKeyId } from '../wire/jwe.js';
import { MASK_ENV_VARIABLE, checkCustomerName, checkMaskEnvVariable } from '../wire/mask.js';
import { TELEMETRY_PATH } from '../wire/paths.js';
import { PROBE_MEDIA_TYPE, probeMessageId } from '../wire/probe.js';
import { versionProblem, versionRequired } from './payload.js';
import { type SenderOptions, checkedSecrets, customerHeaderOf, encryptionOf, senderIdentity, signingHeaders } from './sender.js';
import type { WireError } from '../contract/wire-errors.js';

const NONCE_BYTES = 16;

/** What `createProbeRequest` takes: who sends (as for a report), the version to ask about, and encryption. */
export interface ProbeOptions extends SenderOptions {
  /** The schema version this installation sends, which the probe asks about (required: no default moves under it). */
  readonly version: number;
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
  readonly version: number;
  readonly encrypt?: boolean;
  readonly encryptionKey?: string;
  readonly randomBytes?: (length: number) => Uint8Array;
  readonly now?: () => number;
}

/** A probe from a sender whose customer header is known: the message id from a fresh nonce, signed. Not a public entry. */
export async function assembleProbe(sender: ProbeSender): Promise<ProbeRequestResult> {
  const version = sender.version;
  if (version === undefined) return { ok: false, error: versionRequired('createProbeRequest') };
  const problem = versionProblem(version);
  if (problem !== undefined) return { ok: false, error: problem };
  const checked = checkedSecrets(sender.signingSecrets, undefined, sender.encryptionKey);
  if (!checked.ok) return checked;
  const random = sender.randomBytes ?? ((length: number) => crypto.getRandomValues(new Uint8Array(length)));
  const nonce = toHex(random(NONCE_BYTES));
  const probe: ProbeBody = { probe: 'connection-test', schemaVersion: version, nonce };
  const json = utf8(JSON.stringify(probe));
  const encryption = await encryptionOf(sender, checked.secrets);
  const body = encryption === undefined ? json : utf8(await encryptBody(json, encryption.key, encryption.randomBytes?.(12), PROBE_MEDIA_TYPE));
  const id = probeMessageId(sender.licenseId, nonce);
  const signed = await signingHeaders({
    contentType: encryption === undefined ? PROBE_MEDIA_TYPE : JOSE_MEDIA_TYPE,
    sender: { ...sender, now: sender.now ?? Date.now },
    version,
    id,
    body,
    secrets: checked.secrets,
  });
  if (!signed.ok) return signed;
  const { headers, sign } = signed;
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
 * const built = await createProbeRequest({ version: 1, license, signingSecrets: [secret] }); // license: the record shipped with the license
 * if (built.ok) await fetch(`${baseUrl}${built.request.path}`, { method: 'POST', headers: built.request.headers, body: built.request.body });
 */
export async function createProbeRequest(options: ProbeOptions): Promise<ProbeRequestResult> {
  const checked = checkedSecrets(options.signingSecrets, options.maskKey, options.encryptionKey);
  if (!checked.ok) return checked;
  const identity = senderIdentity(options);
  if (!identity.ok) return identity;
  const customerProblem = checkCustomerName(identity.customer);
  if (customerProblem !== undefined) return { ok: false, error: customerProblem };
  const envProblem = checkMaskEnvVariable(options.maskEnvVariable ?? MASK_ENV_VARIABLE);
  if (envProblem !== undefined) return { ok: false, error: envProblem };
  return assembleProbe({
    licenseId: identity.licenseId,
    customerHeader: await customerHeaderOf({ ...options, customer: identity.customer }, checked.secrets),
    signingSecrets: checked.secrets,
    version: options.version,
    ...(options.encrypt !== undefined ? { encrypt: options.encrypt } : {}),
    ...(options.encryptionKey !== undefined ? { encryptionKey: options.encryptionKey } : {}),
    ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
}
