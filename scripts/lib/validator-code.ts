/**
 * JSON Schema → standalone validator module. ajv compiles the schema to code
 * here, at generate time; esbuild then inlines the few ajv runtime helpers it
 * references and our format checks, so the committed file imports nothing and
 * never calls `new Function` or `eval` (ajv's standalone ESM output still
 * says `require(...)` for its helpers: ajv issues 1976 and 2209).
 */
import { build } from 'esbuild';
import * as standalone from 'ajv/dist/standalone/index.js';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import { createAjv } from './ajv.js';
import type { JsonSchema } from './fields.js';

/** `root` is the checkout whose src/formats.ts gets inlined. */
export async function toValidatorCode(schema: JsonSchema, header: string, root: string): Promise<string> {
  const ajv = createAjv({ code: { source: true, esm: true, lines: true, formats: _`require("./src/formats.ts").formats` } });
  const validate = ajv.compile(schema);
  // ajv's CommonJS module is the function and also carries it as `.default`; NodeNext types only see the latter.
  const code = standalone.default.default(ajv, validate);
  const result = await build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'validator.js', loader: 'js' },
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    banner: { js: `// ${header}` },
    logLevel: 'silent',
    // esbuild writes module paths into comments; a symlinked node_modules must not change the output.
    preserveSymlinks: true,
    // Nor may whichever tsconfig.json esbuild would find (its "strict" adds "use strict" lines).
    tsconfigRaw: {},
    // ajv's deep equal (for uniqueItems on objects and arrays) throws on {"toString": null}; ours does not.
    alias: { 'ajv/dist/runtime/equal': './src/json-equal.ts' },
  });
  const output = result.outputFiles[0];
  if (output === undefined || result.outputFiles.length !== 1) throw new Error('esbuild produced no single validator module');
  return output.text;
}
