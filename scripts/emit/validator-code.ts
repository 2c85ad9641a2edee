/**
 * JSON Schema → standalone validator module that reports every error. ajv
 * compiles the schema to code here, at generate time; bundleModule then
 * inlines the few ajv runtime helpers it references and our format checks
 * (ajv's standalone ESM output still says `require(...)` for its helpers:
 * ajv issues 1976 and 2209).
 */
import * as standalone from 'ajv/dist/standalone/index.js';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import { createAjv } from './ajv.js';
import { bundleModule } from './bundle.js';
import type { JsonSchema } from '../contract/fields.js';

/** `root` is the checkout whose src/contract/formats.ts gets inlined. */
export async function toValidatorCode(schema: JsonSchema, header: string, root: string): Promise<string> {
  const ajv = createAjv({ code: { source: true, esm: true, lines: true, formats: _`require("./src/contract/formats.ts").formats` } });
  const validate = ajv.compile(schema);
  // ajv's CommonJS module is the function and also carries it as `.default`; NodeNext types only see the latter.
  const code = standalone.default.default(ajv, validate);
  return bundleModule(code, header, root, 'validator.js');
}
