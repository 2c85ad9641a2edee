/** `npm run versions`: every schema version with its place in the life of a version. */
import { type Command, EXIT_OK } from '../cli/command.js';
import { loadRegistry } from '../contract/registry.js';
import { LIFECYCLE_HELP } from '../governance/lifecycle.js';

export const versionsCommand: Command = {
  name: 'versions',
  summary: 'list every schema version: its status, its dates, and which one is current',
  usage: 'npm run versions [-- --format text|json]',
  options: {},
  formats: ['text', 'json'],
  details: LIFECYCLE_HELP.slice(0, -1),
  async run({ root, io, format }) {
    const registry = await loadRegistry(root);
    const rows = registry.versions.map(({ contract, ...record }) => ({
      version: contract.version,
      current: contract.version === registry.currentVersion,
      ...record,
      amendments: (registry.released.get(contract.version)?.amendments ?? []).map(({ date, link, what }) => ({ date, link, what })),
    }));
    if (format === 'json') {
      io.out(`${JSON.stringify({ currentVersion: registry.currentVersion, versions: rows }, null, 2)}\n`);
      return EXIT_OK;
    }
    for (const row of [...rows].reverse()) {
      const dates = (['released', 'deprecated', 'sunset', 'retired'] as const).filter((key) => row[key] !== undefined).map((key) => `${key} ${row[key]}`);
      const last = row.amendments[row.amendments.length - 1];
      if (last !== undefined) dates.push(`${row.amendments.length} amendment${row.amendments.length === 1 ? '' : 's'}, the last ${last.date}`);
      io.out(`v${row.version}  ${row.status.padEnd(10)}  ${(row.current ? 'current' : '').padEnd(7)}  ${dates.join(', ')}`.trimEnd() + '\n');
    }
    return EXIT_OK;
  },
};
