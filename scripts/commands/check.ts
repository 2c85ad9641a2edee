/**
 * `npm run check`: everything CI enforces about the contract. The contract
 * lint (inside the build) and the drift between schema/ and every generated
 * file and generated doc part.
 */
import { type Command, EXIT_OK } from '../lib/command.js';
import { checkDrift } from '../lib/drift.js';
import { FindingsError } from '../lib/findings.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'fail when a generated file or doc part drifts from schema/, or the contract breaks a lint rule',
  usage: 'npm run check [-- --format json|github]',
  options: {},
  formats: ['text', 'json', 'github'],
  details: ['Fix drift with `npm run generate`, then commit the result.'],
  async run({ root, io, colors, format }) {
    const { findings, compared } = await checkDrift(root);
    if (findings.length > 0) throw new FindingsError(findings);
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, findings: [] }, null, 2)}\n`);
    else if (format === 'text') io.out(colors.green(`check: ${compared} generated files and doc parts match schema/\n`));
    return EXIT_OK;
  },
};
