/**
 * Reviews bound to content: every version's current privacy content must
 * match the hash of a recorded review. When it does not, the finding carries
 * the semantic diff from the last approved content, so the reviewer sees
 * exactly what is new.
 */
import type { Colors } from '../cli/command.js';
import { renderDiff } from './diff-render.js';
import type { Finding } from '../cli/findings.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { privacyHash } from './privacy-content.js';
import type { Registry } from '../contract/registry.js';
import { type ReviewRecord, latestReview } from './reviews.js';
import { diffContracts } from './semantic-diff.js';

const plain: Colors = { red: (t) => t, green: (t) => t, yellow: (t) => t, dim: (t) => t };

export function reviewFindings(registry: Registry, reviews: readonly ReviewRecord[]): Finding[] {
  const findings: Finding[] = [];
  for (const contract of registry.contracts) {
    const schema = toJsonSchema(contract);
    const hash = privacyHash(schema);
    if (reviews.some((r) => r.version === contract.version && r.contentHash === hash)) continue;
    const last = latestReview(reviews, contract.version);
    const changes = diffContracts(last ? { versions: new Map([[contract.version, last.content]]) } : { versions: new Map() }, { versions: new Map([[contract.version, schema]]) });
    findings.push({
      where: contract.source,
      what: last
        ? `v${contract.version}'s privacy content changed since its last review (${last.date}, ${last.reviewer}) and has no matching review`
        : `v${contract.version}'s privacy content has never been reviewed`,
      rule: 'review-missing',
      fix: `have a privacy reviewer approve the changes below, then run \`npm run review -- ${contract.version} --reviewer "<name>" --link <ticket or document>\``,
      severity: 'error',
      detail: renderDiff(changes, last ? `the review of ${last.date}` : 'an empty contract (never reviewed)', 'text', plain),
    });
  }
  return findings;
}
