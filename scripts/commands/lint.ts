/** `npm run lint:contract`: the privacy lint on every version, on its own (check and generate run it too). */
import { type Command, EXIT_OK, renderFindings } from '../cli/command.js';
import { FindingsError } from '../cli/findings.js';
import { loadRegistry } from '../contract/registry.js';
import { lintAll, ruleSummaries } from '../lint/index.js';
import { lintSubjects } from '../lint/subjects.js';
import { TODAY_HELP } from '../lint/types.js';

export const lintCommand: Command = {
  name: 'lint',
  summary: 'refuse a contract that would not pass a data-minimization review',
  usage: 'npm run lint:contract [-- --format text|json|github|markdown]',
  options: {},
  formats: ['text', 'json', 'github', 'markdown'],
  details: [
    'Rules:',
    ...ruleSummaries().map(([id, summary]) => `  ${id.padEnd(19)} ${summary}`),
    'A field can be exempted from personal-data-name, personal-default, closed-object and the bounded-*',
    'rules only in its privacy record: exceptions: [{ rule, justification }]. The audit document lists',
    'every exception.',
    '',
    ...TODAY_HELP,
  ],
  async run({ root, io, colors, format }) {
    const registry = await loadRegistry(root);
    const findings = lintAll(lintSubjects(registry));
    const errors = findings.filter((f) => f.severity === 'error');
    const warnings = findings.filter((f) => f.severity === 'warning');
    if (errors.length > 0) throw new FindingsError(findings);
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, findings: warnings }, null, 2)}\n`);
    else {
      if (warnings.length > 0) io.err(renderFindings(warnings, format, colors));
      if (format === 'text') io.out(colors.green(`lint: ${registry.contracts.length} contract version${registry.contracts.length === 1 ? '' : 's'}${registry.probe ? ' and the connection test' : ''} pass ${ruleSummaries().length} rules\n`));
    }
    return EXIT_OK;
  },
};
