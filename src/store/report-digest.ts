/**
 * The digest a store keeps of each report, so a window that arrives again is
 * told apart: the same report (answered as already stored) or another body
 * for a stored window (refused, `window-conflict`). Computed from the
 * verified payload, not the bytes, so the same report sent in another JSON
 * spelling, or encrypted afresh, has the same digest.
 */
import { sha256, toHex, utf8 } from '../wire/bytes.js';

/** JSON with object members in code point order at every depth: one text per value. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Lowercase hex SHA-256 of the payload's canonical JSON (members sorted by
 * code point at every depth, no white space).
 *
 * @example
 * reportDigest({ b: 1, a: [2] }) === reportDigest({ a: [2], b: 1 }); // true
 */
export function reportDigest(payload: unknown): string {
  return toHex(sha256(utf8(canonicalJson(payload))));
}
