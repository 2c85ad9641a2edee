/**
 * The privacy content of a version: what a privacy review approves. Every
 * field and header with its type, format, pattern, allowed values, whether
 * it is required, and its whole privacy record; the "not collected" list;
 * and the record of processing (Art. 30) the version is processed under.
 * Numeric bounds and cross-field rules are left out: tightening a maximum
 * changes what is valid, not what is collected or why.
 */
import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import { canonicalJson } from '../contract/canonical.js';
import { createHash } from 'node:crypto';
import { type JsonSchema, listContractFields } from '../contract/fields.js';

const KEPT = ['type', 'format', 'pattern', 'const', 'enum', 'anyOf', PRIVACY_KEYWORD] as const;

export function privacyContent(schema: JsonSchema, processingRecord?: ProcessingRecord): unknown {
  return {
    ...(processingRecord === undefined ? {} : { processingRecord }),
    fields: listContractFields(schema).map((field) => ({
      path: field.path,
      header: field.header === true,
      required: field.required,
      ...Object.fromEntries(KEPT.filter((k) => field.schema[k] !== undefined).map((k) => [k, field.schema[k]])),
    })),
    notCollected: schema['x-not-collected'] ?? [],
  };
}

/** `sha256:<hex>` of a version's privacy content, canonical JSON. */
export function privacyHash(schema: JsonSchema, processingRecord?: ProcessingRecord): string {
  return `sha256:${createHash('sha256').update(canonicalJson(privacyContent(schema, processingRecord))).digest('hex')}`;
}
