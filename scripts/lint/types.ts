import type { Contract } from '../../schema/contract.js';
import type { Finding } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';

export interface LintContext {
  readonly contract: Contract;
  /** The contract's generated JSON Schema: lint reads what goes on the wire, so a JSON-level edit cannot slip by. */
  readonly schema: JsonSchema;
  /** Today's date (YYYY-MM-DD, UTC). */
  readonly today: string;
}

/** How every command that runs the lint documents the override of today's date. */
export const TODAY_HELP = [
  'TELEMETRY_CONTRACT_TODAY=YYYY-MM-DD sets the day the review-by rule compares with (default: today,',
  'UTC): a day ahead shows which reviews fall due before it, a past CI run\'s day reproduces that run.',
];

/** Today in UTC as YYYY-MM-DD; TELEMETRY_CONTRACT_TODAY overrides it (tests, reproducing a CI run). */
export function today(): string {
  const fixed = process.env['TELEMETRY_CONTRACT_TODAY'];
  return fixed !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? fixed : new Date().toISOString().slice(0, 10);
}

/** A check yields findings without a rule id; a severity of its own overrides the table's default. */
export type LintCheck = (context: LintContext) => Iterable<Omit<Finding, 'rule' | 'severity'> & { readonly severity?: Finding['severity'] }>;
