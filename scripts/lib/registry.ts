/** Loads the contract registry (schema/index.ts) of a repository checkout. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Registry } from './artifacts.js';
import { FindingsError } from './findings.js';

export async function loadRegistry(root: string): Promise<Registry> {
  const file = join(root, 'schema', 'index.ts');
  let module: Partial<Registry>;
  try {
    module = (await import(pathToFileURL(file).href)) as Partial<Registry>;
  } catch (error) {
    throw new FindingsError([
      {
        where: 'schema/index.ts',
        what: `cannot be loaded: ${(error as Error).message.split('\n')[0]}`,
        rule: 'contract-load',
        fix: 'run npm run typecheck to see the error in context',
        severity: 'error',
      },
    ]);
  }
  const { contracts, currentVersion, processingRecord } = module;
  if (!Array.isArray(contracts) || typeof currentVersion !== 'number' || typeof processingRecord !== 'object') {
    throw new FindingsError([
      { where: 'schema/index.ts', what: 'must export `contracts` (an array), `currentVersion` (a number) and `processingRecord` (an object)', rule: 'contract-load', severity: 'error' },
    ]);
  }
  if (!contracts.some((c) => c.version === currentVersion)) {
    throw new FindingsError([
      { where: 'schema/index.ts', what: `currentVersion ${currentVersion} is not one of the contracts' versions`, rule: 'contract-load', severity: 'error' },
    ]);
  }
  return { contracts, currentVersion, processingRecord };
}
