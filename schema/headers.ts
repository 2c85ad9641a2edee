import { Type } from '@sinclair/typebox';
import { privacy } from './privacy.js';

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
      // A media type and its parameters; ingest decides which it accepts (application/json, application/jose).
      pattern: '^[A-Za-z]+/[A-Za-z0-9.+-]+([\\t ]*;[\\t -~]*)?$',
      maxLength: 256,
      ...privacy({
        purpose:
          'Says what the body is: the report as JSON (application/json), or the report encrypted for the vendor as a JWE (application/jose), so the endpoint knows whether to decrypt it before reading it.',
        legalBasis: 'contract',
        basisNote: 'service operation',
        category: 'protocol-metadata',
        retention: 'P0D',
        owner: 'Platform team',
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
        reviewBy: '2027-05-31',
      }),
    }),
  },
  // Other headers (Content-Type, proxies' own) may travel too; these are the ones the contract defines.
  { additionalProperties: true },
);
