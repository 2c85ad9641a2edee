/**
 * Privacy reviews bound to content. A review record says who reviewed which
 * version when, in what role, whether they approved it or the approval is
 * still pending, where the review is written down, and the hash of the exact
 * privacy content reviewed, with a copy of that content so a later check can
 * show what changed since. Only an approval lets a version be released or a
 * released version's records be amended. Records are written by `npm run
 * review` only.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonSchema } from '../contract/fields.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import { type Finding, FindingsError } from '../cli/findings.js';

export const REVIEWS_FILE = 'schema/reviews.json';

/** An approval, or a review that has not approved yet (a self-review waiting for the DPO's sign-off, say). */
export const REVIEW_DECISIONS = ['approved', 'pending'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export interface ReviewRecord {
  readonly version: number;
  /** Who reviewed: a person or a team. */
  readonly reviewer: string;
  /** In what role they reviewed: "Data Protection Officer", "engineering self-review". */
  readonly role: string;
  /** Whether the review approves the content, or the approval is still pending. */
  readonly decision: ReviewDecision;
  /** The day of the review, YYYY-MM-DD. */
  readonly date: string;
  /** Where the review is written down: an http(s) URL or a ticket reference (PRIV-123, #10). */
  readonly link: string;
  /** privacyHash() of the reviewed content. */
  readonly contentHash: string;
  /** The version's JSON Schema as reviewed, for the diff against later content. */
  readonly content: JsonSchema;
  /** The record of processing as reviewed (absent in records from before it was reviewed). */
  readonly processingRecord?: ProcessingRecord;
}

const PLACEHOLDER = /^(todo|tbd|fixme|xxx|n\/?a|none|link|url|placeholder|-+|\.+|#)$/i;
const TICKET = /^([A-Z][A-Z0-9]+-[1-9][0-9]*|#[1-9][0-9]*)$/;

/** Why a link cannot stand for a review, or undefined when it can. */
export function linkProblem(link: string): string | undefined {
  const value = link.trim();
  if (value === '') return 'is empty';
  if (PLACEHOLDER.test(value)) return `is a placeholder ("${value}")`;
  if (TICKET.test(value)) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `is a ${url.protocol} URL, not an http(s) link`;
    if (/^(example\.(com|org|net)|localhost)$/i.test(url.hostname) || /\b(todo|tbd|placeholder)\b/i.test(url.pathname)) return `looks like a placeholder (${url.hostname}${url.pathname})`;
    return undefined;
  } catch {
    return 'is neither an http(s) URL nor a ticket reference like PRIV-123 or #10';
  }
}

export async function readReviews(root: string): Promise<ReviewRecord[]> {
  let text: string;
  try {
    text = await readFile(join(root, REVIEWS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: { reviews?: unknown };
  try {
    parsed = JSON.parse(text) as { reviews?: unknown };
  } catch {
    throw new FindingsError([{ where: REVIEWS_FILE, what: 'is not valid JSON', rule: 'reviews-syntax', fix: 'restore it from git; it is written by `npm run review`', severity: 'error' }]);
  }
  if (!Array.isArray(parsed.reviews)) {
    throw new FindingsError([{ where: REVIEWS_FILE, what: 'has no `reviews` array', rule: 'reviews-syntax', fix: 'restore it from git; it is written by `npm run review`', severity: 'error' }]);
  }
  const findings: Finding[] = [];
  parsed.reviews.forEach((record: Partial<ReviewRecord>, i: number) => {
    const where = `${REVIEWS_FILE} reviews[${i}]`;
    const problem = typeof record.link === 'string' ? linkProblem(record.link) : 'is missing';
    if (problem) findings.push({ where, what: `link ${problem}`, rule: 'review-link', fix: 'record the review again with the real ticket or document link', severity: 'error' });
    if (typeof record.reviewer !== 'string' || record.reviewer.trim() === '') findings.push({ where, what: 'names no reviewer', rule: 'reviews-syntax', severity: 'error' });
    if (record.role !== undefined && (typeof record.role !== 'string' || record.role.trim() === '')) findings.push({ where, what: 'names an empty role', rule: 'reviews-syntax', severity: 'error' });
    if (record.decision !== undefined && !(REVIEW_DECISIONS as readonly unknown[]).includes(record.decision)) {
      findings.push({ where, what: `has decision ${JSON.stringify(record.decision)}, not one of ${REVIEW_DECISIONS.join(', ')}`, rule: 'reviews-syntax', fix: 'restore it from git; records are written by `npm run review`', severity: 'error' });
    }
    if (typeof record.contentHash !== 'string' || typeof record.version !== 'number' || typeof record.content !== 'object') {
      findings.push({ where, what: 'lacks version, contentHash or content', rule: 'reviews-syntax', fix: 'restore it from git; records are written by `npm run review`', severity: 'error' });
    }
  });
  if (findings.length > 0) throw new FindingsError(findings);
  // A record from before roles and decisions were recorded (a diff base, say) approved nothing: it counts as pending.
  return (parsed.reviews as Array<Partial<ReviewRecord>>).map((record) => ({ ...record, role: record.role ?? 'role not recorded', decision: record.decision ?? 'pending' }) as ReviewRecord);
}

export function formatReviews(reviews: readonly ReviewRecord[]): string {
  return `${JSON.stringify({ $comment: 'Privacy reviews bound to content; written by `npm run review`, do not edit by hand.', reviews }, null, 2)}\n`;
}

export async function writeReviews(root: string, reviews: readonly ReviewRecord[]): Promise<void> {
  const path = join(root, REVIEWS_FILE);
  await writeFile(`${path}.tmp`, formatReviews(reviews), 'utf8');
  await rename(`${path}.tmp`, path);
}

/** The newest review of a version (by date, then by order in the file); with `decision`, the newest of that kind. */
export function latestReview(reviews: readonly ReviewRecord[], version: number, decision?: ReviewDecision): ReviewRecord | undefined {
  return reviews
    .map((review, index) => ({ review, index }))
    .filter(({ review }) => review.version === version && (decision === undefined || review.decision === decision))
    .sort((a, b) => (a.review.date < b.review.date ? -1 : a.review.date > b.review.date ? 1 : a.index - b.index))
    .pop()?.review;
}

/** The newest approval of a version, or undefined when none was ever recorded. */
export function latestApproval(reviews: readonly ReviewRecord[], version: number): ReviewRecord | undefined {
  return latestReview(reviews, version, 'approved');
}

/** The reviews of exactly this content of a version, the newest last; an approval among them is what counts. */
export function reviewsOf(reviews: readonly ReviewRecord[], version: number, contentHash: string): { readonly approval?: ReviewRecord; readonly pending?: ReviewRecord } {
  const matching = reviews.filter((r) => r.version === version && r.contentHash === contentHash);
  const approval = matching.filter((r) => r.decision === 'approved').pop();
  const pending = matching.filter((r) => r.decision === 'pending').pop();
  return { ...(approval ? { approval } : {}), ...(pending ? { pending } : {}) };
}

/** "Dana Fischer (Data Protection Officer)": who reviewed, in what role. */
export function reviewerWords(review: Pick<ReviewRecord, 'reviewer' | 'role'>): string {
  return `${review.reviewer} (${review.role})`;
}

/** The command that records an approval of `version`, placeholders for what only people know. */
export function approveCommand(version: number): string {
  return `npm run review -- ${version} --reviewer "<name>" --role "<role>" --link <ticket>`;
}
