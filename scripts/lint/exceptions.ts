import { EXEMPTABLE_RULES, PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { isSchemaObject, listContractFields } from '../contract/fields.js';
import type { Finding } from '../cli/findings.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

const MIN_WORDS = 8;
const PLACEHOLDER = /^(todo|tbd|fixme|n\/?a|none|needed|required|-+|\.+)\.?$/i;

export interface DeclaredException {
  readonly field: string;
  readonly rule: string;
  readonly justification: string;
}

/** Every exception declared in the contract's privacy records, by field. */
export function declaredExceptions(schema: Readonly<Record<string, unknown>>): DeclaredException[] {
  return listContractFields(schema).flatMap((field) => {
    const record = field.schema[PRIVACY_KEYWORD];
    const list = isSchemaObject(record) && Array.isArray(record['exceptions']) ? (record['exceptions'] as Array<{ rule?: unknown; justification?: unknown }>) : [];
    return list.map((e) => ({ field: fieldName(field), rule: String(e.rule), justification: typeof e.justification === 'string' ? e.justification.trim() : '' }));
  });
}

/** An exception names a rule that can be exempted, and says why in a sentence or two. */
export function* checkExceptions({ schema }: LintContext): Iterable<Omit<Finding, 'rule' | 'severity'>> {
  for (const exception of declaredExceptions(schema)) {
    if (!(EXEMPTABLE_RULES as readonly string[]).includes(exception.rule)) {
      yield { where: exception.field, what: `declares an exception for "${exception.rule}", which is not a rule that can be exempted`, fix: `use one of ${EXEMPTABLE_RULES.join(', ')}` };
    } else if (exception.justification === '' || PLACEHOLDER.test(exception.justification) || exception.justification.split(/\s+/).length < MIN_WORDS) {
      yield { where: exception.field, what: `the exception for ${exception.rule} has no real justification`, fix: 'say in a sentence or two why the rule does not apply; reviewers read it in the audit document' };
    }
  }
}
