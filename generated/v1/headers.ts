// generated from schema/v1.ts by `npm run generate`; do not edit

/**
 * HTTP headers sent with a schema version 1 report.
 */
export interface TelemetryV1Headers {
  /**
   * Says what the body is: the report as JSON (application/json), or the report encrypted for the vendor as a JWE (application/jose), so the endpoint knows whether to decrypt it before reading it.
   */
  'content-type': string;
  /**
   * Identifies the report: derived from the license id, the window and the customer header as sent, so every retry of one window carries the same id and the endpoint can store the window once; as it is signed, it also authenticates the license id and the customer header.
   */
  'webhook-id': string;
  /**
   * When this attempt was signed, in Unix seconds. Lets the endpoint refuse a captured request replayed later.
   */
  'webhook-timestamp': string;
  /**
   * HMAC-SHA-256 signatures over the id, the timestamp and the body, one per active key during a rotation. Proves the report comes from the licensed deployment and was not altered.
   */
  'webhook-signature': string;
  /**
   * The legal entity named in the license, percent-encoded, or its mask anon-<hex>-<length> when masking is on. Tells the vendor whose account the report belongs to.
   */
  'x-telemetry-customer': string;
  /**
   * The license the deployment runs under. Links the report to the contract it is billed against, and is part of the dedupe key.
   */
  'x-telemetry-license-id': string;
  /**
   * The schema version of the body, readable before the body is parsed, so the endpoint can refuse a version it does not accept early.
   */
  'x-telemetry-schema-version': string;
  [k: string]: unknown | undefined;
}
