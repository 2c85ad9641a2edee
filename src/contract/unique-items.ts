/**
 * `uniqueItems` for the generated yes/no guards (generated/v<N>/is-valid.js),
 * bundled into them at generate time like ./formats.ts.
 */
import jsonEqual from './json-equal.js';

/** No two items equal by `===`; for arrays whose items must all be of one scalar type. */
export function uniquePrimitives(items: readonly unknown[]): boolean {
  // Strictly ascending items of one type are distinct: one pass. Sorted lists are common (a
  // contract rule often asks for them), and `<` within one type is a strict order; NaN stops it.
  let i = 1;
  while (i < items.length) {
    const a = items[i - 1];
    const b = items[i];
    if (!(typeof a === typeof b && (a as number | string) < (b as number | string))) break;
    i++;
  }
  if (i >= items.length) return true;
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
