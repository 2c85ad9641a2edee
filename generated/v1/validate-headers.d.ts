// generated from schema/v1.ts by `npm run generate`; do not edit
import type { GeneratedValidator } from '../../src/contract/generated-validator.js';
import type { TelemetryV1Headers } from './headers.js';

/** Checks request headers (names lowercased) against the TelemetryV1Headers JSON Schema. */
export declare const validate: GeneratedValidator<TelemetryV1Headers>;
export default validate;
