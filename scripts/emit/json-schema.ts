/**
 * Contract → JSON Schema (draft 2020-12). The document other teams read: the
 * payload with every privacy record as `x-privacy`, the cross-field rules as
 * `x-rules`, and what is deliberately not collected as `x-not-collected`.
 */
import type { Contract } from '../../schema/contract.js';
import { RULES_KEYWORD } from '../../schema/rules.js';
import type { JsonSchema } from '../contract/fields.js';

export const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
export const NOT_COLLECTED_KEYWORD = 'x-not-collected';
export const HEADERS_KEYWORD = 'x-headers';
export const TRANSPORT_HEADERS_KEYWORD = 'x-transport-headers';

/** The stable `$id` of a version's schema. A URN: it names the schema and is never fetched. */
export function schemaId(version: number): string {
  return `urn:telemetry-contract:schema:v${version}`;
}

export function typeName(version: number): string {
  return `TelemetryV${version}`;
}

export function generatedHeader(contract: Contract): string {
  return `generated from ${contract.source} by \`npm run generate\`; do not edit`;
}

/** The headers as a plain JSON Schema object (header name → string schema). */
export function plainHeaders(contract: Contract): JsonSchema {
  return JSON.parse(JSON.stringify(contract.headers)) as JsonSchema;
}

/** A JSON Schema document validating a request's headers (names lowercased), for the generated header validator. */
export function toHeadersSchema(contract: Contract): JsonSchema {
  return {
    $schema: DRAFT_2020_12,
    $id: `${schemaId(contract.version)}:headers`,
    $comment: generatedHeader(contract),
    title: `${typeName(contract.version)}Headers`,
    description: `HTTP headers sent with a schema version ${contract.version} report.`,
    ...plainHeaders(contract),
  };
}

/** Pure: the same contract always gives a deep-equal document, keys in the same order. */
export function toJsonSchema(contract: Contract): JsonSchema {
  // TypeBox keeps its Kind/Optional markers under symbol keys; a JSON round trip leaves plain JSON Schema.
  const { type, properties, required, additionalProperties, ...rest } = JSON.parse(JSON.stringify(contract.payload)) as JsonSchema;
  return {
    $schema: DRAFT_2020_12,
    $id: schemaId(contract.version),
    $comment: generatedHeader(contract),
    title: typeName(contract.version),
    description: `Usage telemetry report, schema version ${contract.version}: aggregate counts and license posture of one on-prem deployment for one time window.`,
    ...rest,
    type,
    properties,
    required,
    additionalProperties,
    // A contract from an older checkout (a diff base) may predate declared headers.
    ...((contract as Partial<Contract>).headers === undefined ? {} : { [HEADERS_KEYWORD]: plainHeaders(contract) }),
    ...(contract.transport === undefined ? {} : { [TRANSPORT_HEADERS_KEYWORD]: JSON.parse(JSON.stringify(contract.transport)) as JsonSchema }),
    [RULES_KEYWORD]: contract.rules,
    [NOT_COLLECTED_KEYWORD]: contract.notCollected,
  };
}
