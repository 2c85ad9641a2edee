/** The repo's command-line entry: `npm run <command> -- [options]`, bundled and run by scripts/run.mjs. */
import { COMMANDS } from '../commands/index.js';
import { EXIT_ERROR, runCommand } from './command.js';

const [name, ...args] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(`usage: node scripts/run.mjs <${Object.keys(COMMANDS).join('|')}> [--help], or npm run <command> -- [--help]\n`);
  process.exitCode = EXIT_ERROR;
} else {
  process.exitCode = await runCommand(command, args);
}
