// generated from schema/v1.ts by `npm run generate`; do not edit
/** True when the value satisfies the payload JSON Schema: the verdict of ./validate.js (cross-field rules excluded), without its errors. */
export default function isValid(data: unknown): boolean;
