/**
 * `npm run check`: everything CI enforces about the contract. Today: the
 * contract lint and the drift between schema/ and every generated file.
 */
import { type Command, EXIT_OK } from '../lib/command.js';
import { generateCommand } from './generate.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'fail when a generated file or doc part drifts from schema/, or the contract breaks a lint rule',
  usage: 'npm run check [-- --format json|github]',
  options: {},
  formats: ['text', 'json', 'github'],
  details: ['Fix drift with `npm run generate`, then commit the result.'],
  async run(context) {
    const code = await generateCommand.run({ ...context, options: { ...context.options, check: true } });
    return code === EXIT_OK ? EXIT_OK : code;
  },
};
