/**
 * Every field and header is reviewed again by its `reviewBy` day: a warning
 * 30 days before, an error after it, and an error for a day more than two
 * years out. One finding per cause: all the fields whose review falls due on
 * one day, over every version and the connection test, are one finding,
 * because one re-review settles them, and moving the day in one file moves it
 * for every version that takes its fields from there. The finding names the
 * files that hold the day, and its fix is the whole way to a green check:
 * the edit, the review of each version concerned, and the changelog entry.
 */
import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import type { Contract } from '../../schema/contract.js';
import type { Finding } from '../cli/findings.js';
import { type JsonSchema, isSchemaObject, listContractFields } from '../contract/fields.js';
import type { SourceFile } from '../contract/sources.js';
import { approveCommand } from '../governance/reviews.js';
import { fieldName } from './privacy-record.js';

const DAY_MS = 86_400_000;
/** A reminder this many days ahead of the date. */
export const REVIEW_WARNING_DAYS = 30;
/** A review date further ahead than this is a way of never reviewing. */
export const REVIEW_MAX_DAYS = 731;
export const REVIEW_BY_SUMMARY = 'every field is reviewed again by its reviewBy date (a warning 30 days before), set at most two years ahead';

/** What the rule looks at: one schema version, or the connection test (version 0, which has no review record of its own). */
export interface ReviewSubject {
  readonly contract: Contract;
  readonly schema: JsonSchema;
  /** The files the contract is written in, its own first; the finding names those that hold a due day. */
  readonly sources?: readonly SourceFile[];
}

function dayNumber(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls 2027-02-30 over into March; a date that does not exist is not a date.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? undefined : ms / DAY_MS;
}

const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

function subjectName({ contract }: ReviewSubject): string {
  return contract.version >= 1 ? `v${contract.version}` : 'the connection test';
}

/** `a, b and c` */
function words(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

interface Due {
  readonly subject: ReviewSubject;
  readonly field: string;
  readonly owner: string;
}

/** The files of these subjects that hold the day as a literal, each once, in the order the subjects name them. */
function filesHolding(day: string, subjects: readonly ReviewSubject[]): string[] {
  const files = new Set<string>();
  for (const { contract, sources } of subjects) {
    const found = (sources ?? []).filter((file) => file.text.includes(`'${day}'`) || file.text.includes(`"${day}"`)).map((file) => file.path);
    for (const path of found.length > 0 ? found : [contract.source]) files.add(path);
  }
  return [...files];
}

/** "v1: schemaVersion, …, header x-telemetry-schema-version; the connection test: probe, …" */
function fieldList(due: readonly Due[]): string {
  const bySubject = new Map<ReviewSubject, string[]>();
  for (const d of due) bySubject.set(d.subject, [...(bySubject.get(d.subject) ?? []), d.field]);
  return [...bySubject].map(([subject, fields]) => `${subjectName(subject)}: ${fields.join(', ')}`).join('; ');
}

/** The whole way to a green check, step by step: the edit, the reviews, the changelog entry. */
function renewal(day: string, due: readonly Due[], files: readonly string[], today: number): string {
  const owners = [...new Set(due.map((d) => d.owner))];
  const versions = [...new Set(due.map((d) => d.subject.contract.version))].filter((v) => v >= 1).sort((a, b) => a - b);
  const probeOnly = versions.length === 0;
  const steps = [
    `in ${words(files)}, change every reviewBy: '${day}' to a day at most two years ahead (${dayOf(today + REVIEW_MAX_DAYS)} at the latest)`,
    ...versions.map((v) => `\`${approveCommand(v)}\``),
    ...(probeOnly ? ['`npm run generate`'] : []),
    `add an entry to docs/CHANGELOG.md that names \`reviewBy\` and says whose review moved (\`npm run check -- --base <target branch>\` asks for it)`,
  ];
  return [
    `${words(owners)} review${owners.length === 1 ? 's' : ''} the fields with a privacy reviewer; then ${steps.map((step, i) => `(${i + 1}) ${step}`).join('; ')}.`,
    versions.length > 0 ? ` On a released version the approval records an amendment: no new version, and no validator, vector or storage migration it published moves.` : '',
  ].join('');
}

/** The findings of the rule over every subject at once, as of `today` (YYYY-MM-DD). */
export function reviewByFindings(subjects: readonly ReviewSubject[], today: string): Finding[] {
  const now = dayNumber(today)!;
  const findings: Finding[] = [];
  const overdue = new Map<string, Due[]>();
  const soon = new Map<string, Due[]>();
  const tooFar = new Map<string, Due[]>();
  for (const subject of subjects) {
    for (const field of listContractFields(subject.schema)) {
      const record = field.schema[PRIVACY_KEYWORD];
      if (field.isItems || !isSchemaObject(record)) continue;
      const reviewBy = String(record['reviewBy'] ?? '');
      const due: Due = { subject, field: fieldName(field), owner: String(record['owner'] ?? 'its owner') };
      const day = dayNumber(reviewBy);
      const add = (map: Map<string, Due[]>) => map.set(reviewBy, [...(map.get(reviewBy) ?? []), due]);
      if (day === undefined) {
        findings.push({ where: `${subject.contract.source} ${due.field}`, what: `privacy record: reviewBy "${reviewBy}" is not a date (YYYY-MM-DD)`, rule: 'review-by', fix: 'set the day by which the field must be reviewed again', severity: 'error' });
      } else if (day < now) add(overdue);
      else if (day - now > REVIEW_MAX_DAYS) add(tooFar);
      else if (day - now <= REVIEW_WARNING_DAYS) add(soon);
    }
  }
  const count = (due: readonly Due[]) => {
    const headers = due.filter((d) => d.field.startsWith('header ')).length;
    const fields = due.length - headers;
    const n = (k: number, noun: string) => `${k} ${noun}${k === 1 ? '' : 's'}`;
    return [fields > 0 ? n(fields, 'field') : '', headers > 0 ? n(headers, 'header') : ''].filter(Boolean).join(' and ');
  };
  const ownersOf = (due: readonly Due[]) => [...new Set(due.map((d) => d.owner))].join(', ');
  for (const [day, due] of [...overdue].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = filesHolding(day, [...new Set(due.map((d) => d.subject))]);
    findings.push({
      where: files.join(', '),
      what: `the review of ${count(due)} was due on ${day} (${fieldList(due)}); owners: ${ownersOf(due)}`,
      rule: 'review-by',
      fix: renewal(day, due, files, now),
      severity: 'error',
    });
  }
  for (const [day, due] of [...soon].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = filesHolding(day, [...new Set(due.map((d) => d.subject))]);
    const left = (dayNumber(day) ?? now) - now;
    findings.push({
      where: files.join(', '),
      what: `the review of ${count(due)} is due on ${day}, in ${left} day${left === 1 ? '' : 's'} (${fieldList(due)}); owners: ${ownersOf(due)}`,
      rule: 'review-by',
      fix: `plan the review before ${day}, no new version needed: ${renewal(day, due, files, now)}`,
      severity: 'warning',
    });
  }
  for (const [day, due] of [...tooFar].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = filesHolding(day, [...new Set(due.map((d) => d.subject))]);
    findings.push({
      where: files.join(', '),
      what: `reviewBy ${day} is more than two years ahead (${fieldList(due)})`,
      rule: 'review-by',
      fix: `in ${words(files)}, choose a day at most two years from today (${dayOf(now + REVIEW_MAX_DAYS)} at the latest)`,
      severity: 'error',
    });
  }
  return findings;
}
