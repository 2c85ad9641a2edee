/**
 * The contract lint: one small check per rule, registered in one table. Each
 * check yields findings; the table gives them their rule id and severity.
 */
import type { Contract } from '../../schema/contract.js';
import type { Finding } from '../lib/findings.js';
import type { JsonSchema } from '../lib/fields.js';
import { checkPrivacyRecord } from './privacy-record.js';
import type { LintCheck } from './types.js';

export const LINT_RULES: Readonly<Record<string, { readonly check: LintCheck; readonly severity: Finding['severity']; readonly summary: string }>> = {
  'privacy-record': {
    check: checkPrivacyRecord,
    severity: 'error',
    summary: 'every field has a purpose, a GDPR Art. 6(1) legal basis, a basis note and a data category',
  },
};

/** Runs every lint rule on one contract version. */
export function lintContract(contract: Contract, schema: JsonSchema): Finding[] {
  const findings: Finding[] = [];
  for (const [rule, { check, severity }] of Object.entries(LINT_RULES)) {
    for (const finding of check({ contract, schema })) {
      findings.push({ ...finding, where: `${contract.source} ${finding.where}`, rule, severity });
    }
  }
  return findings;
}
