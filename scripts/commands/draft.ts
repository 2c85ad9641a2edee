/** `npm run draft -- <version>`: the next schema version, scaffolded from the newest, registered as a draft and generated. */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { REGISTRY_FILE, loadRegistry, versionRecord } from '../contract/registry.js';
import { registryEntries } from '../contract/registry-file.js';
import { LIFECYCLE_HELP, applyRegistryChange, parseVersion, uncommittedChanges } from '../governance/lifecycle.js';
import { approvalFindings, reviewFindings } from '../governance/review-check.js';
import { approveCommand } from '../governance/reviews.js';

/**
 * schema/v<to>.ts from the text of schema/v<from>.ts: the version number, the
 * exported names and the source path renamed, every field and record kept.
 */
export function scaffold(source: string, from: number, to: number): string {
  return source
    .replace(new RegExp(`\\bTelemetryV${from}\\b`, 'g'), `TelemetryV${to}`)
    .replace(new RegExp(`\\bVersion\\(${from},`, 'g'), `Version(${to},`)
    .replace(new RegExp(`\\bexport const v${from} = defineContract\\(`, 'g'), `export const v${to} = defineContract(`)
    .replace(new RegExp(`\\bversion: ${from},`, 'g'), `version: ${to},`)
    .replace(new RegExp(`'schema/v${from}\\.ts'`, 'g'), `'schema/v${to}.ts'`)
    .replace(new RegExp(`\\bSchema v${from}\\b`, 'g'), `Schema v${to}`);
}

export const draftCommand: Command = {
  name: 'draft',
  summary: 'start the next schema version: copy the newest to schema/v<N>.ts, register it as a draft, generate',
  usage: 'npm run draft -- <version>',
  options: {},
  details: [
    'The new version starts as a copy of the newest one, so every field keeps its privacy record; change',
    `it in schema/v<N>.ts, then \`npm run generate\`. ${REGISTRY_FILE} is updated for you. Needs a clean`,
    'working tree, so the draft is a change of its own, and a released newest version: a draft that is',
    'not released yet is changed in place instead.',
    '',
    'What a new version still needs before it is released, and what `npm run check` asks for:',
    '  an approval of its privacy content    npm run review -- <N> --reviewer "<name>" --role "<role>" --link <ticket>',
    '  a changelog entry naming new data     docs/CHANGELOG.md (checked by npm run check -- --base <ref>)',
    '  the release itself                    npm run release -- <N>',
    '',
    ...LIFECYCLE_HELP,
  ],
  async run({ positionals, root, io, colors }) {
    const version = parseVersion(positionals, 'npm run draft -- 2');
    const registry = await loadRegistry(root);
    const newest = registry.versions[registry.versions.length - 1]!;
    const existing = versionRecord(registry, version);
    if (existing !== undefined) throw new UsageError(`v${version} already exists (${existing.status}); the next version is v${newest.contract.version + 1}`);
    if (version !== newest.contract.version + 1) throw new UsageError(`the next version is v${newest.contract.version + 1}, not v${version}: versions are numbered without gaps`);
    if (newest.status === 'draft') {
      const n = newest.contract.version;
      const approved = approvalFindings(registry, registry.reviews, n).length === 0;
      throw new UsageError(
        `v${n} is still a draft: change it in place, or release it first${approved ? ` (\`npm run release -- ${n}\`)` : ` (its privacy content is not approved yet: \`${approveCommand(n)}\` once a privacy reviewer has approved it, then \`npm run release -- ${n}\`)`}, then draft v${version}`,
      );
    }
    // The new version starts from the newest one's approved privacy content, so its review shows only what it adds.
    if (reviewFindings(registry, registry.reviews).some((f) => f.where === newest.contract.source)) {
      throw new UsageError(`v${newest.contract.version}'s privacy content has changes no review approved (\`npm run check\` shows them): review them first (\`npm run review -- ${newest.contract.version}\`), or undo them, so v${version} starts from approved content`);
    }
    const file = `schema/v${version}.ts`;
    if (existsSync(join(root, file))) throw new UsageError(`${file} already exists but is not registered; remove it, or move it aside, and run draft again`);
    const dirty = uncommittedChanges(root);
    if (dirty !== undefined && dirty.length > 0) {
      throw new UsageError(`the working tree has uncommitted changes (${dirty.slice(0, 3).map((line) => line.slice(3)).join(', ')}${dirty.length > 3 ? ', …' : ''}); commit or stash them first, so the draft is a change of its own`);
    }
    const from = newest.contract.source;
    const text = scaffold(await readFile(join(root, from), 'utf8'), newest.contract.version, version);
    const entries = [...registryEntries(registry.versions), { version, status: 'draft' as const }];
    const { written } = await applyRegistryChange(root, entries, registry.currentVersion, new Map([[file, text]]));
    io.out(
      [
        colors.green(`draft: ${file} created from ${from} and registered as a draft; ${written.length} generated files written`),
        '',
        'What the change still needs:',
        `  1. edit ${file}: add, change or remove fields, each with its privacy record; then \`npm run generate\``,
        `  2. a privacy reviewer's approval:   ${approveCommand(version)}`,
        '  3. an entry in docs/CHANGELOG.md naming every new or changed field',
        `  4. \`npm run check\` passes; then release: npm run release -- ${version}`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
};
