/**
 * The connection test's wire format (schema/probe.ts, read through
 * generated/probe.ts): a probe is signed and sent like a report, to the same
 * endpoint, with the same headers, but its media type
 * (`application/vnd.telemetry-contract.probe+json`, or that `cty` inside a
 * JWE) and its closed body `{"probe":"connection-test","schemaVersion":N,
 * "nonce":"<32 hex>"}` say it is a probe, and it carries no counts. Its message
 * id is `msg_` + hex SHA-256 of `<licenseId>/probe/<nonce>`: never the id of a
 * window, whose second part is a date-time. What the server checks of a
 * probe is here; building one is ../uploader/probe-request.ts.
 */
import { type ProbeBody, probeContract } from '../../generated/probe.js';
import { CONTRACT_HEADERS } from './contract-headers.js';
import { hashedMessageId } from './dedupe.js';
import { checkVersionAccepted } from '../contract/negotiation.js';
import { shownName } from '../contract/errors.js';
import { SIGNATURE_HEADERS } from './signature.js';
import { type WireError, wireError } from '../contract/wire-errors.js';

export type { ProbeBody } from '../../generated/probe.js';

/** The media type of a probe's body (and the `cty` of an encrypted one). */
export const PROBE_MEDIA_TYPE = probeContract.mediaType;

/**
 * The message id of a probe: `msg_` + hex SHA-256 of `<licenseId>/probe/<nonce>`.
 *
 * @example
 * probeMessageId('lic-0042', '00112233445566778899aabbccddeeff'); // "msg_…" (64 hex digits)
 */
export function probeMessageId(licenseId: string, nonce: string): string {
  return hashedMessageId(probeContract.messageIdOf.replace('<licenseId>', licenseId).replace('<nonce>', nonce));
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
  if (unknown !== undefined) return refuse('body', `a probe carries probe, schemaVersion and nonce only, and nothing else; got another member (${shownName(unknown)})`);
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
