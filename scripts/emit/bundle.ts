/**
 * Generated JavaScript → one self-contained ES module. The generators write
 * code that imports its helpers from src/ (format checks, deep equality) and
 * from ajv's runtime; esbuild inlines them here, so a committed validator
 * imports nothing and never calls `new Function` or `eval`.
 */
import { build } from 'esbuild';

/** `root` is the checkout whose src/ helpers get inlined; `header` becomes the first line's comment. */
export async function bundleModule(code: string, header: string, root: string, sourcefile: string): Promise<string> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, sourcefile, loader: 'js' },
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
    alias: { 'ajv/dist/runtime/equal': './src/contract/json-equal.ts' },
  });
  const output = result.outputFiles[0];
  if (output === undefined || result.outputFiles.length !== 1) throw new Error(`esbuild produced no single module for ${sourcefile}`);
  return output.text;
}
