/** `npm run release -- <version>`: freezes a reviewed draft, and makes it current when it is the newest. */
import { type Command, EXIT_OK } from '../cli/command.js';
import { checkDrift } from '../cli/drift.js';
import { FindingsError } from '../cli/findings.js';
import { wireHash } from '../contract/wire-view.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from '../governance/privacy-content.js';
import { publishedHashes } from '../governance/frozen.js';
import { LIFECYCLE_HELP, applyRegistryChange, dayOption, parseVersion, requireRecord, today, withRecord } from '../governance/lifecycle.js';
import { RELEASES_FILE, formatReleases } from '../governance/releases.js';
import { approvalFindings } from '../governance/review-check.js';

export const releaseCommand: Command = {
  name: 'release',
  summary: `freeze a draft version: record the hashes of its content and of every artifact it publishes in ${RELEASES_FILE}`,
  usage: 'npm run release -- <version> [--date YYYY-MM-DD]',
  options: {
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'day of the release (default: today, UTC)' },
  },
  details: [
    'Releasing needs a clean state: every generated file current, the lint passing, and an approval of',
    'exactly this content recorded (`npm run review`; a review recorded with --pending does not count).',
    'After a release, any change to what the version validates, or to an artifact it published (its JSON',
    'Schema, validators, conformance and wire vectors, storage migration, its section of the audit',
    'document), fails `npm run check`: such changes go into a new version (`npm run draft`). Privacy records',
    '(purpose, legal basis and note, proportionality, category, retention, owner, reviewBy, exceptions) and',
    'the not-collected list stay amendable: edit them, and an approval (`npm run review`) records the',
    'amendment in schema/released.lock. A released version newer than the current one becomes current: the',
    'version new installations are told to name. Installations already sending an older one keep sending it',
    'until their own code names another. package.json exports the version\'s JSON Schema as',
    'schemas/v<N>.json from its draft on; the release keeps it.',
    '',
    ...LIFECYCLE_HELP,
  ],
  async run({ positionals, options, root, io, colors }) {
    const version = parseVersion(positionals, 'npm run release -- 2');
    const { findings: drift, registry, build } = await checkDrift(root);
    const record = requireRecord(registry, version);
    const schema = toJsonSchema(record.contract);
    const hash = wireHash(schema);
    const frozen = registry.released.get(version);
    if (frozen !== undefined) {
      if (frozen.contentHash !== hash) {
        throw new FindingsError([
          {
            where: record.contract.source,
            what: `v${version} was released validating other content (${frozen.contentHash.slice(0, 19)}…); a release cannot be redone`,
            rule: 'released-changed',
            fix: 'undo the change, and make it in a new version (`npm run draft`)',
            severity: 'error',
          },
        ]);
      }
      io.out(`release: v${version} is already released with this content (${record.status})\n`);
      return EXIT_OK;
    }
    const blockers = [...drift, ...approvalFindings(registry, registry.reviews, version)];
    if (blockers.length > 0) throw new FindingsError(blockers);

    const day = dayOption(options['date'], 'date', today());
    const releases = new Map(registry.released);
    releases.set(version, { contentHash: hash, artifacts: publishedHashes(build, version), privacyHash: privacyHash(schema, registry.processingRecord), amendments: [] });
    const newest = version > registry.currentVersion;
    const currentVersion = newest ? version : registry.currentVersion;
    await applyRegistryChange(root, withRecord(registry, version, (entry) => ({ version: entry.version, status: 'released', released: day })), currentVersion, new Map([[RELEASES_FILE, formatReleases(releases)]]));
    io.out(
      colors.green(`release: v${version} frozen as ${hash.slice(0, 19)}… in ${RELEASES_FILE}, with ${releases.get(version)!.artifacts.size} published artifacts\n`) +
        (newest ? `v${version} is now the current version: the one new installations name. Installations that name an older one keep sending it until their code changes.\n` : '') +
        'next: commit schema/, generated/ and docs/ together\n',
    );
    return EXIT_OK;
  },
};
