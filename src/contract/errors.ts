/**
 * Validation errors in one shape: a JSON Pointer path, the id of the broken
 * rule, and a message `<path>: <what is wrong>, got <kind of value> (<rule>)`.
 * Messages describe the kind of a value, never echo a string: a payload that
 * fails validation may carry exactly the data it must not. A member name the
 * payload brought (an unknown field) is shown only as a short identifier,
 * else by its length (see {@link shownName}).
 */
import { PATTERN_WORDS } from '../../schema/patterns.js';
import type { SchemaError } from './generated-validator.js';

export interface ValidationError {
  /** JSON Pointer (RFC 6901) to the offending value; `""` is the payload itself. */
  readonly path: string;
  /** The broken rule: a JSON Schema keyword (`maximum`, `required`…) or a contract rule id (`period-order`). */
  readonly rule: string;
  /** One line: `<path>: <what is wrong> (<rule>)`. */
  readonly message: string;
}

/** The result of validating or parsing: the typed payload, or every problem found. */
export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly ValidationError[] };

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The longest received member name an error shows; a longer one, or one of other characters, is shown by its length. */
export const MAX_SHOWN_NAME = 32;
const SHOWABLE_NAME = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SHOWN_NAME}}$`);

/**
 * A member name the sender chose, as an error may show it: quoted when it is
 * a short identifier (at most 32 ASCII letters, digits, `_` or `-`, as every
 * field name of the contract is), otherwise only how long it is. An error is
 * logged and sent back, and a name can be as long as the body and hold
 * anything, an e-mail address included.
 *
 * @example
 * shownName('unknownField'); // '"unknownField"'
 * shownName('alice.smith@example.com'); // 'a name of 23 characters'
 */
export function shownName(name: string): string {
  return SHOWABLE_NAME.test(name) ? JSON.stringify(name) : `a name of ${[...name].length} character${[...name].length === 1 ? '' : 's'}`;
}

/** A received member name as a pointer token: the name itself when {@link shownName} would show it, else `<a name of N characters>`. */
export function receivedPointerToken(name: string): string {
  return SHOWABLE_NAME.test(name) ? name : `<${shownName(name)}>`;
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A JSON Pointer's reference tokens, unescaped; parse once where the same pointer is read many times. */
export function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
}

/** A path through a payload as names, with `null` for every item of a list: `['codes', null, 'id']`. */
export type FieldPath = readonly (string | null)[];

/** A field path as reviewers and the docs name it: `environmentPairs.total`, `redeemedCodes[].codeId`. */
export function dottedPath(path: FieldPath): string {
  return path.reduce<string>((out, token) => (token === null ? `${out}[]` : out === '' ? token : `${out}.${token}`), '');
}

/** The value at these reference tokens, or undefined. Own properties only, so `__proto__` is just a key. */
export function valueAtTokens(root: unknown, tokens: readonly string[]): unknown {
  let current: unknown = root;
  for (let i = 0; i < tokens.length; i++) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, tokens[i]!)) return undefined;
    current = (current as Record<string, unknown>)[tokens[i]!];
  }
  return current;
}

/** The value a JSON Pointer names, or undefined. Own properties only, so `__proto__` is just a key. */
export function valueAt(root: unknown, pointer: string): unknown {
  return valueAtTokens(root, pointerTokens(pointer));
}

/** Describes a value by its kind, never by its content (strings may be secrets). */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string':
      return value.length === 0 ? 'an empty string' : `a string of ${[...value].length} character${[...value].length === 1 ? '' : 's'}`;
    case 'number':
      if (!Number.isFinite(value)) return `the number ${value}`;
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

export function makeError(path: string, what: string, rule: string): ValidationError {
  return { path, rule, message: `${path === '' ? '(root)' : path}: ${what} (${rule})` };
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  'date-time': 'an RFC 3339 date-time that exists in the calendar',
};

/** Turns one generated-validator error into a contract error, reading the value for its kind. */
export function fromSchemaError(error: SchemaError, root: unknown): ValidationError {
  const p = error.params;
  const at = error.instancePath;
  const got = () => `got ${kindOf(valueAt(root, at))}`;
  switch (error.keyword) {
    case 'required':
      return makeError(`${at}/${escapePointerToken(String(p['missingProperty']))}`, 'is required but missing', 'required');
    case 'additionalProperties': {
      const name = String(p['additionalProperty']);
      const value = valueAt(root, `${at}/${escapePointerToken(name)}`);
      return makeError(`${at}/${receivedPointerToken(name)}`, `is not a field of the contract, and unknown fields are rejected; got ${kindOf(value)}`, 'additionalProperties');
    }
    case 'type':
      return makeError(at, `must be ${String(p['type']).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}, ${got()}`, 'type');
    case 'const':
      return makeError(at, `must be exactly ${JSON.stringify(p['allowedValue'])}, ${got()}`, 'const');
    case 'enum':
      return makeError(at, `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, ${got()}`, 'enum');
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return makeError(at, `must be ${String(p['comparison'])} ${String(p['limit'])}, ${got()}`, error.keyword);
    case 'minLength':
      return makeError(at, `must have at least ${String(p['limit'])} characters, ${got()}`, 'minLength');
    case 'maxLength':
      return makeError(at, `must have at most ${String(p['limit'])} characters, ${got()}`, 'maxLength');
    case 'minItems':
      return makeError(at, `must have at least ${String(p['limit'])} items, ${got()}`, 'minItems');
    case 'maxItems':
      return makeError(at, `must have at most ${String(p['limit'])} items, ${got()}`, 'maxItems');
    case 'uniqueItems': {
      const [first, repeat] = [Number(p['i']), Number(p['j'])].sort((a, b) => a - b);
      return makeError(`${at}/${repeat}`, `repeats item ${first}; items must be unique`, 'uniqueItems');
    }
    case 'pattern': {
      const words = PATTERN_WORDS[String(p['pattern'])];
      return makeError(at, `must ${words === undefined ? `match ${String(p['pattern'])}` : `be ${words}`}, ${got()}`, 'pattern');
    }
    case 'format': {
      const format = String(p['format']);
      return makeError(at, `must be ${FORMAT_NAMES[format] ?? `a valid ${format}`}, ${got()}`, 'format');
    }
    default:
      return makeError(at, `${error.message ?? 'is invalid'}, ${got()}`, error.keyword);
  }
}
