/**
 * Imports a TypeScript module of a checkout as it is on disk now: bundled
 * with esbuild (its relative imports inlined, packages external) and loaded
 * from a data: URL, so no module cache ever hands back an older version.
 * `virtual` serves files that exist only in memory: generated/ as the build
 * is about to write it, so code that imports it never reads the committed one.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';

const LOADERS = { '.ts': 'ts', '.js': 'js', '.json': 'json' } as const;

/** Resolves imports into `dir` (repo-relative) from `files` (repo-relative path → text) instead of the disk. */
function virtualFolder(root: string, dir: string, files: ReadonlyMap<string, string>): Plugin {
  const folder = resolve(root, dir);
  return {
    name: `virtual-${dir}`,
    setup(setup) {
      setup.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith('.') || args.resolveDir === '') return undefined;
        const absolute = resolve(args.resolveDir, args.path);
        if (absolute !== folder && !absolute.startsWith(folder + sep)) return undefined;
        const path = relative(root, absolute).split(sep).join('/');
        const found = [path, path.replace(/\.js$/, '.ts')].find((candidate) => files.has(candidate));
        if (found === undefined) return { errors: [{ text: `${path} is imported but not generated` }] };
        return { path: found, namespace: 'virtual' };
      });
      setup.onLoad({ filter: /.*/, namespace: 'virtual' }, (args) => {
        const extension = /\.[a-z]+$/.exec(args.path)?.[0] as keyof typeof LOADERS | undefined;
        return { contents: files.get(args.path)!, loader: extension ? LOADERS[extension] : 'js', resolveDir: dirname(join(root, args.path)) };
      });
    },
  };
}

export interface ImportOptions {
  /** Module source to bundle instead of a file: its imports resolve from the root. */
  readonly contents?: string;
  /** Files of one folder served from memory: `{ dir: 'generated', files }`. */
  readonly virtual?: { readonly dir: string; readonly files: ReadonlyMap<string, string> };
}

/** Bundles `file` (or `options.contents`) of the checkout at `root` and imports the result. Throws an Error with one line saying what failed. */
export async function importBundle(root: string, file: string, options: ImportOptions = {}): Promise<Record<string, unknown>> {
  let code: string;
  try {
    const result = await build({
      ...(options.contents === undefined ? { entryPoints: [join(root, file)] } : { stdin: { contents: options.contents, resolveDir: root, sourcefile: file, loader: 'ts' } }),
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      tsconfigRaw: {},
      plugins: options.virtual ? [virtualFolder(root, options.virtual.dir, options.virtual.files)] : [],
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0];
    throw new Error(`cannot be bundled: ${first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : (error as Error).message}`);
  }
  try {
    return (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`fails when loaded: ${(error as Error).message.split('\n')[0]}`);
  }
}
