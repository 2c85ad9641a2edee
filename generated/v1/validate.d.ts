// generated from schema/v1.ts by `npm run generate`; do not edit
import type { GeneratedValidator } from '../../src/contract/generated-validator.js';
import type { TelemetryV1 } from './types.js';

/** Checks a payload (cross-field rules excluded) against the TelemetryV1 JSON Schema. */
export declare const validate: GeneratedValidator<TelemetryV1>;
export default validate;
