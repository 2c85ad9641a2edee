/** `npm run review -- <version> --reviewer <name> --role <role> --link <ticket> [--pending]`: records a privacy review of a version's current content. */
import { buildArtifacts } from '../emit/artifacts.js';
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { writeArtifacts } from '../cli/output.js';
import { privacyHash } from '../governance/privacy-content.js';
import { type Registry, loadRegistry } from '../contract/registry.js';
import { REVIEWS_FILE, type ReviewDecision, type ReviewRecord, linkProblem, readReviews, reviewerWords, writeReviews } from '../governance/reviews.js';
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
  summary: `record a privacy review of a version's current privacy content, an approval or one still pending (${REVIEWS_FILE})`,
  usage: 'npm run review -- <version> --reviewer <name> --role <role> --link <url|ticket> [--pending] [--date YYYY-MM-DD]',
  options: {
    reviewer: { type: 'string', placeholder: 'name', description: 'who reviewed: a person or a team' },
    role: { type: 'string', placeholder: 'role', description: 'in what role: "Data Protection Officer", "privacy counsel", "engineering self-review"' },
    link: { type: 'string', placeholder: 'url|ticket', description: 'where the review is written down: an http(s) URL or a ticket like PRIV-123 or #10' },
    pending: { type: 'boolean', description: 'the review does not approve yet (a self-review waiting for sign-off): recorded, but no release or amendment' },
    date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'day of the review (default: today, UTC)' },
  },
  details: [
    'The record holds who reviewed, in what role, whether they approved, the hash of the reviewed privacy',
    'content and a copy of it. `npm run check` fails whenever a version\'s privacy content has no matching',
    'review, and prints what changed since the last one (for a new version: since the approved content of',
    'the version it was drafted from). A draft may wait for its approval with a pending review;',
    '`npm run release` needs an approval of exactly the content it freezes. The contract must pass the lint',
    'before a review can be recorded.',
    '',
    'On a released version an approval approves an amendment: privacy records (purpose, legal basis and',
    'note, proportionality, category, retention, owner, reviewBy, exceptions) and the not-collected list',
    `may change in place, never what the version validates. The amendment is recorded in ${RELEASES_FILE}`,
    '(day, approved content, link, what changed) and shown in the audit document; the periodic re-review',
    'is one: move reviewBy (at most two years ahead), then run this command.',
  ],
  async run({ positionals, options, root, io, colors }) {
    const [raw, ...extra] = positionals;
    const version = Number(raw?.replace(/^v/, ''));
    if (raw === undefined || extra.length > 0 || !Number.isSafeInteger(version) || version < 1) throw new UsageError('give one schema version, like `npm run review -- 1 --reviewer "Dana Fischer" --role "Data Protection Officer" --link PRIV-42`');
    const reviewer = typeof options['reviewer'] === 'string' ? options['reviewer'].trim() : '';
    if (reviewer === '') throw new UsageError('--reviewer is required: who reviewed the content');
    const role = typeof options['role'] === 'string' ? options['role'].trim() : '';
    if (role === '') throw new UsageError('--role is required: in what role the reviewer reviewed (the Data Protection Officer, an engineering self-review…), so a reader can tell an approval from a self-check');
    const link = typeof options['link'] === 'string' ? options['link'] : '';
    const problem = linkProblem(link);
    if (problem) throw new UsageError(`--link ${problem}; give the ticket or document where the review is written down`);
    const date = typeof options['date'] === 'string' ? options['date'] : today();
    if (!DATE.test(date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${date}"`);
    const decision: ReviewDecision = options['pending'] === true ? 'pending' : 'approved';

    const registry = await loadRegistry(root);
    const contract = registry.contracts.find((c) => c.version === version);
    if (contract === undefined) throw new UsageError(`v${version} is not in schema/index.ts; known: ${registry.contracts.map((c) => `v${c.version}`).join(', ')}`);
    // The lint runs inside the build: a contract that fails it cannot be reviewed.
    await buildArtifacts(registry, root);

    const content = toJsonSchema(contract);
    const { processingRecord } = registry;
    const contentHash = privacyHash(content, processingRecord);
    const release = registry.released.get(version);
    if (release !== undefined && wireHash(content) !== release.contentHash) {
      throw new UsageError(`v${version} is released, and what it validates changed since: a review amends privacy records only. Undo the change to what v${version} validates (\`npm run check\` names it), and make it in a new version (\`npm run draft\`)`);
    }
    const reviews = await readReviews(root);
    // Only an approval amends a released version; a pending review records that someone looked.
    const amendment = decision === 'approved' ? amendmentOf(registry, reviews, version, contentHash, content) : undefined;
    const record = { reviewer, role, decision, link: link.trim() };
    const known = reviews.some((r) => r.version === version && r.contentHash === contentHash && r.reviewer === record.reviewer && r.role === role && r.decision === decision && r.link === record.link);
    const who = reviewerWords(record);
    if (known && amendment === undefined) {
      io.out(`review: v${version}'s current content is already ${decision === 'approved' ? 'approved' : 'reviewed, approval pending,'} by ${who} (${record.link})\n`);
      return EXIT_OK;
    }
    const { changes, since } = reviewDiff(registry, reviews, version, decision === 'approved' ? 'approval' : 'review');
    if (!known) await writeReviews(root, [...reviews, { version, ...record, date, contentHash, content, ...(processingRecord === undefined ? {} : { processingRecord }) }]);
    if (amendment !== undefined) {
      const releases = new Map(registry.released);
      releases.set(version, { ...release!, amendments: [...release!.amendments, { date, privacyHash: contentHash, link: link.trim(), what: amendment }] });
      await writeReleases(root, releases);
    }
    // The audit document shows each version's approval and every amendment: bring it up to date in the same step.
    await writeArtifacts(root, (await buildArtifacts(await loadRegistry(root), root)).files);
    const next =
      decision === 'pending'
        ? `the approval is pending: ${release === undefined ? `v${version} can be released once it is approved` : `the amendment of v${version} takes effect, and \`npm run check\` passes, once it is approved`} (the same command without --pending)\n`
        : amendment !== undefined
          ? `v${version} is released: recorded as an amendment in ${RELEASES_FILE}; what it validates and the artifacts it published stay as released\n`
          : '';
    io.out(
      colors.green(`review: recorded ${who}'s ${decision === 'approved' ? 'approval' : 'pending review'} of v${version} (${contentHash.slice(0, 19)}…) in ${REVIEWS_FILE}\n`) +
        next +
        (known ? '' : `${decision === 'approved' ? 'approved' : 'reviewed'}: ${renderDiff(changes, since, 'text', colors)}`),
    );
    return EXIT_OK;
  },
};
