// generated from schema/probe.ts by `npm run generate`; do not edit

/** The body of a connection test (a probe): no counts, never stored. */
export interface ProbeBody {
  /** Marks the body as a connection test, so that neither side can read it as a report. */
  probe: "connection-test";
  /** The schema version this installation sends its reports in, signed with the body, so that the endpoint can say whether it accepts that version, or has deprecated it. */
  schemaVersion: number;
  /** Sixteen random bytes, new for every test: they make each probe and its message id unique, so the answer is known to belong to this test. */
  nonce: string;
}

/** The connection test as schema/probe.ts declares it: media type, message id rule and body schema (its prose is in generated/probe-vectors.json). */
export const probeContract = {
  "mediaType": "application/vnd.telemetry-contract.probe+json",
  "kind": "connection-test",
  "messageIdOf": "<licenseId>/probe/<nonce>",
  "stored": false,
  "schema": {
    "additionalProperties": false,
    "type": "object",
    "required": [
      "probe",
      "schemaVersion",
      "nonce"
    ],
    "properties": {
      "probe": {
        "const": "connection-test",
        "type": "string"
      },
      "schemaVersion": {
        "minimum": 1,
        "maximum": 9999,
        "type": "integer"
      },
      "nonce": {
        "pattern": "^[0-9a-f]{32}$",
        "minLength": 32,
        "maxLength": 32,
        "type": "string"
      }
    }
  }
} as const;
