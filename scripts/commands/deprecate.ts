/** `npm run deprecate -- <version> --sunset <YYYY-MM-DD>`: servers keep accepting the version, and announce when they stop. */
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { loadRegistry } from '../contract/registry.js';
import { LIFECYCLE_HELP, applyRegistryChange, dayOption, parseVersion, requireRecord, today, withRecord } from '../governance/lifecycle.js';

export const deprecateCommand: Command = {
  name: 'deprecate',
  summary: 'mark a released version deprecated, with the day after which servers may stop accepting it',
  usage: 'npm run deprecate -- <version> --sunset YYYY-MM-DD [--date YYYY-MM-DD]',
  options: {
    sunset: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'the day after which the version may be retired (the Sunset header, RFC 8594)' },
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'the day of the deprecation (the Deprecation header, RFC 9745; default: today, UTC)' },
  },
  details: [
    'Servers built with this package go on accepting a deprecated version, and answer each of its',
    'reports with `Deprecation` and `Sunset` headers; `sendTelemetry` shows them in its result and in the',
    'transmission log, so operators learn to upgrade before the sunset. The current version cannot be',
    'deprecated: release a newer one first.',
    '',
    ...LIFECYCLE_HELP,
  ],
  async run({ positionals, options, root, io, colors }) {
    const version = parseVersion(positionals, 'npm run deprecate -- 1 --sunset 2027-06-30');
    const registry = await loadRegistry(root);
    const record = requireRecord(registry, version);
    if (record.status !== 'released') {
      throw new UsageError(record.status === 'draft' ? `v${version} is a draft: nothing promised it to anyone; change it or remove it instead` : `v${version} is already ${record.status}`);
    }
    if (version === registry.currentVersion) throw new UsageError(`v${version} is the current version, which uploaders send by default; release a newer version first`);
    if (options['sunset'] === undefined) throw new UsageError('--sunset is required: the day after which servers may stop accepting the version');
    const day = dayOption(options['date'], 'date', today());
    const sunset = dayOption(options['sunset'], 'sunset');
    if (sunset <= day) throw new UsageError(`--sunset ${sunset} must come after the deprecation day ${day}, so uploaders have time to move`);
    await applyRegistryChange(root, withRecord(registry, version, (entry) => ({ ...entry, status: 'deprecated', deprecated: day, sunset })), registry.currentVersion);
    io.out(colors.green(`deprecate: v${version} is deprecated as of ${day}; servers announce its sunset on ${sunset}\n`) + 'next: commit schema/, generated/ and docs/ together; retire it after the sunset with `npm run retire`\n');
    return EXIT_OK;
  },
};
