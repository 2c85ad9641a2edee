/**
 * Cross-field rules: constraints JSON Schema cannot state (an order between two
 * fields, sortedness). They are data, not code: the generator emits them into
 * the JSON Schema under `x-rules`, the runtime validator interprets them, and
 * the audit document lists them. A new kind needs an interpreter in
 * `src/contract/rules.ts`; a new rule of an existing kind needs only a line here.
 *
 * Paths are JSON Pointers (RFC 6901) into the payload.
 */
export type CrossFieldRule =
  | {
      readonly id: string;
      /** `earlier` names an instant strictly before the one `later` names. */
      readonly kind: 'instant-before';
      readonly earlier: string;
      readonly later: string;
      readonly meaning: string;
    }
  | {
      readonly id: string;
      /** The array at `path` is in ascending Unicode code point order. */
      readonly kind: 'sorted-by-code-point';
      readonly path: string;
      readonly meaning: string;
    };

export type CrossFieldRuleKind = CrossFieldRule['kind'];

/** The JSON Schema keyword the rules are emitted under, at the schema root. */
export const RULES_KEYWORD = 'x-rules';
