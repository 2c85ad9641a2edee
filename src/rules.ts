/**
 * Interpreter for the contract's cross-field rules (declared as data in
 * schema/, shipped inside each generated JSON Schema under `x-rules`).
 */
import type { CrossFieldRule } from '../schema/rules.js';
import { type ValidationError, makeError, pointerTokens, valueAt, valueAtTokens } from './errors.js';
import { compareInstants, parseInstant } from './instant.js';

export type { CrossFieldRule } from '../schema/rules.js';

/** Compares two strings by Unicode code point (JS `<` compares UTF-16 code units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
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
function instantOrder(earlier: unknown, later: unknown): number | undefined {
  if (typeof earlier !== 'string' || typeof later !== 'string') return undefined;
  const a = parseInstant(earlier);
  const b = parseInstant(later);
  return a === undefined || b === undefined ? undefined : compareInstants(a, b);
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

function holds(rule: CrossFieldRule): (payload: unknown) => boolean {
  switch (rule.kind) {
    case 'instant-before': {
      const earlier = pointerTokens(rule.earlier);
      const later = pointerTokens(rule.later);
      return (payload) => {
        const order = instantOrder(valueAtTokens(payload, earlier), valueAtTokens(payload, later));
        return order === undefined || order < 0;
      };
    }
    case 'sorted-by-code-point': {
      const path = pointerTokens(rule.path);
      return (payload) => {
        const list = valueAtTokens(payload, path);
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
 * pointer parsed once, here, instead of on every payload.
 *
 * @example
 * const rulesHold = compileRules(v1Rules);
 * if (schemaValid && rulesHold(payload)) accept(payload);
 */
export function compileRules(rules: readonly CrossFieldRule[]): (payload: unknown) => boolean {
  const checks = rules.map(holds);
  return (payload) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(payload)) return false;
    return true;
  };
}
