/** The repo's command-line entry: `tsx scripts/cli.ts <command> [options]`, wired to npm scripts. */
import { checkCommand } from './commands/check.js';
import { diffCommand } from './commands/diff.js';
import { generateCommand } from './commands/generate.js';
import { releaseCommand } from './commands/release.js';
import { type Command, EXIT_ERROR, runCommand } from './lib/command.js';

export const COMMANDS: Readonly<Record<string, Command>> = {
  generate: generateCommand,
  check: checkCommand,
  diff: diffCommand,
  release: releaseCommand,
};

const [name, ...args] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(`usage: tsx scripts/cli.ts <${Object.keys(COMMANDS).join('|')}> [--help]\n`);
  process.exitCode = EXIT_ERROR;
} else {
  process.exitCode = await runCommand(command, args);
}
