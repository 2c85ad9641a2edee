/**
 * Interpreter for the contract's cross-field rules (declared as data in
 * schema/, shipped inside each generated JSON Schema under `x-rules`).
 */
import type { CrossFieldRule } from '../../schema/rules.js';
import { type ValidationError, makeError, pointerTokens, valueAt, valueAtTokens } from './errors.js';
import { compareInstantTexts } from './instant.js';

export type { CrossFieldRule } from '../../schema/rules.js';

/** Compares two strings by Unicode code point (JS `<` compares UTF-16 code units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const length = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Equal units before, and neither unit here a surrogate: these units are the code points that decide.
    if ((x < 0xd800 || x > 0xdfff) && (y < 0xd800 || y > 0xdfff)) return x - y;
    return compareByCodePoint(a, b);
  }
  // One is a prefix of the other: the shorter sorts first (a high surrogate it ends with is a lone one, below any pair).
  return a.length - b.length;
}

function compareByCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function pathsOf(rule: CrossFieldRule): string[] {
  switch (rule.kind) {
    case 'instant-before':
      return [rule.earlier, rule.later];
    case 'sorted-by-code-point':
      return [rule.path];
  }
}

/** The order of two date-times, or undefined when either is not a contract instant (then it is its field's error, not the rule's). */
function instantOrder(earlier: unknown, later: unknown, dateTimes = false): number | undefined {
  return typeof earlier === 'string' && typeof later === 'string' ? compareInstantTexts(earlier, later, dateTimes) : undefined;
}

type Subschema = { readonly type?: unknown; readonly properties?: unknown; readonly required?: unknown; readonly format?: unknown };

/** The subschema of the value at these tokens, following `properties` only, and whether every step is a required member of an object. */
function subschemaAt(schema: unknown, tokens: readonly string[]): { readonly schema: Subschema | undefined; readonly required: boolean } {
  let current = schema as Subschema | undefined;
  let required = true;
  for (const token of tokens) {
    const properties = typeof current === 'object' && current !== null ? current.properties : undefined;
    if (typeof properties !== 'object' || properties === null || !Object.hasOwn(properties, token)) return { schema: undefined, required: false };
    required &&= current!.type === 'object' && Array.isArray(current!.required) && current!.required.includes(token);
    current = (properties as Record<string, Subschema>)[token];
  }
  return { schema: typeof current === 'object' && current !== null ? current : undefined, required };
}

/**
 * Reads the value at these tokens, as valueAtTokens does. Where the schema a
 * payload has passed makes every step a required member of an object, that
 * member is known to be the payload's own, and a plain read gives the same value.
 */
function reader(schema: unknown, tokens: readonly string[]): (payload: unknown) => unknown {
  if (schema !== undefined && tokens.length === 1 && subschemaAt(schema, tokens).required) {
    const [token] = tokens as [string];
    return (payload) => (payload as Record<string, unknown>)[token];
  }
  return (payload) => valueAtTokens(payload, tokens);
}

/** True when item i of the list sorts before item i - 1; items that are not strings are their own error. */
function sortsBeforePrevious(list: readonly unknown[], i: number): boolean {
  const previous = list[i - 1];
  const item = list[i];
  return typeof previous === 'string' && typeof item === 'string' && compareCodePoints(previous, item) > 0;
}

function* check(rule: CrossFieldRule, payload: unknown): Iterable<ValidationError> {
  switch (rule.kind) {
    case 'instant-before': {
      const order = instantOrder(valueAt(payload, rule.earlier), valueAt(payload, rule.later));
      if (order !== undefined && order >= 0) {
        yield makeError(rule.later, `must be later than ${rule.earlier.slice(1)}, got ${order === 0 ? 'the same instant' : 'an earlier instant'}`, rule.id);
      }
      return;
    }
    case 'sorted-by-code-point': {
      const list = valueAt(payload, rule.path);
      if (!Array.isArray(list)) return;
      for (let i = 1; i < list.length; i++) {
        if (sortsBeforePrevious(list, i)) yield makeError(`${rule.path}/${i}`, `must not sort before item ${i - 1} (ascending code point order)`, rule.id);
      }
      return;
    }
  }
}

/**
 * Checks every rule whose fields passed the schema. A rule is skipped when one
 * of its fields already has an error, so each problem is reported once.
 */
export function checkRules(rules: readonly CrossFieldRule[], payload: unknown, schemaErrors: readonly ValidationError[]): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const rule of rules) {
    const blocked = pathsOf(rule).some((path) => schemaErrors.some((e) => e.path === path || e.path.startsWith(`${path}/`)));
    if (!blocked) errors.push(...check(rule, payload));
  }
  return errors;
}

function holds(rule: CrossFieldRule, schema: unknown): (payload: unknown) => boolean {
  switch (rule.kind) {
    case 'instant-before': {
      const earlier = pointerTokens(rule.earlier);
      const later = pointerTokens(rule.later);
      const [readEarlier, readLater] = [reader(schema, earlier), reader(schema, later)];
      // Strings the schema already held to `format: date-time` need not be checked for it again.
      const dateTimes = subschemaAt(schema, earlier).schema?.format === 'date-time' && subschemaAt(schema, later).schema?.format === 'date-time';
      return (payload) => {
        const order = instantOrder(readEarlier(payload), readLater(payload), dateTimes);
        return order === undefined || order < 0;
      };
    }
    case 'sorted-by-code-point': {
      const read = reader(schema, pointerTokens(rule.path));
      return (payload) => {
        const list = read(payload);
        if (!Array.isArray(list)) return true;
        for (let i = 1; i < list.length; i++) if (sortsBeforePrevious(list, i)) return false;
        return true;
      };
    }
  }
}

/**
 * The rules as one yes/no check of a payload that passed its schema: the
 * verdict of {@link checkRules} without building error objects, and with each
 * pointer parsed once, here, instead of on every payload. Given that schema
 * (JSON Schema), the check skips what the schema has already checked.
 *
 * @example
 * const rulesHold = compileRules(v1Rules, v1Schema);
 * if (schemaValid && rulesHold(payload)) accept(payload);
 */
export function compileRules(rules: readonly CrossFieldRule[], schema?: unknown): (payload: unknown) => boolean {
  const checks = rules.map((rule) => holds(rule, schema));
  return (payload) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(payload)) return false;
    return true;
  };
}
