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
import { TODAY_HELP } from '../lint/types.js';
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
  details: [
    'What it checks, each finding with its fix:',
    '  the privacy lint (npm run lint:contract --help lists the rules, review-by among them)',
    '  drift: generated/, the generated parts of docs/telemetry.md and package.json\'s schemas/v<N>.json',
    '    exports match what `npm run generate` writes (fix: run it, and commit the result)',
    '  released versions: what each validates and every artifact it published is as frozen',
    '  reviews: each version\'s privacy content has a recorded review (a draft\'s may be pending),',
    '    a released version\'s an approval (npm run review)',
    '  with --base: a docs/CHANGELOG.md entry naming every privacy-relevant change since <ref>',
    '',
    ...TODAY_HELP,
  ],
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
