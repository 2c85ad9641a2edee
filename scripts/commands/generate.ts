/** `npm run generate`: writes every artifact and generated doc part from schema/, or with --check compares. */
import { buildArtifacts } from '../emit/artifacts.js';
import { type Command, EXIT_OK, renderFindings } from '../cli/command.js';
import { checkDrift } from '../cli/drift.js';
import { type Finding, FindingsError } from '../cli/findings.js';
import { writeArtifacts } from '../cli/output.js';
import { loadRegistry } from '../contract/registry.js';
import { TODAY_HELP } from '../lint/types.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write every generated artifact and generated doc part from schema/',
  usage: 'npm run generate [-- --check]',
  options: {
    check: { type: 'boolean', description: 'compare with the files on disk instead of writing; exit 1 on any difference' },
  },
  formats: ['text', 'json', 'github'],
  details: [
    'Nothing is written unless every artifact was generated: a contract that fails the lint, or a',
    'document with a broken marker, leaves the tree as it was. Files are written to a temporary',
    'folder first and renamed into place. Besides generated/ and the generated parts of',
    'docs/telemetry.md, it keeps package.json\'s schemas/v<N>.json exports in step with the versions.',
    '',
    ...TODAY_HELP,
  ],
  async run({ options, root, io, colors, format }) {
    if (options['check'] === true) {
      const { findings, compared, warnings } = await checkDrift(root);
      if (warnings.length > 0) io.err(renderFindings(warnings, format, colors));
      if (findings.length > 0) throw new FindingsError(findings);
      if (format === 'json') io.out(`${JSON.stringify({ ok: true, findings: [] }, null, 2)}\n`);
      else if (format === 'text') io.out(colors.green(`generate --check: ${compared} generated files match schema/\n`));
      return EXIT_OK;
    }
    const repairs: Finding[] = [];
    const { files } = await buildArtifacts(await loadRegistry(root), root, {
      onRepair: (finding) => repairs.push({ ...finding, severity: 'warning' }),
      onWarning: (finding) => repairs.push(finding),
    });
    const { written, removed } = await writeArtifacts(root, files);
    const unchanged = files.size - written.length;
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, written, removed, repaired: repairs }, null, 2)}\n`);
    else {
      if (repairs.length > 0) io.err(renderFindings(repairs, format, colors));
      if (format === 'text') io.out(colors.green(`generate: ${written.length} written, ${removed.length} removed, ${unchanged} unchanged\n`));
    }
    return EXIT_OK;
  },
};
