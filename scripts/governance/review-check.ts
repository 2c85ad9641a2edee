/**
 * Reviews bound to content: every version's current privacy content must
 * match the hash of a recorded review. When it does not, the finding carries
 * the semantic diff from the last approved content, so the reviewer sees
 * exactly what is new: since the version's last review; for a version never
 * reviewed, since the last approved content of the version it was drafted
 * from; for the first version of all, everything.
 */
import type { Colors } from '../cli/command.js';
import { renderDiff } from './diff-render.js';
import type { Finding } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from './privacy-content.js';
import type { Registry } from '../contract/registry.js';
import { type ReviewRecord, latestReview } from './reviews.js';
import { type Change, diffContracts, processingChanges } from './semantic-diff.js';

const plain: Colors = { red: (t) => t, green: (t) => t, yellow: (t) => t, dim: (t) => t };

/** What a review of `version` approves: the changes since the last approved content, and what they are measured from. */
export function reviewDiff(registry: Registry, reviews: readonly ReviewRecord[], version: number): { changes: Change[]; since: string; last?: ReviewRecord } {
  const contract = registry.contracts.find((c) => c.version === version)!;
  const schema = toJsonSchema(contract);
  const last = latestReview(reviews, version);
  const processing = registry.processingRecord;
  if (last !== undefined) {
    const released = new Set(registry.released.keys());
    const changes = diffContracts({ versions: new Map([[version, last.content]]), released }, { versions: new Map([[version, schema]]) });
    // A review from before the record of processing was reviewed approved none: show it whole.
    const record = last.processingRecord === undefined && processing !== undefined ? [{ class: 'privacy-relevant' as const, version, subject: 'record of processing', what: 'not reviewed before' }] : processingChanges(last.processingRecord, processing, version);
    return { changes: [...changes, ...record.map((c) => (released.has(version) ? { ...c, amendment: true } : c))], since: `the review of ${last.date}`, last };
  }
  const predecessor = [...registry.contracts].map((c) => c.version).filter((v) => v < version).sort((a, b) => b - a)[0];
  const approved = predecessor === undefined ? undefined : latestReview(reviews, predecessor);
  if (predecessor === undefined || approved === undefined) {
    return { changes: diffContracts({ versions: new Map() }, { versions: new Map([[version, schema]]) }), since: 'an empty contract (never reviewed)' };
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

export function reviewFindings(registry: Registry, reviews: readonly ReviewRecord[]): Finding[] {
  const findings: Finding[] = [];
  for (const contract of registry.contracts) {
    const schema = toJsonSchema(contract);
    const hash = privacyHash(schema, registry.processingRecord);
    if (reviews.some((r) => r.version === contract.version && r.contentHash === hash)) continue;
    const { changes, since, last } = reviewDiff(registry, reviews, contract.version);
    findings.push({
      where: contract.source,
      what: last
        ? `v${contract.version}'s privacy content changed since its last review (${last.date}, ${last.reviewer}) and has no matching review`
        : `v${contract.version}'s privacy content has never been reviewed`,
      rule: 'review-missing',
      fix: `have a privacy reviewer approve the changes below, then run \`npm run review -- ${contract.version} --reviewer "<name>" --link <ticket or document>\`${registry.released.has(contract.version) ? ` (v${contract.version} is released: the review records an amendment, and its wire stays as released)` : ''}`,
      severity: 'error',
      detail: renderDiff(changes, since, 'text', plain),
    });
  }
  return findings;
}
