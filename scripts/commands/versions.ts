/** `npm run versions`: every schema version with its place in the life of a version. */
import { type Command, EXIT_OK } from '../cli/command.js';
import { loadRegistry } from '../contract/registry.js';
import { LIFECYCLE_HELP } from '../governance/lifecycle.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from '../governance/privacy-content.js';
import { reviewerWords, reviewsOf } from '../governance/reviews.js';

export const versionsCommand: Command = {
  name: 'versions',
  summary: 'list every schema version: its status, its dates, which one is current, and who approved its privacy content',
  usage: 'npm run versions [-- --format text|json]',
  options: {},
  formats: ['text', 'json'],
  details: LIFECYCLE_HELP.slice(0, -1),
  async run({ root, io, format }) {
    const registry = await loadRegistry(root);
    const rows = registry.versions.map(({ contract, ...record }) => {
      const { approval, pending } = reviewsOf(registry.reviews, contract.version, privacyHash(toJsonSchema(contract), registry.processingRecord));
      const review = approval ?? pending;
      return {
        version: contract.version,
        current: contract.version === registry.currentVersion,
        ...record,
        // The privacy content as it is now: approved, pending approval, or not reviewed (npm run check says what changed).
        approval: review === undefined ? { decision: 'unreviewed' as const } : { decision: review.decision, date: review.date, reviewer: review.reviewer, role: review.role, link: review.link },
        amendments: (registry.released.get(contract.version)?.amendments ?? []).map(({ date, link, what }) => ({ date, link, what })),
      };
    });
    if (format === 'json') {
      io.out(`${JSON.stringify({ currentVersion: registry.currentVersion, versions: rows }, null, 2)}\n`);
      return EXIT_OK;
    }
    for (const row of [...rows].reverse()) {
      const dates = (['released', 'deprecated', 'sunset', 'retired'] as const).filter((key) => row[key] !== undefined).map((key) => `${key} ${row[key]}`);
      const last = row.amendments[row.amendments.length - 1];
      if (last !== undefined) dates.push(`${row.amendments.length} amendment${row.amendments.length === 1 ? '' : 's'}, the last ${last.date}`);
      const { approval } = row;
      dates.push(
        approval.decision === 'unreviewed'
          ? 'privacy content not reviewed (npm run check)'
          : approval.decision === 'approved'
            ? `approved ${approval.date} by ${reviewerWords(approval)}`
            : `approval pending (reviewed ${approval.date} by ${reviewerWords(approval)})`,
      );
      io.out(`v${row.version}  ${row.status.padEnd(10)}  ${(row.current ? 'current' : '').padEnd(7)}  ${dates.join(', ')}`.trimEnd() + '\n');
    }
    return EXIT_OK;
  },
};
