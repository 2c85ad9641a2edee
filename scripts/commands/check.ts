/**
 * `npm run check`: everything CI enforces about the contract. Always: the
 * contract lint (inside the build), drift between schema/ and every generated
 * file and doc part, what keeps each promise of the audit document (its
 * keepers and tests exist), frozen released versions, and a privacy review
 * that matches each version's privacy content. With --base: the changelog
 * rule for same-PR amendments.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { CHANGELOG, amendmentFindings } from '../governance/changelog.js';
import { type Command, EXIT_OK, renderFindings } from '../cli/command.js';
import { loadBaseState, loadState, readAtBase } from '../contract/contract-state.js';
import { checkDrift } from '../cli/drift.js';
import { type Finding, FindingsError } from '../cli/findings.js';
import { checkFrozen } from '../governance/frozen.js';
import { checkPromises } from '../governance/promises-check.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { lifecycleFindings } from '../governance/lifecycle.js';
import { reviewFindings } from '../governance/review-check.js';
import { diffContracts } from '../governance/semantic-diff.js';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'fail on drift from schema/, a lint finding, a changed released version, unreviewed privacy content, or (with --base) a missing changelog entry',
  usage: 'npm run check [-- --base <git-ref|dir>] [--format json|github]',
  options: {
    base: { type: 'string', placeholder: 'ref', description: 'also require a changelog entry for contract changes since this git ref or directory' },
  },
  formats: ['text', 'json', 'github'],
  details: ['Fix drift with `npm run generate`, then commit the result.'],
  async run({ options, root, io, colors, format }) {
    const { findings: drift, compared, warnings, registry, build } = await checkDrift(root);
    // Every promise of the audit document names what keeps it, and what it names exists.
    const promises = checkPromises(root, registry, new Map(registry.contracts.map((contract) => [contract.version, toJsonSchema(contract)])));
    const allWarnings = [...warnings, ...promises.warnings];
    if (allWarnings.length > 0) io.err(renderFindings(allWarnings, format, colors));
    const findings: Finding[] = [...drift, ...promises.errors, ...lifecycleFindings(registry), ...(await checkFrozen(root, registry, build)), ...reviewFindings(registry, registry.reviews)];
    const base = options['base'];
    if (typeof base === 'string') {
      const changes = diffContracts(await loadBaseState(root, base), await loadState(root));
      findings.push(...amendmentFindings(changes, base, await readAtBase(root, base, CHANGELOG), await readOptional(join(root, CHANGELOG))));
    }
    if (findings.length > 0) throw new FindingsError(findings);
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, findings: [] }, null, 2)}\n`);
    else if (format === 'text') {
      io.out(colors.green(`check: ${compared} generated files and doc parts match schema/${typeof base === 'string' ? `; changelog covers the changes since ${base}` : ''}\n`));
    }
    return EXIT_OK;
  },
};
