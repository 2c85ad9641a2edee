// generated from schema/index.ts by `npm run generate`; do not edit
import schemaV1 from './v1/telemetry.schema.json' with { type: 'json' };
import validateV1 from './v1/validate.js';
import type { TelemetryV1 } from './v1/types.js';

export type { TelemetryV1 };

/** A payload of any schema version this package knows. */
export type Telemetry = TelemetryV1;

/** The version new uploaders send. */
export const currentVersion = 1;

/** Every known version: its JSON Schema and its precompiled validator. */
export const versions = {
  1: { schema: schemaV1, validate: validateV1 },
} as const;
