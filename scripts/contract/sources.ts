/**
 * The files a contract is written in: its own source and every file of the
 * checkout it imports, with their text. A finding about a value (a review
 * date, say) names the file that holds it, which is often not the version's
 * own file: the headers live in schema/headers.ts, a later version takes
 * most of its fields from the one before.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface SourceFile {
  /** Repo-relative, with `/`. */
  readonly path: string;
  readonly text: string;
}

/** `file` first, then every file of the checkout it imports (packages left out), in import order. */
export async function sourceFiles(root: string, file: string): Promise<SourceFile[]> {
  const result = await build({
    entryPoints: [join(root, file)],
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    tsconfigRaw: {},
  });
  const paths = Object.keys(result.metafile.inputs).map((path) => path.split('\\').join('/'));
  const ordered = [file, ...paths.filter((path) => path !== file && !path.startsWith('node_modules/'))];
  return Promise.all(ordered.map(async (path) => ({ path, text: await readFile(join(root, path), 'utf8') })));
}
