// generated from schema/probe.ts by `npm run generate`; do not edit

/** The body of a connection test (a probe): no counts, never stored. */
export interface ProbeBody {
  probe: "connection-test";
  schemaVersion: number;
  nonce: string;
}

/** The connection test as schema/probe.ts declares it: media type, message id rule and body schema. */
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
        "description": "Marks the body as a connection test, so that neither side can read it as a report.",
        "x-privacy": {
          "purpose": "Marks the body as a connection test, so that neither side can read it as a report.",
          "legalBasis": "contract",
          "basisNote": "service operation",
          "category": "protocol-metadata",
          "retention": "P0D",
          "owner": "Platform team",
          "reviewBy": "2027-05-31"
        },
        "const": "connection-test",
        "type": "string"
      },
      "schemaVersion": {
        "minimum": 1,
        "maximum": 9999,
        "description": "The schema version this installation sends its reports in, signed with the body, so that the endpoint can say whether it accepts that version, or has deprecated it.",
        "x-privacy": {
          "purpose": "The schema version this installation sends its reports in, signed with the body, so that the endpoint can say whether it accepts that version, or has deprecated it.",
          "legalBasis": "contract",
          "basisNote": "service operation",
          "category": "protocol-metadata",
          "retention": "P0D",
          "owner": "Platform team",
          "reviewBy": "2027-05-31"
        },
        "type": "integer"
      },
      "nonce": {
        "pattern": "^[0-9a-f]{32}$",
        "minLength": 32,
        "maxLength": 32,
        "description": "Sixteen random bytes, new for every test: they make each probe and its message id unique, so the answer is known to belong to this test.",
        "x-privacy": {
          "purpose": "Sixteen random bytes, new for every test: they make each probe and its message id unique, so the answer is known to belong to this test.",
          "legalBasis": "contract",
          "basisNote": "service operation",
          "category": "protocol-metadata",
          "retention": "P0D",
          "owner": "Platform team",
          "reviewBy": "2027-05-31"
        },
        "type": "string"
      }
    }
  }
} as const;
