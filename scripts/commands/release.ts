/** `npm run release -- <version>`: freezes a schema version by recording its content hash. */
import { contentHash } from '../contract/canonical.js';
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { checkDrift } from '../cli/drift.js';
import { FindingsError } from '../cli/findings.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { RELEASES_FILE, readReleases, writeReleases } from '../governance/releases.js';
import { loadRegistry } from '../contract/registry.js';

export const releaseCommand: Command = {
  name: 'release',
  summary: `freeze a schema version: record the hash of its content in ${RELEASES_FILE}`,
  usage: 'npm run release -- <version>',
  options: {},
  details: [
    'After a release, any change to that version fails `npm run check`: changes go into a new version.',
    'Releasing needs a clean tree: the contract passes the lint and every generated file is current.',
  ],
  async run({ positionals, root, io, colors }) {
    const [raw, ...extra] = positionals;
    const version = Number(raw?.replace(/^v/, ''));
    if (raw === undefined || extra.length > 0 || !Number.isSafeInteger(version) || version < 1) {
      throw new UsageError('give one schema version to release, like `npm run release -- 1`');
    }
    const registry = await loadRegistry(root);
    const contract = registry.contracts.find((c) => c.version === version);
    if (contract === undefined) throw new UsageError(`v${version} is not in schema/index.ts; known: ${registry.contracts.map((c) => `v${c.version}`).join(', ')}`);
    const { findings } = await checkDrift(root);
    if (findings.length > 0) throw new FindingsError(findings);
    const hash = contentHash(toJsonSchema(contract));
    const releases = await readReleases(root);
    const recorded = releases.get(version);
    if (recorded === hash) {
      io.out(`release: v${version} is already released with this content\n`);
      return EXIT_OK;
    }
    if (recorded !== undefined) {
      throw new FindingsError([
        {
          where: contract.source,
          what: `v${version} was released with other content (${recorded.slice(0, 19)}…); a release cannot be redone`,
          rule: 'released-changed',
          fix: 'undo the change, and make it in a new version',
          severity: 'error',
        },
      ]);
    }
    releases.set(version, hash);
    await writeReleases(root, releases);
    io.out(colors.green(`release: v${version} frozen as ${hash} in ${RELEASES_FILE}\n`));
    return EXIT_OK;
  },
};
