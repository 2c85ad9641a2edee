// generated from schema/v1.ts by `npm run generate`; do not edit
/** True when the value satisfies the request headers JSON Schema: the verdict of ./validate-headers.js, without its errors. */
export default function isValid(data: unknown): boolean;
