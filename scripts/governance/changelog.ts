/**
 * Same-PR amendments: when the contract changed since the base, the changelog
 * has a new entry, and that entry names every field whose privacy story
 * changed, so reviewers find each one in words and not only in a diff.
 */
import { diffLines } from 'diff';
import type { Finding } from '../cli/findings.js';
import type { Change } from './semantic-diff.js';

export const CHANGELOG = 'docs/CHANGELOG.md';

/** The lines the head adds to the changelog, joined. */
export function addedText(base: string | undefined, head: string): string {
  return diffLines(base ?? '', head)
    .filter((part) => part.added)
    .map((part) => part.value)
    .join('');
}

/**
 * The name a changelog entry must mention for a change: the field or header
 * name, or the list entry. A moved review date (a periodic re-review) touches
 * every field at once: one entry that says `reviewBy` covers them all.
 */
export function mentionOf(change: Change): string {
  if (change.what.startsWith('reviewBy changed')) return 'reviewBy';
  return change.subject.replace(/^header /, '').replace(/^not collected: /, '');
}

export function amendmentFindings(changes: readonly Change[], base: string, baseLog: string | undefined, headLog: string | undefined): Finding[] {
  const contractChanges = changes.filter((c) => c.class !== 'docs-only');
  if (contractChanges.length === 0) return [];
  const mentions = [...new Set(changes.filter((c) => c.class === 'privacy-relevant').map(mentionOf))];
  const naming = mentions.length === 0 ? '' : `, naming ${mentions.map((m) => `\`${m}\``).join(', ')}`;
  const fix = `add an entry to ${CHANGELOG} that says what changed and why${naming}; \`npm run diff -- ${base} --format markdown\` lists the changes`;
  if (headLog === undefined) {
    return [{ where: CHANGELOG, what: `is missing, but the contract changed since ${base}`, rule: 'changelog-missing', fix, severity: 'error' }];
  }
  const added = addedText(baseLog, headLog);
  if (added.trim() === '') {
    return [{ where: CHANGELOG, what: `has no new entry, but the contract changed since ${base} (${contractChanges.length} change${contractChanges.length === 1 ? '' : 's'})`, rule: 'changelog-missing', fix, severity: 'error' }];
  }
  const unlisted = new Map<string, Change>();
  for (const change of changes.filter((c) => c.class === 'privacy-relevant')) {
    if (!added.includes(mentionOf(change))) unlisted.set(`${change.version === undefined ? '' : `v${change.version} `}${mentionOf(change)}`, change);
  }
  return [...unlisted.entries()].map(([name, change]) => ({
    where: CHANGELOG,
    what: `the new entry does not mention ${name}, a privacy-relevant change (${change.what})`,
    rule: 'changelog-privacy',
    fix: `name \`${mentionOf(change)}\` in the new entry and say what changes for the data subject`,
    severity: 'error' as const,
  }));
}
