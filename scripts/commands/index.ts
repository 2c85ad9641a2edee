/** Every repo command by name: the table scripts/cli/main.ts dispatches on and the tests walk. */
import type { Command } from '../cli/command.js';
import { checkCommand } from './check.js';
import { deprecateCommand } from './deprecate.js';
import { diffCommand } from './diff.js';
import { draftCommand } from './draft.js';
import { generateCommand } from './generate.js';
import { lintCommand } from './lint.js';
import { releaseCommand } from './release.js';
import { retireCommand } from './retire.js';
import { reviewCommand } from './review.js';
import { versionsCommand } from './versions.js';

export const COMMANDS: Readonly<Record<string, Command>> = {
  generate: generateCommand,
  check: checkCommand,
  diff: diffCommand,
  lint: lintCommand,
  review: reviewCommand,
  versions: versionsCommand,
  draft: draftCommand,
  release: releaseCommand,
  deprecate: deprecateCommand,
  retire: retireCommand,
};
