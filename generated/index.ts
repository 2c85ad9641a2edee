// generated from schema/index.ts by `npm run generate`; do not edit
import schemaV1 from './v1/telemetry.schema.json' with { type: 'json' };
import validateV1 from './v1/validate.js';
import isValidV1 from './v1/is-valid.js';
import validateHeadersV1 from './v1/validate-headers.js';
import isValidHeadersV1 from './v1/is-valid-headers.js';
import type { TelemetryV1 } from './v1/types.js';
import type { TelemetryV1Headers } from './v1/headers.js';

export type { TelemetryV1, TelemetryV1Headers };

/** A payload of any schema version this package knows. */
export type Telemetry = TelemetryV1;

/** Each version's payload type by version number: `TelemetryByVersion[2]` is `TelemetryV2`. */
export interface TelemetryByVersion {
  1: TelemetryV1;
}

/** The version new uploaders send. */
export const currentVersion = 1;

/**
 * Every known version: its JSON Schema, its precompiled payload and header
 * validators, each with its yes/no guard, and its lifecycle (draft, released,
 * deprecated with a sunset day, retired).
 */
export const versions = {
  1: { schema: schemaV1, validate: validateV1, isValid: isValidV1, validateHeaders: validateHeadersV1, isValidHeaders: isValidHeadersV1, lifecycle: { status: 'draft' } },
} as const;

/**
 * How a report of one version carries over to another (`"<from>>to"`), derived
 * from the two schemas: the fields to drop (`null` stands for every item of a
 * list), or why it cannot be done.
 */
export const projections = {
} as const;
