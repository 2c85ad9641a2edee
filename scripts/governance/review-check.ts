/**
 * Reviews bound to content: every version's current privacy content must
 * match the hash of a recorded review, and a released version's an approval
 * (an amendment takes effect only once approved). When it does not, the
 * finding carries the semantic diff from the content last reviewed, so the
 * reviewer sees exactly what is new: since the version's last review; for a
 * version never reviewed, since the last approved content of the version it
 * was drafted from; for the first version of all, everything. Releasing asks
 * for more: an approval of exactly the content it freezes (approvalFindings).
 */
import type { Colors } from '../cli/command.js';
import { renderDiff } from './diff-render.js';
import type { Finding } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from './privacy-content.js';
import type { Registry } from '../contract/registry.js';
import { type ReviewRecord, approveCommand, latestApproval, latestReview, reviewerWords, reviewsOf } from './reviews.js';
import { type Change, diffContracts, processingChanges } from './semantic-diff.js';

const plain: Colors = { red: (t) => t, green: (t) => t, yellow: (t) => t, dim: (t) => t };

/** The step every privacy change needs besides its review, which only `check --base` can see is missing. */
const CHANGELOG_STEP = 'and name each privacy-relevant change below in a docs/CHANGELOG.md entry (`npm run check -- --base <target branch>` asks for it)';

/**
 * What a review of `version` looks at: the changes since the content last
 * reviewed (`since: 'review'`, any decision) or last approved (`'approval'`),
 * and what they are measured from.
 */
export function reviewDiff(registry: Registry, reviews: readonly ReviewRecord[], version: number, since: 'review' | 'approval' = 'review'): { changes: Change[]; since: string; last?: ReviewRecord } {
  const contract = registry.contracts.find((c) => c.version === version)!;
  const schema = toJsonSchema(contract);
  const last = since === 'approval' ? latestApproval(reviews, version) : latestReview(reviews, version);
  const processing = registry.processingRecord;
  if (last !== undefined) {
    const released = new Set(registry.released.keys());
    const changes = diffContracts({ versions: new Map([[version, last.content]]), released }, { versions: new Map([[version, schema]]) });
    // A review from before the record of processing was reviewed looked at none: show it whole.
    const record = last.processingRecord === undefined && processing !== undefined ? [{ class: 'privacy-relevant' as const, version, subject: 'record of processing', what: 'not reviewed before' }] : processingChanges(last.processingRecord, processing, version);
    return { changes: [...changes, ...record.map((c) => (released.has(version) ? { ...c, amendment: true } : c))], since: `the ${last.decision === 'approved' ? 'approval' : 'pending review'} of ${last.date}`, last };
  }
  const predecessor = [...registry.contracts].map((c) => c.version).filter((v) => v < version).sort((a, b) => b - a)[0];
  const approved = predecessor === undefined ? undefined : latestApproval(reviews, predecessor);
  if (predecessor === undefined || approved === undefined) {
    return { changes: diffContracts({ versions: new Map() }, { versions: new Map([[version, schema]]) }), since: `an empty contract (never ${since === 'approval' ? 'approved' : 'reviewed'})` };
  }
  const versions = new Map<number, JsonSchema>([[predecessor, approved.content]]);
  const changes = diffContracts({ versions }, { versions: new Map([...versions, [version, schema]]) });
  return { changes: [...changes, ...processingChanges(approved.processingRecord, processing, version)], since: `v${predecessor} as approved on ${approved.date}` };
}

/** The privacy changes in one line, alike changes grouped: `retention changed: "P400D" → "P30D" (activeSeats); …`. */
export function changeSummary(changes: readonly Change[]): string {
  const groups = new Map<string, string[]>();
  for (const change of changes.filter((c) => c.class === 'privacy-relevant')) groups.set(change.what, [...(groups.get(change.what) ?? []), change.subject]);
  return [...groups].map(([what, subjects]) => `${what} (${subjects.join(', ')})`).join('; ') || 'no privacy change';
}

/** The current privacy content's hash of each version. */
function currentHash(registry: Registry, version: number): string {
  return privacyHash(toJsonSchema(registry.contracts.find((c) => c.version === version)!), registry.processingRecord);
}

/**
 * What `npm run check` asks of every version: a review of its current
 * privacy content, and for a released version an approval of it (a draft may
 * wait for its approval until it is released).
 */
export function reviewFindings(registry: Registry, reviews: readonly ReviewRecord[]): Finding[] {
  const findings: Finding[] = [];
  for (const contract of registry.contracts) {
    const v = contract.version;
    const { approval, pending } = reviewsOf(reviews, v, currentHash(registry, v));
    const released = registry.released.has(v);
    if (approval !== undefined || (pending !== undefined && !released)) continue;
    if (pending !== undefined) {
      const { changes, since } = reviewDiff(registry, reviews, v, 'approval');
      findings.push({
        where: contract.source,
        what: `v${v} is released, and its amended privacy content is not approved: the review of ${pending.date} by ${reviewerWords(pending)} is pending`,
        rule: 'approval-missing',
        fix: `an amendment of a released version takes effect once approved: when a privacy reviewer has approved the changes below, run \`${approveCommand(v)}\`, ${CHANGELOG_STEP}`,
        severity: 'error',
        detail: renderDiff(changes, since, 'text', plain),
      });
      continue;
    }
    const { changes, since, last } = reviewDiff(registry, reviews, v);
    findings.push({
      where: contract.source,
      what: last
        ? `v${v}'s privacy content changed since its last review (${last.date}, ${reviewerWords(last)}, ${last.decision}) and has no matching review`
        : `v${v}'s privacy content has never been reviewed`,
      rule: 'review-missing',
      fix: `have a privacy reviewer approve the changes below, then run \`${approveCommand(v)}\`${released ? ` (v${v} is released: the approval records an amendment, and its wire stays as released)` : ` (or, while v${v} is a draft, record a review whose approval is still to come with --pending)`}, ${CHANGELOG_STEP}`,
      severity: 'error',
      detail: renderDiff(changes, since, 'text', plain),
    });
  }
  return findings;
}

/**
 * What `npm run release` asks on top of the check: an approval of exactly
 * the content it freezes. A pending review reviews; it does not approve.
 */
export function approvalFindings(registry: Registry, reviews: readonly ReviewRecord[], version: number): Finding[] {
  const contract = registry.contracts.find((c) => c.version === version)!;
  const { approval, pending } = reviewsOf(reviews, version, currentHash(registry, version));
  if (approval !== undefined) return [];
  const missing = reviewFindings(registry, reviews).filter((f) => f.where === contract.source);
  if (missing.length > 0) return missing;
  const { changes, since } = reviewDiff(registry, reviews, version, 'approval');
  return [
    {
      where: contract.source,
      what: `v${version}'s privacy content has no approval: its review of ${pending!.date} by ${reviewerWords(pending!)} is pending, and only an approved version can be released`,
      rule: 'approval-missing',
      fix: `once a privacy reviewer who may approve (the Data Protection Officer, say) has approved the content below, record it: \`${approveCommand(version)}\`; then \`npm run release -- ${version}\``,
      severity: 'error',
      detail: renderDiff(changes, since, 'text', plain),
    },
  ];
}
