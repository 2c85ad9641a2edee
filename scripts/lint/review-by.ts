import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { isSchemaObject, listContractFields } from '../contract/fields.js';
import type { Finding } from '../cli/findings.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

const DAY_MS = 86_400_000;
/** A reminder this many days ahead of the date. */
export const REVIEW_WARNING_DAYS = 30;
/** A review date further ahead than this is a way of never reviewing. */
export const REVIEW_MAX_DAYS = 731;

function dayNumber(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls 2027-02-30 over into March; a date that does not exist is not a date.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? undefined : ms / DAY_MS;
}

/**
 * How the review is recorded: a schema version's with `npm run review`; the
 * connection probe's (linted as version 0, no schema version) has no review
 * record of its own, so regenerating is all that is left.
 */
function recordIt(version: number): string {
  return version >= 1 ? `record the review with \`npm run review -- ${version} --reviewer "<name>" --link <ticket>\`` : 'run `npm run generate`';
}

/**
 * Every field is reviewed again by its `reviewBy` date: a warning 30 days
 * before, an error after it, and an error for a date more than two years out.
 * Findings name the owner, who is the one to act.
 */
export function* checkReviewBy({ contract, schema, today }: LintContext): Iterable<Omit<Finding, 'rule'>> {
  const now = dayNumber(today)!;
  for (const field of listContractFields(schema)) {
    const record = field.schema[PRIVACY_KEYWORD];
    if (field.isItems || !isSchemaObject(record)) continue;
    const reviewBy = String(record['reviewBy'] ?? '');
    const owner = String(record['owner'] ?? 'its owner');
    const due = dayNumber(reviewBy);
    if (due === undefined) {
      yield { where: fieldName(field), what: `privacy record: reviewBy "${reviewBy}" is not a date (YYYY-MM-DD)`, fix: 'set the day by which the field must be reviewed again', severity: 'error' };
    } else if (due < now) {
      yield {
        where: fieldName(field),
        what: `review was due on ${reviewBy}; ${owner} owns the field`,
        fix: `${owner}: review the field with a privacy reviewer, move its reviewBy (at most two years ahead), then ${recordIt(contract.version)}${contract.version >= 1 ? '. On a released version this is an amendment: no new version, and no validator, vector or storage migration it published moves' : ''}`,
        severity: 'error',
      };
    } else if (due - now > REVIEW_MAX_DAYS) {
      yield { where: fieldName(field), what: `reviewBy ${reviewBy} is more than two years ahead`, fix: 'choose a date at most two years from today', severity: 'error' };
    } else if (due - now <= REVIEW_WARNING_DAYS) {
      yield {
        where: fieldName(field),
        what: `review is due on ${reviewBy}, in ${due - now} day${due - now === 1 ? '' : 's'}; ${owner} owns the field`,
        fix: `${owner}: plan the review before ${reviewBy}; then move reviewBy (at most two years ahead) and ${recordIt(contract.version)}, no new version needed`,
        severity: 'warning',
      };
    }
  }
}
