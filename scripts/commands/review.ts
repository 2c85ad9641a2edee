/** `npm run review -- <version> --reviewer <name> --link <ticket>`: records a privacy review of a version's current content. */
import { buildArtifacts } from '../emit/artifacts.js';
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { writeArtifacts } from '../cli/output.js';
import { privacyHash } from '../governance/privacy-content.js';
import { type Registry, loadRegistry } from '../contract/registry.js';
import { REVIEWS_FILE, type ReviewRecord, linkProblem, readReviews, writeReviews } from '../governance/reviews.js';
import { wireHash } from '../contract/wire-view.js';
import { renderDiff } from '../governance/diff-render.js';
import { RELEASES_FILE, approvedPrivacyHash, writeReleases } from '../governance/releases.js';
import { changeSummary, reviewDiff } from '../governance/review-check.js';
import { diffContracts, processingChanges } from '../governance/semantic-diff.js';
import { today } from '../lint/types.js';

/**
 * When `version` is released and its privacy content differs from what its
 * release or last amendment approved, the amendment's line for the lock:
 * what changed since then. Undefined when there is nothing to record.
 */
function amendmentOf(registry: Registry, reviews: readonly ReviewRecord[], version: number, hash: string, content: Record<string, unknown>): string | undefined {
  const release = registry.released.get(version);
  const approved = release === undefined ? undefined : approvedPrivacyHash(release);
  if (approved === undefined || approved === hash) return undefined;
  const before = reviews.find((r) => r.version === version && r.contentHash === approved);
  if (before === undefined) return 'privacy content amended (the content approved before is not in schema/reviews.json)';
  const changes = diffContracts({ versions: new Map([[version, before.content]]) }, { versions: new Map([[version, content]]) });
  return changeSummary([...changes, ...processingChanges(before.processingRecord, registry.processingRecord, version)]);
}

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
    'last one (for a new version: since the approved content of the version it was drafted from). The',
    'contract must pass the lint before a review can be recorded.',
    '',
    'On a released version the review approves an amendment: privacy records (purpose, legal basis and',
    'note, proportionality, category, retention, owner, reviewBy, exceptions) and the not-collected list',
    `may change in place, never what the version validates. The amendment is recorded in ${RELEASES_FILE}`,
    '(day, approved content, link, what changed) and shown in the audit document; the periodic re-review',
    'is one: move reviewBy (at most two years ahead), then run this command.',
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
    const date = typeof options['date'] === 'string' ? options['date'] : today();
    if (!DATE.test(date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${date}"`);

    const registry = await loadRegistry(root);
    const contract = registry.contracts.find((c) => c.version === version);
    if (contract === undefined) throw new UsageError(`v${version} is not in schema/index.ts; known: ${registry.contracts.map((c) => `v${c.version}`).join(', ')}`);
    // The lint runs inside the build: a contract that fails it cannot be approved.
    await buildArtifacts(registry, root);

    const content = toJsonSchema(contract);
    const { processingRecord } = registry;
    const contentHash = privacyHash(content, processingRecord);
    const release = registry.released.get(version);
    if (release !== undefined && wireHash(content) !== release.contentHash) {
      throw new UsageError(`v${version} is released, and what it validates changed since: a review amends privacy records only. Undo the change to what v${version} validates (\`npm run check\` names it), and make it in a new version (\`npm run draft\`)`);
    }
    const reviews = await readReviews(root);
    const amendment = amendmentOf(registry, reviews, version, contentHash, content);
    const known = reviews.some((r) => r.version === version && r.contentHash === contentHash && r.reviewer === reviewer && r.link === link.trim());
    if (known && amendment === undefined) {
      io.out(`review: v${version}'s current content is already approved by ${reviewer} (${link.trim()})\n`);
      return EXIT_OK;
    }
    const { changes, since } = reviewDiff(registry, reviews, version);
    if (!known) await writeReviews(root, [...reviews, { version, reviewer, date, link: link.trim(), contentHash, content, ...(processingRecord === undefined ? {} : { processingRecord }) }]);
    if (amendment !== undefined) {
      const releases = new Map(registry.released);
      releases.set(version, { ...release!, amendments: [...release!.amendments, { date, privacyHash: contentHash, link: link.trim(), what: amendment }] });
      await writeReleases(root, releases);
    }
    // The audit document shows the latest review and every amendment: bring it up to date in the same step.
    await writeArtifacts(root, (await buildArtifacts(await loadRegistry(root), root)).files);
    io.out(
      colors.green(`review: recorded ${reviewer}'s approval of v${version} (${contentHash.slice(0, 19)}…) in ${REVIEWS_FILE}\n`) +
        (amendment === undefined ? '' : `v${version} is released: recorded as an amendment in ${RELEASES_FILE}; what it validates and the artifacts it published stay as released\n`) +
        (known ? '' : `approved: ${renderDiff(changes, since, 'text', colors)}`),
    );
    return EXIT_OK;
  },
};
