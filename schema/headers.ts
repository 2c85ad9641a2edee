import { Type } from '@sinclair/typebox';
import { type PrivacyRecord, privacy } from './privacy.js';

/**
 * The HTTP headers an uploader sends with a report. They cross the wire like
 * the body does, so each carries the same privacy record as a body field.
 * Names are lowercase (HTTP header names are case-insensitive; fetch's
 * Headers lowercases them). The signing headers are Standard Webhooks 1.0's
 * own names, so an off-the-shelf verifier in any language can check them.
 *
 * Header values are ASCII: the customer name is sent percent-encoded (UTF-8,
 * as encodeURIComponent writes it), since fetch refuses other header bytes.
 */
export const HeadersV1 = Type.Object(
  {
    'content-type': Type.String({
      // The three media types an uploader sends, and the one parameter ingest reads: anything more could carry text.
      pattern: '^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$',
      maxLength: 64,
      ...privacy({
        purpose:
          'Says what the body is: the report as JSON (application/json), or the report encrypted for the vendor as a JWE (application/jose), so the endpoint knows whether to decrypt it before reading it.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
        values: {
          are: 'The media type of a report (application/json), of an encrypted report (application/jose) or of a connection test (application/vnd.telemetry-contract.probe+json), optionally followed by charset=utf-8; nothing else.',
          keptBy: ['schema:pattern'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'webhook-id': Type.String({
      pattern: '^msg_[0-9a-f]{64}$',
      maxLength: 68,
      ...privacy({
        purpose:
          'Identifies the report: derived from the license id, the window and the customer header as sent, so every retry of one window carries the same id and the endpoint can store the window once; as it is signed, it also authenticates the license id and the customer header.',
        legalBasis: 'contract',
        basisNote: 'preventing duplicate processing',
        category: 'protocol-metadata',
        retention: 'P400D',
        owner: 'Platform team',
        values: {
          are: 'msg_ and the SHA-256 of the license id, the window and the customer header (of a connection test: of the license id and its nonce): the endpoint computes it again, and refuses any other id.',
          keptBy: ['schema:pattern', 'runtime:message-id-mismatch'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'webhook-timestamp': Type.String({
      pattern: '^[0-9]{1,12}$',
      maxLength: 12,
      ...privacy({
        purpose: 'When this attempt was signed, in Unix seconds. Lets the endpoint refuse a captured request replayed later.',
        legalBasis: 'contract',
        basisNote: 'transport security',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform Security',
        values: {
          are: "The second the attempt was signed, in Unix seconds, within 5 minutes of the endpoint's clock (a server may set another tolerance); any other time is refused.",
          keptBy: ['schema:pattern', 'runtime:timestamp-too-old', 'runtime:timestamp-too-new'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'webhook-signature': Type.String({
      pattern: '^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=){0,7}$',
      maxLength: 391,
      ...privacy({
        purpose:
          'HMAC-SHA-256 signatures over the id, the timestamp and the body, one per active key during a rotation. Proves the report comes from the licensed deployment and was not altered.',
        legalBasis: 'contract',
        basisNote: 'transport security',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform Security',
        values: {
          are: 'One to eight HMAC-SHA-256 signatures, one per secret the installation holds during a rotation. The request is refused unless one of them is made with an active key of the license; the others are not read, and none is stored.',
          keptBy: ['schema:pattern', 'runtime:license-key-mismatch'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'x-telemetry-customer': Type.String({
      pattern: '^[A-Za-z0-9%._~!*\'()-]{1,768}$',
      maxLength: 768,
      ...privacy({
        purpose:
          'The legal entity named in the license, percent-encoded, or its mask anon-<hex>-<length> when masking is on. Tells the vendor whose account the report belongs to.',
        legalBasis: 'contract',
        basisNote: 'account management and billing',
        category: 'customer-identity',
        retention: 'P400D',
        owner: 'License Management',
        values: {
          are: "The legal entity of the license record, percent-encoded as encodeURIComponent writes it, or its mask anon-<hex>-<length> under a mask key of the license, as the masking setting stood when the window was first sent; ingest given the record refuses any other, and the message id binds it to the window.",
          keptBy: ['schema:pattern', 'runtime:message-id-mismatch', 'runtime:customer-not-licensed', 'runtime:mask-not-licensed'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'x-telemetry-license-id': Type.String({
      pattern: '^[A-Za-z0-9._-]{1,128}$',
      maxLength: 128,
      ...privacy({
        purpose: 'The license the deployment runs under. Links the report to the contract it is billed against, and is part of the dedupe key.',
        legalBasis: 'contract',
        basisNote: 'license verification',
        category: 'customer-identity',
        retention: 'P400D',
        owner: 'License Management',
        values: {
          are: "The id of a license the vendor issued: a request is verified with the keys of the license it names and no other, so an id the vendor holds no keys for is refused.",
          keptBy: ['schema:pattern', 'runtime:license-key-mismatch'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
    'x-telemetry-schema-version': Type.String({
      pattern: '^[1-9][0-9]{0,3}$',
      maxLength: 4,
      ...privacy({
        purpose: 'The schema version of the body, readable before the body is parsed, so the endpoint can refuse a version it does not accept early.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
        values: {
          are: "A schema version the endpoint accepts, the same as the body's schemaVersion.",
          keptBy: ['schema:pattern', 'runtime:unsupported-version', 'runtime:version-mismatch'],
        },
        reviewBy: '2027-05-31',
      }),
    }),
  },
  // Other headers (a proxy's own) may travel too; these are the ones the contract defines and ingest checks.
  { additionalProperties: true },
);

/** The record of a header HTTP or the runtime's fetch puts on every request: not stored, checked by nobody. */
function transport(purpose: string, values: NonNullable<PrivacyRecord['values']>, exceptions?: PrivacyRecord['exceptions']) {
  return privacy({
    purpose,
    legalBasis: 'contract',
    basisNote: 'transport',
    category: 'protocol-metadata',
    retention: 'P0D',
    owner: 'Platform team',
    values,
    ...(exceptions === undefined ? {} : { exceptions }),
    reviewBy: '2027-05-31',
  });
}

/**
 * The other headers that leave the process with every request of this
 * package's uploader: the ones HTTP/1.1 frames a request with, and the ones
 * the runtime's fetch adds unless a request sets them. The uploader sets each
 * of the latter to the value below, so nothing of the machine (its language,
 * its runtime) travels, and a test against a real HTTP server proves that the
 * headers received are exactly these and `HeadersV1`. The endpoint neither
 * reads nor stores them, and does not check them either: a proxy on the way
 * or another HTTP client may send its own.
 */
export const TransportHeadersV1 = Type.Object(
  {
    host: Type.String({
      pattern: '^(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$',
      maxLength: 261,
      ...transport('The host (and port) of the ingest address, which HTTP/1.1 requires in every request.', {
        are: "The host of the ingest address the installation is configured with: a name the vendor's TLS certificate covers, since the uploader sends only over https: (loopback aside, in development), so a request to any other name fails before it reaches the vendor.",
        keptBy: ['runtime:https-only'],
      }),
    }),
    'content-length': Type.String({
      pattern: '^[0-9]{1,6}$',
      maxLength: 6,
      ...transport('The size of the body in bytes, by which HTTP/1.1 frames a request body.', {
        are: 'The size of the body in bytes, no larger than the endpoint accepts (64 KiB unless a server sets another limit).',
        keptBy: ['schema:pattern', 'runtime:too-large'],
      }),
    }),
    connection: Type.String({
      pattern: '^(keep-alive|close)$',
      maxLength: 10,
      ...transport('Whether HTTP/1.1 may send the next request over the same connection; the runtime adds it.', { are: 'keep-alive or close, as the runtime decides.', keptBy: ['schema:pattern'] }),
    }),
    'user-agent': Type.Literal('telemetry-contract', {
      ...transport(
        'Names the sending software, as every HTTP client does; fixed, so it says nothing about the deployment, its machine or its runtime.',
        { are: 'Exactly telemetry-contract, whatever the runtime: this package sets it, so the runtime does not add its own.', keptBy: ['schema:const'] },
        [
          {
            rule: 'personal-data-name',
            justification:
              'The header names the software that sends, always the same fixed word; it is not the browser of a person, which the contract never sees. HTTP clients send one, so declaring its value is how the contract keeps it from saying more.',
          },
        ],
      ),
    }),
    accept: Type.Literal('application/json', {
      ...transport('Says that the uploader reads the answer as JSON, so the runtime does not add a default of its own.', { are: 'Exactly application/json.', keptBy: ['schema:const'] }),
    }),
    'accept-language': Type.Literal('*', {
      ...transport('Set to any language, so the runtime adds no language preference of the machine or its users.', { are: 'Exactly *.', keptBy: ['schema:const'] }),
    }),
    'accept-encoding': Type.Literal('identity', {
      ...transport('Asks for an answer without compression: the uploader reads a few kilobytes of an answer at most.', { are: 'Exactly identity.', keptBy: ['schema:const'] }),
    }),
    'sec-fetch-mode': Type.Literal('cors', {
      ...transport('Added by the runtime\'s fetch to every request, always with the same value; a request cannot leave it out.', { are: 'Exactly cors.', keptBy: ['schema:const'] }),
    }),
  },
  { additionalProperties: false },
);
