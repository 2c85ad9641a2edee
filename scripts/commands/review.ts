/** `npm run review -- <version> --reviewer <name> --link <ticket>`: records a privacy review of a version's current content. */
import { buildArtifacts } from '../emit/artifacts.js';
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { writeArtifacts } from '../cli/output.js';
import { privacyHash } from '../governance/privacy-content.js';
import { loadRegistry } from '../contract/registry.js';
import { REVIEWS_FILE, linkProblem, readReviews, writeReviews } from '../governance/reviews.js';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const reviewCommand: Command = {
  name: 'review',
  summary: `record that a privacy reviewer approved a version's current privacy content (${REVIEWS_FILE})`,
  usage: 'npm run review -- <version> --reviewer <name> --link <url|ticket> [--date YYYY-MM-DD]',
  options: {
    reviewer: { type: 'string', placeholder: 'name', description: 'who approved: a person or a team' },
    link: { type: 'string', placeholder: 'url|ticket', description: 'where the review is written down: an http(s) URL or a ticket like PRIV-123 or #10' },
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'day of the approval (default: today, UTC)' },
  },
  details: [
    'The record holds the hash of the approved privacy content and a copy of it. `npm run check` fails',
    'whenever a version\'s privacy content has no matching review, and prints what changed since the',
    'last one. The contract must pass the lint before a review can be recorded.',
  ],
  async run({ positionals, options, root, io, colors }) {
    const [raw, ...extra] = positionals;
    const version = Number(raw?.replace(/^v/, ''));
    if (raw === undefined || extra.length > 0 || !Number.isSafeInteger(version) || version < 1) throw new UsageError('give one schema version, like `npm run review -- 1 --reviewer "Privacy team" --link PRIV-42`');
    const reviewer = typeof options['reviewer'] === 'string' ? options['reviewer'].trim() : '';
    if (reviewer === '') throw new UsageError('--reviewer is required: who approved the content');
    const link = typeof options['link'] === 'string' ? options['link'] : '';
    const problem = linkProblem(link);
    if (problem) throw new UsageError(`--link ${problem}; give the ticket or document where the review is written down`);
    const date = typeof options['date'] === 'string' ? options['date'] : new Date().toISOString().slice(0, 10);
    if (!DATE.test(date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${date}"`);

    const registry = await loadRegistry(root);
    const contract = registry.contracts.find((c) => c.version === version);
    if (contract === undefined) throw new UsageError(`v${version} is not in schema/index.ts; known: ${registry.contracts.map((c) => `v${c.version}`).join(', ')}`);
    // The lint runs inside the build: a contract that fails it cannot be approved.
    await buildArtifacts(registry, root);

    const content = toJsonSchema(contract);
    const contentHash = privacyHash(content);
    const reviews = await readReviews(root);
    if (reviews.some((r) => r.version === version && r.contentHash === contentHash && r.reviewer === reviewer && r.link === link.trim())) {
      io.out(`review: v${version}'s current content is already approved by ${reviewer} (${link.trim()})\n`);
      return EXIT_OK;
    }
    const updated = [...reviews, { version, reviewer, date, link: link.trim(), contentHash, content }];
    await writeReviews(root, updated);
    // The audit document shows the latest review: bring it up to date in the same step.
    await writeArtifacts(root, (await buildArtifacts(await loadRegistry(root), root)).files);
    io.out(colors.green(`review: recorded ${reviewer}'s approval of v${version} (${contentHash.slice(0, 19)}…) in ${REVIEWS_FILE}\n`));
    return EXIT_OK;
  },
};
