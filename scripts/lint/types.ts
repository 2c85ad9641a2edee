import type { Contract } from '../../schema/contract.js';
import type { Finding } from '../lib/findings.js';
import type { JsonSchema } from '../lib/fields.js';

export interface LintContext {
  readonly contract: Contract;
  /** The contract's generated JSON Schema: lint reads what goes on the wire, so a JSON-level edit cannot slip by. */
  readonly schema: JsonSchema;
}

export type LintCheck = (context: LintContext) => Iterable<Omit<Finding, 'rule' | 'severity'>>;
