/** `npm run generate`: writes every artifact from schema/, or with --check compares. */
import { buildArtifacts } from '../lib/artifacts.js';
import { type Command, EXIT_OK } from '../lib/command.js';
import { driftFindings } from '../lib/drift.js';
import { FindingsError } from '../lib/findings.js';
import { findDrift, writeArtifacts } from '../lib/output.js';
import { loadRegistry } from '../lib/registry.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write every generated artifact and generated doc part from schema/',
  usage: 'npm run generate [-- --check]',
  options: {
    check: { type: 'boolean', description: 'compare with the files on disk instead of writing; exit 1 on any difference' },
  },
  formats: ['text', 'json', 'github'],
  details: ['Nothing is written unless every artifact was generated: a contract that fails the lint leaves the tree as it was.'],
  async run({ options, root, io, colors, format }) {
    const artifacts = await buildArtifacts(await loadRegistry(root), root);
    if (options['check'] === true) {
      const drift = await findDrift(root, artifacts);
      if (drift.length > 0) throw new FindingsError(driftFindings(drift));
      if (format === 'json') io.out(`${JSON.stringify({ ok: true, findings: [] }, null, 2)}\n`);
      else if (format === 'text') io.out(colors.green(`generate --check: ${artifacts.size} generated files match schema/\n`));
      return EXIT_OK;
    }
    const { written, removed } = await writeArtifacts(root, artifacts);
    const unchanged = artifacts.size - written.length;
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, written, removed }, null, 2)}\n`);
    else if (format === 'text') io.out(colors.green(`generate: ${written.length} written, ${removed.length} removed, ${unchanged} unchanged\n`));
    return EXIT_OK;
  },
};

