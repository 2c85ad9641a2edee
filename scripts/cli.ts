/** The repo's command-line entry: `tsx scripts/cli.ts <command> [options]`, wired to npm scripts. */
import { COMMANDS } from './commands/index.js';
import { EXIT_ERROR, runCommand } from './lib/command.js';

const [name, ...args] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(`usage: tsx scripts/cli.ts <${Object.keys(COMMANDS).join('|')}> [--help]\n`);
  process.exitCode = EXIT_ERROR;
} else {
  process.exitCode = await runCommand(command, args);
}
