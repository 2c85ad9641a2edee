import { DATA_CATEGORIES, LEGAL_BASES, PRIVACY_KEYWORD, RETENTION_PATTERN } from '../../schema/privacy.js';
import type { Finding } from '../cli/findings.js';
import { type Field, isSchemaObject, listContractFields } from '../contract/fields.js';
import type { LintContext } from './types.js';

const PLACEHOLDER = /^(todo|tbd|fixme|xxx|n\/?a|none|-+|\.+|placeholder|lorem ipsum.*|description|purpose)$/i;

function describeText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is missing or empty';
  if (PLACEHOLDER.test(value.trim())) return `is a placeholder ("${value.trim()}")`;
  return undefined;
}

/** How findings name a field: its dotted path, or `header <name>`. */
export function fieldName(field: Field): string {
  return field.header === true ? `header ${field.path}` : field.path;
}

/** Every field carries a complete privacy record: purpose, legal basis, basis note, category. */
export function* checkPrivacyRecord({ schema }: LintContext): Iterable<Omit<Finding, 'rule' | 'severity'>> {
  for (const field of listContractFields(schema)) {
    // Array items are described by their array's record; their object properties are fields of their own.
    if (field.isItems) continue;
    const record = field.schema[PRIVACY_KEYWORD];
    const addRecord = `add privacy({ purpose, legalBasis, basisNote, category }) to the field's options in schema/`;
    if (!isSchemaObject(record)) {
      yield { where: fieldName(field), what: `has no privacy record (${PRIVACY_KEYWORD})`, fix: addRecord };
      continue;
    }
    for (const key of ['purpose', 'basisNote', 'owner'] as const) {
      const problem = describeText(record[key]);
      if (problem !== undefined) {
        yield { where: fieldName(field), what: `privacy record: ${key} ${problem}`, fix: `write the ${key} in a sentence a reviewer can judge` };
      }
    }
    const basis = record['legalBasis'];
    if (typeof basis !== 'string' || !Object.hasOwn(LEGAL_BASES, basis)) {
      yield {
        where: fieldName(field),
        what: `privacy record: legalBasis ${typeof basis === 'string' ? `"${basis}" is not` : 'is not'} a GDPR Art. 6(1) basis`,
        fix: `use one of ${Object.keys(LEGAL_BASES).join(', ')}`,
      };
    }
    const category = record['category'];
    if (typeof category !== 'string' || !Object.hasOwn(DATA_CATEGORIES, category)) {
      yield {
        where: fieldName(field),
        what: `privacy record: category ${typeof category === 'string' ? `"${category}" is not` : 'is not'} a known data category`,
        fix: `use one of ${Object.keys(DATA_CATEGORIES).join(', ')}`,
      };
    }
    const retention = record['retention'];
    if (typeof retention !== 'string' || !RETENTION_PATTERN.test(retention)) {
      yield {
        where: fieldName(field),
        what: `privacy record: retention ${typeof retention === 'string' ? `"${retention}" is not` : 'is not'} a retention period`,
        fix: 'write an ISO 8601 duration (P0D for never stored, P400D, P13M, P2Y) or contract-end+P30D',
      };
    }
    if (record['purpose'] !== field.schema['description']) {
      yield { where: fieldName(field), what: 'description differs from the privacy record\'s purpose', fix: 'set the purpose through privacy() and no description of its own' };
    }
  }
}
