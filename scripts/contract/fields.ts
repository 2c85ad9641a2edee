/**
 * Walks a JSON Schema's fields in declaration order: object properties (nested
 * ones as `a.b`) and array items (`a[]`, their object properties as `a[].b`).
 * Every generator that talks about "fields" (lint, audit table, diff,
 * conformance vectors) sees the same list from here.
 */
import { escapePointerToken } from '../../src/contract/errors.js';

export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Field {
  /** Dotted path as reviewers read it: `license.id`, `items[]`, `items[].name`. */
  readonly path: string;
  /** JSON Pointer to the field's subschema within the document. */
  readonly pointer: string;
  readonly schema: JsonSchema;
  /** Whether the field must be present (array items count as present when the array is). */
  readonly required: boolean;
  /** True for `a[]` entries: the items of an array field, described by the array's record. */
  readonly isItems: boolean;
  /** True for an HTTP header (declared under `x-headers` or `x-transport-headers`), false for a body field. */
  readonly header?: boolean;
  /** True for a header HTTP or the runtime puts on every request (`x-transport-headers`), which ingest neither checks nor stores. */
  readonly transport?: boolean;
}

export function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON types a schema names in `type`, as a list (empty when it names none). */
export function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  return Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : [];
}

/** The only values a schema allows (`const`, `enum`, or an `anyOf` of consts, as TypeBox writes unions of literals), or undefined. */
export function enumerated(schema: JsonSchema): unknown[] | undefined {
  if (schema['const'] !== undefined) return [schema['const']];
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[];
  const branches = schema['anyOf'];
  if (Array.isArray(branches) && branches.every((b) => isSchemaObject(b) && b['const'] !== undefined)) return branches.map((b) => (b as JsonSchema)['const']);
  return undefined;
}

/**
 * The fields of a generated contract JSON Schema: the payload's, then each
 * header's (from `x-headers`, then `x-transport-headers`) with `header` set
 * and the header name as path.
 */
export function listContractFields(document: JsonSchema): Field[] {
  const headerFields = (keyword: string, transport: boolean): Field[] => {
    const headers = document[keyword];
    return isSchemaObject(headers) ? listFields(headers).map((field) => ({ ...field, pointer: `/${keyword}${field.pointer}`, header: true, ...(transport ? { transport } : {}) })) : [];
  };
  return [...listFields(document), ...headerFields('x-headers', false), ...headerFields('x-transport-headers', true)];
}

export function listFields(root: JsonSchema): Field[] {
  const fields: Field[] = [];
  const visitChildren = (schema: JsonSchema, path: string, pointer: string): void => {
    const properties = schema['properties'];
    if (isSchemaObject(properties)) {
      const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
      for (const [name, child] of Object.entries(properties)) {
        if (!isSchemaObject(child)) continue;
        const childPath = path === '' ? name : `${path}.${name}`;
        const childPointer = `${pointer}/properties/${escapePointerToken(name)}`;
        fields.push({ path: childPath, pointer: childPointer, schema: child, required: required.includes(name), isItems: false });
        visitChildren(child, childPath, childPointer);
      }
    }
    const items = schema['items'];
    if (isSchemaObject(items) && path !== '') {
      const itemsPath = `${path}[]`;
      const itemsPointer = `${pointer}/items`;
      fields.push({ path: itemsPath, pointer: itemsPointer, schema: items, required: true, isItems: true });
      visitChildren(items, itemsPath, itemsPointer);
    }
  };
  visitChildren(root, '', '');
  return fields;
}
