import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { isSchemaObject, listContractFields } from '../contract/fields.js';
import type { Finding } from '../cli/findings.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

const PLACEHOLDER = /^(todo|tbd|fixme|n\/?a|none|-+|\.+|proportionate|necessary)\.?$/i;
const MIN_WORDS = 8;
const MAX_CHARS = 600;

/**
 * A field collected on legitimate interests (Art. 6(1)(f)) says in one or two
 * sentences why the interest outweighs the data subjects': the balancing test
 * a DPIA asks for, written where the field is declared.
 */
export function* checkProportionality({ schema }: LintContext): Iterable<Omit<Finding, 'rule' | 'severity'>> {
  for (const field of listContractFields(schema)) {
    const record = field.schema[PRIVACY_KEYWORD];
    if (field.isItems || !isSchemaObject(record) || record['legalBasis'] !== 'legitimate-interests') continue;
    const note = typeof record['proportionality'] === 'string' ? record['proportionality'].trim() : '';
    const fix = 'write in proportionality, in one or two sentences, why the interest outweighs the data subjects\' interests';
    if (note === '' || PLACEHOLDER.test(note)) {
      yield { where: fieldName(field), what: `is based on legitimate interests but has ${note === '' ? 'no' : 'only a placeholder'} proportionality note`, fix };
    } else if (note.split(/\s+/).length < MIN_WORDS) {
      yield { where: fieldName(field), what: `proportionality note is too short to weigh anything (${note.split(/\s+/).length} words)`, fix };
    } else if (note.length > MAX_CHARS) {
      yield { where: fieldName(field), what: `proportionality note is longer than ${MAX_CHARS} characters`, fix: 'keep it to one or two sentences; link a DPIA for the long form' };
    }
  }
}
