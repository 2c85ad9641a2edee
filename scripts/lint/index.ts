/**
 * The contract lint: one small check per rule, registered in one table. Each
 * check yields findings; the table gives them their rule id and default
 * severity. A field's privacy record may exempt it from some rules, each
 * exemption justified in writing; an exemption that exempts nothing is a
 * finding too, so the list reviewers read stays true. The review-by rule
 * looks at every version at once (one finding per cause, however many
 * versions share it): lintAll runs it after the per-version rules.
 */
import type { Contract } from '../../schema/contract.js';
import { EXEMPTABLE_RULES } from '../../schema/privacy.js';
import type { Finding } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';
import { checkExceptions, declaredExceptions } from './exceptions.js';
import { checkBoundedArray, checkBoundedNumber, checkBoundedString, checkClosedObject, checkNoAny } from './open-doors.js';
import { checkPersonalDataName, checkPersonalDefault } from './personal-data.js';
import { checkPrivacyRecord } from './privacy-record.js';
import { checkProportionality } from './proportionality.js';
import { REVIEW_BY_SUMMARY, type ReviewSubject, reviewByFindings } from './review-by.js';
import { FREE_TEXT_BITS, checkFreeText, checkValuesStated } from './values.js';
import { type LintCheck, today as todayUtc } from './types.js';
import type { SourceFile } from '../contract/sources.js';

export interface LintRule {
  readonly check: LintCheck;
  readonly severity: Finding['severity'];
  readonly summary: string;
}

/** Every rule with its summary, for `--help`: the per-version rules and the one over all versions. */
export function ruleSummaries(): Array<[string, string]> {
  const entries = Object.entries(LINT_RULES).map(([id, rule]) => [id, rule.summary] as [string, string]);
  const at = entries.findIndex(([id]) => id === 'exception');
  return [...entries.slice(0, at), ['review-by', REVIEW_BY_SUMMARY], ...entries.slice(at)];
}

export const LINT_RULES: Readonly<Record<string, LintRule>> = {
  'privacy-record': { check: checkPrivacyRecord, severity: 'error', summary: 'every field and header has a purpose, a GDPR Art. 6(1) basis, a basis note, a category, a retention period and an owner' },
  proportionality: { check: checkProportionality, severity: 'error', summary: 'a field based on legitimate interests says why the interest outweighs the data subjects\'' },
  'personal-data-name': { check: checkPersonalDataName, severity: 'error', summary: 'no field whose name or description looks like personal data, a secret, or something the contract says it does not collect' },
  'personal-default': { check: checkPersonalDefault, severity: 'error', summary: 'no default or example value that looks like an email, IP address, phone number or secret' },
  'closed-object': { check: checkClosedObject, severity: 'error', summary: 'every object is closed: additionalProperties false, no patternProperties' },
  'bounded-string': { check: checkBoundedString, severity: 'error', summary: 'every string has an enum or const, or a pattern or format with a maxLength' },
  'values-stated': { check: checkValuesStated, severity: 'error', summary: 'every string says in its privacy record what values it can hold and what keeps it to them' },
  'free-text': { check: checkFreeText, severity: 'error', summary: `no string can carry more than ${FREE_TEXT_BITS} bits, measured from its pattern and length, unless its record names what bounds it beyond the schema` },
  'bounded-array': { check: checkBoundedArray, severity: 'error', summary: 'every list has a maxItems' },
  'bounded-number': { check: checkBoundedNumber, severity: 'error', summary: 'every number has a minimum, and a maximum unless it is an integer' },
  'no-any': { check: checkNoAny, severity: 'error', summary: 'no field accepts any JSON value' },
  exception: { check: checkExceptions, severity: 'error', summary: 'an exception names an exemptable rule, is justified in writing, and exempts something' },
};

/** Every rule on every subject (the versions, and the connection test as version 0): the per-version rules, then review-by over all. */
export function lintAll(subjects: readonly ReviewSubject[], today: string = todayUtc()): Finding[] {
  return [...subjects.flatMap(({ contract, schema, sources }) => lintContract(contract, schema, today, sources)), ...reviewByFindings(subjects, today)];
}

/**
 * The file that declares a field: the first of the contract's files (its own
 * first) with the field's key written as a property, `activeSeats:` or
 * `'x-telemetry-customer':`. A header is declared in schema/headers.ts, a
 * field a later version takes over unchanged in the version it comes from.
 * The contract's own file when no file says (or none is known).
 */
export function declaringFile(field: string, contract: Contract, sources: readonly SourceFile[] = []): string {
  const key = field.replace(/^header /, '').replace(/\[\]/g, '').split('.').pop()!;
  if (key === '') return contract.source;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const declared = new RegExp(`(?:^|[\\s{,])(['"]?)${escaped}\\1\\s*:`, 'm');
  return sources.find((file) => declared.test(file.text))?.path ?? contract.source;
}

/** Runs every per-version lint rule on one contract version (review-by looks at all versions at once: see lintAll). */
export function lintContract(contract: Contract, schema: JsonSchema, today: string = todayUtc(), sources: readonly SourceFile[] = []): Finding[] {
  const context = { contract, schema, today };
  // Only exemptable rules can be exempted; any other exception is a finding of its own (checkExceptions).
  const exceptions = declaredExceptions(schema).filter((e) => (EXEMPTABLE_RULES as readonly string[]).includes(e.rule));
  const used = new Set<(typeof exceptions)[number]>();
  const findings: Finding[] = [];
  for (const [rule, { check, severity }] of Object.entries(LINT_RULES)) {
    for (const finding of check(context)) {
      const excused = exceptions.find((e) => e.rule === rule && e.field === finding.where);
      if (excused !== undefined) {
        used.add(excused);
        continue;
      }
      findings.push({ severity, ...finding, where: `${declaringFile(finding.where, contract, sources)} ${finding.where}`, rule });
    }
  }
  for (const exception of exceptions) {
    if (used.has(exception)) continue;
    findings.push({
      where: `${declaringFile(exception.field, contract, sources)} ${exception.field}`,
      what: `the exception for ${exception.rule} exempts nothing: the field passes that rule`,
      rule: 'exception',
      fix: 'remove the exception, so the audit document lists only real ones',
      severity: 'error',
    });
  }
  return findings;
}
