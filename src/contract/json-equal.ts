/**
 * Deep equality of JSON values, for `uniqueItems` in the generated
 * validators: inlined in place of ajv's runtime helper (fast-deep-equal),
 * which calls a value's own `valueOf`/`toString` and so throws on the JSON
 * object {"toString": null}. Own enumerable keys only; no method is called.
 * Imports nothing: it is bundled into each generated validator.
 */
export default function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
