// generated from schema/license.ts by `npm run generate`; do not edit
import type { GeneratedValidator } from '../src/contract/generated-validator.js';
import type { LicenseRecord } from './license.js';

/** Checks a license record against generated/license.schema.json. */
export declare const validate: GeneratedValidator<LicenseRecord>;
export default validate;
