/**
 * The contract lint: one small check per rule, registered in one table. Each
 * check yields findings; the table gives them their rule id and severity.
 */
import type { Contract } from '../../schema/contract.js';
import type { Finding } from '../lib/findings.js';
import type { JsonSchema } from '../lib/fields.js';
import { checkPrivacyRecord } from './privacy-record.js';
import { checkReviewBy } from './review-by.js';
import { type LintCheck, today as todayUtc } from './types.js';

export const LINT_RULES: Readonly<Record<string, { readonly check: LintCheck; readonly severity: Finding['severity']; readonly summary: string }>> = {
  'privacy-record': {
    check: checkPrivacyRecord,
    severity: 'error',
    summary: 'every field has a purpose, a GDPR Art. 6(1) legal basis, a basis note, a data category, a retention period and an owner',
  },
  'review-by': {
    check: checkReviewBy,
    severity: 'error',
    summary: 'every field is reviewed again by its reviewBy date (a warning 30 days before), set at most two years ahead',
  },
};

/** Runs every lint rule on one contract version. */
export function lintContract(contract: Contract, schema: JsonSchema, today: string = todayUtc()): Finding[] {
  const findings: Finding[] = [];
  for (const [rule, { check, severity }] of Object.entries(LINT_RULES)) {
    for (const finding of check({ contract, schema, today })) {
      findings.push({ severity, ...finding, where: `${contract.source} ${finding.where}`, rule });
    }
  }
  return findings;
}
