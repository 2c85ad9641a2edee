/**
 * No open doors: every object closed, every string, list and number bounded,
 * no field of any type. A free-text string or an open object is the usual way
 * personal data slips into telemetry without anyone deciding to collect it.
 * The header set is exempt from closedness by nature (proxies add headers);
 * each declared header value is still checked.
 */
import { type Field, type JsonSchema, isSchemaObject, listContractFields } from '../contract/fields.js';
import type { Finding } from '../cli/findings.js';
import { fieldName } from './privacy-record.js';
import type { LintContext } from './types.js';

type Yielded = Omit<Finding, 'rule' | 'severity'>;

function isEnumerated(schema: JsonSchema): boolean {
  if (schema['const'] !== undefined || Array.isArray(schema['enum'])) return true;
  const branches = schema['anyOf'] ?? schema['oneOf'];
  return Array.isArray(branches) && branches.length > 0 && branches.every((b) => isSchemaObject(b) && isEnumerated(b));
}

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : [];
}

/** The payload root and every object-typed field, each with the name findings use. */
function objects(schema: JsonSchema): Array<{ where: string; schema: JsonSchema }> {
  const fields = listContractFields(schema).filter((f) => f.header !== true && typesOf(f.schema).includes('object'));
  return [{ where: '(payload)', schema }, ...fields.map((f) => ({ where: fieldName(f), schema: f.schema }))];
}

export function* checkClosedObject({ schema }: LintContext): Iterable<Yielded> {
  for (const object of objects(schema)) {
    const fix = 'close the object: additionalProperties false, and every property declared with its own record';
    if (object.schema['additionalProperties'] !== false) {
      const what = object.schema['additionalProperties'] === undefined || object.schema['additionalProperties'] === true ? 'is an open object (additionalProperties is not false)' : 'is a free-form record (additionalProperties is a schema)';
      yield { where: object.where, what, fix };
    }
    if (object.schema['patternProperties'] !== undefined) yield { where: object.where, what: 'declares patternProperties, a free-form record', fix };
  }
}

const checkEach = (test: (field: Field) => Yielded | undefined) =>
  function* ({ schema }: LintContext): Iterable<Yielded> {
    for (const field of listContractFields(schema)) {
      const finding = test(field);
      if (finding) yield finding;
    }
  };

export const checkBoundedString = checkEach((field) => {
  if (!typesOf(field.schema).includes('string') || isEnumerated(field.schema)) return undefined;
  const shaped = field.schema['pattern'] !== undefined || field.schema['format'] !== undefined;
  if (shaped && typeof field.schema['maxLength'] === 'number') return undefined;
  return {
    where: fieldName(field),
    what: shaped ? 'is a string without maxLength' : 'is a free-text string (no enum, const, pattern or format)',
    fix: 'give it an enum or const, or a pattern or format together with a maxLength',
  };
});

export const checkBoundedArray = checkEach((field) =>
  typesOf(field.schema).includes('array') && typeof field.schema['maxItems'] !== 'number'
    ? { where: fieldName(field), what: 'is a list without maxItems', fix: 'set maxItems to the largest list a deployment can honestly have' }
    : undefined,
);

export const checkBoundedNumber = checkEach((field) => {
  const types = typesOf(field.schema);
  if (!types.includes('number') && !types.includes('integer')) return undefined;
  if (isEnumerated(field.schema)) return undefined;
  const hasMin = field.schema['minimum'] !== undefined || field.schema['exclusiveMinimum'] !== undefined;
  const hasMax = field.schema['maximum'] !== undefined || field.schema['exclusiveMaximum'] !== undefined;
  if (hasMin && (hasMax || !types.includes('number'))) return undefined;
  return {
    where: fieldName(field),
    what: !hasMin ? 'is a number without a minimum' : 'is a non-integer number without a maximum',
    fix: 'set minimum, and maximum unless it is an integer',
  };
});

export const checkNoAny = checkEach((field) =>
  typesOf(field.schema).length === 0 && !isEnumerated(field.schema) && field.schema['anyOf'] === undefined && field.schema['oneOf'] === undefined
    ? { where: fieldName(field), what: 'accepts any JSON value (no type)', fix: 'give the field a type and bounds; `any` and `unknown` are not allowed' }
    : undefined,
);
