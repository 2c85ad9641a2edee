/**
 * `uniqueItems` for the generated yes/no guards (generated/v<N>/is-valid.js),
 * bundled into them at generate time like src/formats.ts.
 */
import jsonEqual from './json-equal.js';

/** No two items equal by `===`; for arrays whose items must all be of one scalar type. */
export function uniquePrimitives(items: readonly unknown[]): boolean {
  // Short lists, the usual case, are cheaper to compare pairwise than to hash.
  if (items.length <= 16) {
    for (let i = 1; i < items.length; i++) for (let j = 0; j < i; j++) if (items[i] === items[j]) return false;
    return true;
  }
  return new Set(items).size === items.length;
}

/** No two items equal as JSON values, compared pairwise (items of any type). */
export function uniqueJson(items: readonly unknown[]): boolean {
  for (let i = 1; i < items.length; i++) for (let j = 0; j < i; j++) if (jsonEqual(items[i], items[j])) return false;
  return true;
}
