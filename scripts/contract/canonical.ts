/**
 * Canonical JSON and content hashes. Two documents that mean the same hash the
 * same, whatever their key order; the `$comment` header is not content.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of a contract's JSON Schema document: types, bounds, privacy records, headers, rules, not-collected list. */
export function contentHash(schema: Readonly<Record<string, unknown>>): string {
  const { $comment: _header, ...content } = schema;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}
