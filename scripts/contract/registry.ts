/**
 * Loads the contract registry (schema/index.ts) of a checkout. The registry
 * is bundled afresh on every call and imported from a data: URL, so a long
 * process (a test run, a watcher) always sees the files as they are now;
 * a plain import() would return the module cached at the first load.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Registry } from '../emit/artifacts.js';
import { FindingsError } from '../cli/findings.js';
import { readReleases } from '../governance/releases.js';
import { readReviews } from '../governance/reviews.js';

function loadError(what: string): FindingsError {
  return new FindingsError([{ where: 'schema/index.ts', what, rule: 'contract-load', fix: 'run `npm run typecheck` to see the error in context', severity: 'error' }]);
}

async function importFresh(root: string, file: string): Promise<Record<string, unknown>> {
  let code: string;
  try {
    const result = await build({
      entryPoints: [join(root, file)],
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      tsconfigRaw: {},
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors?.[0];
    throw loadError(`cannot be bundled: ${first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : (error as Error).message}`);
  }
  try {
    return (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } catch (error) {
    throw loadError(`fails when loaded: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function loadRegistry(root: string): Promise<Registry> {
  const module = (await importFresh(root, 'schema/index.ts')) as Partial<Registry>;
  const { contracts, currentVersion, processingRecord } = module;
  if (!Array.isArray(contracts) || typeof currentVersion !== 'number') {
    throw new FindingsError([
      { where: 'schema/index.ts', what: 'must export `contracts` (an array) and `currentVersion` (a number)', rule: 'contract-load', severity: 'error' },
    ]);
  }
  if (!contracts.some((c) => c.version === currentVersion)) {
    throw new FindingsError([
      { where: 'schema/index.ts', what: `currentVersion ${currentVersion} is not one of the contracts' versions`, rule: 'contract-load', severity: 'error' },
    ]);
  }
  const released = await readReleases(root);
  const reviews = await readReviews(root);
  // Older checkouts (a diff base) may predate the processing record; only generating needs it.
  return processingRecord === undefined ? { contracts, currentVersion, released, reviews } : { contracts, currentVersion, processingRecord, released, reviews };
}
