/** `npm run retire -- <version>`: servers refuse the version from now on. */
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { loadRegistry } from '../contract/registry.js';
import { LIFECYCLE_HELP, applyRegistryChange, dayOption, parseVersion, requireRecord, today, withRecord } from '../governance/lifecycle.js';

export const retireCommand: Command = {
  name: 'retire',
  summary: 'retire a deprecated version after its sunset: servers refuse it as an unsupported version',
  usage: 'npm run retire -- <version> [--date YYYY-MM-DD]',
  options: {
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'the day of the retirement (default: today, UTC); not before the sunset' },
  },
  details: [
    'A retired version stays in the registry with all its artifacts, so stored reports of it can still be',
    'validated and read; `ingest` answers new reports of it `422 unsupported-version`, listing the versions',
    'it accepts, and uploaders fall back to one of them by projection where the contract allows.',
    '',
    ...LIFECYCLE_HELP,
  ],
  async run({ positionals, options, root, io, colors }) {
    const version = parseVersion(positionals, 'npm run retire -- 1');
    const registry = await loadRegistry(root);
    const record = requireRecord(registry, version);
    if (record.status === 'retired') throw new UsageError(`v${version} is already retired`);
    if (record.status !== 'deprecated') {
      throw new UsageError(`v${version} is ${record.status}; deprecate it first with a sunset day (\`npm run deprecate -- ${version} --sunset YYYY-MM-DD\`), so uploaders are told before they are refused`);
    }
    const day = dayOption(options['date'], 'date', today());
    if (record.sunset !== undefined && day < record.sunset) throw new UsageError(`v${version}'s sunset is ${record.sunset}; servers promised to accept it until then, so it can be retired from that day on`);
    await applyRegistryChange(root, withRecord(registry, version, (entry) => ({ ...entry, status: 'retired', retired: day })), registry.currentVersion);
    io.out(colors.green(`retire: v${version} is retired as of ${day}; servers refuse it from now on\n`) + 'next: commit schema/, generated/ and docs/ together\n');
    return EXIT_OK;
  },
};
