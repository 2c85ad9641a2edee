/**
 * Interpreter for the contract's cross-field rules (declared as data in
 * schema/, shipped inside each generated JSON Schema under `x-rules`).
 */
import type { CrossFieldRule } from '../schema/rules.js';
import { type ValidationError, makeError, valueAt } from './errors.js';
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

function* check(rule: CrossFieldRule, payload: unknown): Iterable<ValidationError> {
  switch (rule.kind) {
    case 'instant-before': {
      const earlier = valueAt(payload, rule.earlier);
      const later = valueAt(payload, rule.later);
      if (typeof earlier !== 'string' || typeof later !== 'string') return;
      const a = parseInstant(earlier);
      const b = parseInstant(later);
      if (a === undefined || b === undefined) return;
      if (compareInstants(a, b) >= 0) {
        yield makeError(rule.later, `must be later than ${rule.earlier.slice(1)}, got ${compareInstants(a, b) === 0 ? 'the same instant' : 'an earlier instant'}`, rule.id);
      }
      return;
    }
    case 'sorted-by-code-point': {
      const list = valueAt(payload, rule.path);
      if (!Array.isArray(list)) return;
      for (let i = 1; i < list.length; i++) {
        const previous: unknown = list[i - 1];
        const item: unknown = list[i];
        if (typeof previous === 'string' && typeof item === 'string' && compareCodePoints(previous, item) > 0) {
          yield makeError(`${rule.path}/${i}`, `must not sort before item ${i - 1} (ascending code point order)`, rule.id);
        }
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
