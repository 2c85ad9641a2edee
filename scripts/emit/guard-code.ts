/**
 * JSON Schema → a yes/no guard, as a standalone module
 * (generated/v<N>/is-valid.js). It gives the verdict of the ajv validator on
 * the same schema (generated/v<N>/validate.js) without building one error
 * object, and exists for speed alone: every payload a server receives is
 * checked, nearly all of them valid, and only a refused one needs its errors
 * (which the ajv validator then reports).
 *
 * One small translation per keyword, each mirroring ajv's code for it (JSON
 * Schema 2020-12 validation vocabulary, sections 6.1 to 6.5, as ajv reads
 * them): lengths in code points, patterns with the `u` flag, numbers finite,
 * `uniqueItems` by JSON equality. A keyword without a translation stops the
 * build and names where it is, so the guard can never silently check less
 * than the schema says. Agreement with ajv and with an independent validator
 * is tested on every conformance vector and on fuzzed payloads
 * (test/differential.test.ts).
 */
import { escapePointerToken } from '../../src/contract/errors.js';
import { formats } from '../../src/contract/formats.js';
import { bundleModule } from './bundle.js';
import { type JsonSchema, isSchemaObject } from '../contract/fields.js';

/** Keywords that describe and never decide. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const HANDLED: Readonly<Record<string, readonly string[]>> = {
  any: ['type', 'const', 'enum'],
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  array: ['items', 'minItems', 'maxItems', 'uniqueItems'],
  object: ['properties', 'required', 'additionalProperties'],
};
const KNOWN = new Set(Object.values(HANDLED).flat());

const FIX = 'keep the contract to the keywords scripts/emit/guard-code.ts translates, or add a translation there with a differential test';

/** Thrown for a schema the guard cannot translate: where (a JSON Pointer into the schema), what, and how to fix it. */
export class GuardError extends Error {
  override name = 'GuardError';
  readonly fix = FIX;
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(`${where || '(root)'}: ${what} (guard-keyword); ${FIX}`);
  }
}

/** Where the translation is, and what it has declared so far. */
interface Context {
  /** Where the current subschema sits in the schema document, as a JSON Pointer. */
  readonly pointer: string;
  /** Module-level constants (patterns, key sets): code → name, in order of first use. */
  readonly constants: Map<string, string>;
  /** Lines of the guard's body. */
  readonly body: string[];
  /** The next free variable number. */
  readonly next: { n: number };
  /** Module-level functions the body calls: the checks of a large object, in parts V8 can optimize. */
  readonly functions: string[];
  /** Helpers the body calls, to import just those. */
  readonly uses: Set<keyof typeof HELPERS>;
}

/** Where each helper comes from: the same functions ajv's code and the shipped src/ use. */
const HELPERS = {
  // ajv's own code point count; required as ajv's standalone code does, so the bundle hands over the function itself.
  ucs2length: 'const ucs2length = require("ajv/dist/runtime/ucs2length").default;',
  formats: 'import { formats } from "./src/contract/formats.ts";',
  uniquePrimitives: 'import { uniquePrimitives } from "./src/contract/unique-items.ts";',
  uniqueJson: 'import { uniqueJson } from "./src/contract/unique-items.ts";',
  hasOwn: 'const hasOwn = Object.prototype.hasOwnProperty;',
} as const;

/** Most declared properties an object's bitmask of own keys covers (bits 0 to 29 stay a small integer). */
const MAX_MASK_PROPERTIES = 30;
/**
 * An object with more properties than this has their checks emitted in
 * functions of this many each. V8 does not optimize a function past a few
 * tens of kilobytes of bytecode, so one function for a 1,000-field contract
 * would run interpreted, several times slower, on every payload.
 */
const PROPERTIES_PER_FUNCTION = 32;

const js = (value: unknown): string => JSON.stringify(value);

function fail(context: Context, keyword: string, what: string): never {
  throw new GuardError(`${context.pointer}/${keyword}`, what);
}

/** The name of a module-level constant with this code, declared once however often it is used. */
function constant(context: Context, prefix: string, code: string): string {
  let name = context.constants.get(code);
  if (name === undefined) {
    name = `${prefix}${context.constants.size}`;
    context.constants.set(code, name);
  }
  return name;
}

/** JSON Schema `type` as ajv tests it (6.1.1): integers and numbers must be finite. */
function typeTest(type: unknown, v: string, context?: Context): string {
  switch (type) {
    case 'string':
      return `typeof ${v} === "string"`;
    case 'boolean':
      return `typeof ${v} === "boolean"`;
    case 'null':
      return `${v} === null`;
    case 'integer':
      return `Number.isInteger(${v})`;
    case 'number':
      return `(typeof ${v} === "number" && isFinite(${v}))`;
    case 'array':
      return `Array.isArray(${v})`;
    case 'object':
      return `(typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v}))`;
    default:
      throw new GuardError(`${context?.pointer ?? ''}/type`, `type ${js(type)} is not a JSON Schema type`);
  }
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Refuses a subschema with a keyword the guard would otherwise skip. */
function checkKeywords(schema: JsonSchema, context: Context): void {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword) && !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-')) fail(context, keyword, `keyword ${js(keyword)} has no yes/no translation`);
  }
}

/** Checks of one kind, run only on values of that kind unless the type already ensures it (as ajv does). */
function guarded(context: Context, test: string | undefined, emit: (lines: string[]) => void): void {
  const lines: string[] = [];
  emit(lines);
  if (lines.length === 0) return;
  if (test === undefined) context.body.push(...lines);
  else context.body.push(`if (${test}) {`, ...lines, '}');
}

function emitString(schema: JsonSchema, v: string, context: Context, lines: string[]): void {
  const { minLength, maxLength, pattern, format } = schema;
  if (minLength !== undefined || maxLength !== undefined) {
    // Lengths are code points, counted by a loop over the string. A string has at most as many code
    // points as UTF-16 units and at least half as many, so `.length` decides most strings without it.
    const length = `ucs2length(${v})`;
    const bounds: string[] = [];
    const min = Number(minLength ?? 0);
    if (min > 0) bounds.push(`${v}.length < ${min}`);
    if (min > 1) bounds.push(`(${v}.length < ${2 * min} && ${length} < ${min})`);
    if (maxLength !== undefined) bounds.push(`(${v}.length > ${Number(maxLength)} && ${length} > ${Number(maxLength)})`);
    if (bounds.some((bound) => bound.includes(length))) context.uses.add('ucs2length');
    if (bounds.length > 0) lines.push(`if (${bounds.join(' || ')}) return false;`);
  }
  if (pattern !== undefined) {
    if (typeof pattern !== 'string') fail(context, 'pattern', 'must be a string');
    lines.push(`if (!${constant(context, 'pattern', `new RegExp(${js(withoutCaptures(pattern))}, "u")`)}.test(${v})) return false;`);
  }
  if (format !== undefined) {
    if (typeof format !== 'string' || !Object.hasOwn(formats, format)) fail(context, 'format', `format ${js(format)} is not one src/contract/formats.ts checks`);
    context.uses.add('formats');
    lines.push(`if (!${constant(context, 'format', `formats[${js(format)}]`)}(${v})) return false;`);
  }
}

/**
 * The pattern with its capturing groups made non-capturing: the same matches
 * (a yes/no guard reads no group), and V8 runs it about a quarter faster
 * without recording them. Unchanged when the pattern refers back to a group.
 * Read as a `u`-mode pattern, where a `(` outside a class is always a group.
 */
export function withoutCaptures(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9k]/.test(next)) return pattern;
      out += c + next;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '(' && pattern[i + 1] !== '?') {
      out += '(?:';
    } else {
      out += c;
    }
  }
  return out;
}

function emitNumber(schema: JsonSchema, v: string, lines: string[]): void {
  const bounds: Array<[string, string]> = [['minimum', '<'], ['maximum', '>'], ['exclusiveMinimum', '<='], ['exclusiveMaximum', '>=']];
  for (const [keyword, refused] of bounds) if (schema[keyword] !== undefined) lines.push(`if (${v} ${refused} ${Number(schema[keyword])}) return false;`);
}

function emitArray(schema: JsonSchema, v: string, context: Context, lines: string[]): void {
  const { items, minItems, maxItems, uniqueItems } = schema;
  if (minItems !== undefined) lines.push(`if (${v}.length < ${Number(minItems)}) return false;`);
  if (maxItems !== undefined) lines.push(`if (${v}.length > ${Number(maxItems)}) return false;`);
  if (items !== undefined) {
    const item = `v${context.next.n++}`;
    const inner: Context = { ...context, pointer: `${context.pointer}/items`, body: [] };
    emitSchema(items, item, inner);
    if (inner.body.length > 0) lines.push(`for (let i = 0; i < ${v}.length; i++) {`, `const ${item} = ${v}[i];`, ...inner.body, '}');
  }
  if (uniqueItems === true) {
    const itemType = isSchemaObject(items) ? items['type'] : undefined;
    const helper = typeof itemType === 'string' && SCALAR_TYPES.has(itemType) ? 'uniquePrimitives' : 'uniqueJson';
    context.uses.add(helper);
    lines.push(`if (!${helper}(${v})) return false;`);
  }
}

function emitObject(schema: JsonSchema, v: string, context: Context, lines: string[]): void {
  const properties = schema['properties'] ?? {};
  if (!isSchemaObject(properties)) fail(context, 'properties', 'must be an object');
  const required = schema['required'] ?? [];
  if (!Array.isArray(required)) fail(context, 'required', 'must be an array');
  const additional = schema['additionalProperties'];
  if (additional !== undefined && additional !== true && additional !== false) fail(context, 'additionalProperties', 'only true or false has a translation');
  const names = Object.keys(properties);
  // Own properties only, as ajv's code reads them with its `ownProperties` option (scripts/emit/ajv.ts):
  // `{}` has no `toString` member, though `({}).toString` is a function. A closed object with a
  // handful of properties learns which are own from the one walk over its own keys that
  // additionalProperties needs anyway, a bit per property; any other object asks hasOwnProperty.
  const masked = additional === false && names.length > 0 && names.length <= MAX_MASK_PROPERTIES;
  const bit = (name: string) => (masked && Object.hasOwn(properties, name) ? 2 ** names.indexOf(name) : 0);
  const own = `own${context.next.n++}`;
  const isOwn = (name: string) => (bit(name) === 0 ? `hasOwn.call(${v}, ${js(name)})` : `((${own} & ${bit(name)}) !== 0 || hasOwn.call(${v}, ${js(name)}))`);
  if (required.length > 0 || names.length > 0) context.uses.add('hasOwn');
  if (names.length > PROPERTIES_PER_FUNCTION) {
    emitLargeObject(properties, required as string[], additional === false, v, context, lines);
    return;
  }
  if (required.length > 0) lines.push(`if (${required.map((name) => `${v}[${js(name)}] === undefined`).join(' || ')}) return false;`);
  if (additional === false) {
    // ajv walks Object.keys (own enumerable keys) and looks each up among the declared ones.
    const keys = `keys${context.next.n++}`;
    if (masked) {
      const index = constant(context, 'index', `new Map(${js(names.map((name, i) => [name, 2 ** i]))})`);
      lines.push(`let ${own} = 0;`, `{ const ${keys} = Object.keys(${v}); for (let i = 0; i < ${keys}.length; i++) { const b = ${index}.get(${keys}[i]); if (b === undefined) return false; ${own} |= b; } }`);
    } else if (names.length === 0) {
      lines.push(`if (Object.keys(${v}).length !== 0) return false;`);
    } else {
      const known = constant(context, 'properties', `new Set(${js(names)})`);
      lines.push(`{ const ${keys} = Object.keys(${v}); for (let i = 0; i < ${keys}.length; i++) if (!${known}.has(${keys}[i])) return false; }`);
    }
  }
  if (required.length > 0) {
    // Present (the line above) and own; a required name the key walk saw costs no further lookup.
    const seen = required.reduce<number>((mask, name) => mask | bit(name), 0);
    const unseen = required.filter((name) => bit(name) === 0);
    if (seen !== 0) lines.push(`if ((${own} & ${seen}) !== ${seen} && !(${required.filter((name) => bit(name) !== 0).map((name) => `hasOwn.call(${v}, ${js(name)})`).join(' && ')})) return false;`);
    if (unseen.length > 0) lines.push(`if (!(${unseen.map((name) => `hasOwn.call(${v}, ${js(name)})`).join(' && ')})) return false;`);
  }
  for (const [name, property] of Object.entries(properties)) {
    const value = `v${context.next.n++}`;
    const inner: Context = { ...context, pointer: `${context.pointer}/properties/${escapePointerToken(name)}`, body: [] };
    emitSchema(property, value, inner);
    if (inner.body.length === 0) continue;
    lines.push(`{`, `const ${value} = ${v}[${js(name)}];`);
    // A required property is already known to be there, and to be own.
    if (required.includes(name)) lines.push(...inner.body);
    else lines.push(`if (${value} !== undefined && ${isOwn(name)}) {`, ...inner.body, '}');
    lines.push('}');
  }
}

/**
 * The checks of an object with many properties: the walk over its own keys
 * for additionalProperties here, then each group of properties (present and
 * own when required, then their own checks) in a module-level function.
 */
function emitLargeObject(properties: JsonSchema, required: readonly string[], closed: boolean, v: string, context: Context, lines: string[]): void {
  const names = Object.keys(properties);
  if (closed) {
    const known = constant(context, 'properties', `new Set(${js(names)})`);
    lines.push(`{ const keys = Object.keys(${v}); for (let i = 0; i < keys.length; i++) if (!${known}.has(keys[i])) return false; }`);
  }
  // Required names no property declares still have to be there (JSON Schema allows it; a closed object then refuses them).
  const undeclared = required.filter((name) => !Object.hasOwn(properties, name));
  if (undeclared.length > 0) lines.push(`if (!(${undeclared.map((name) => `${v}[${js(name)}] !== undefined && hasOwn.call(${v}, ${js(name)})`).join(' && ')})) return false;`);
  for (let start = 0; start < names.length; start += PROPERTIES_PER_FUNCTION) {
    const group = names.slice(start, start + PROPERTIES_PER_FUNCTION);
    const body: string[] = [];
    const present = group.filter((name) => required.includes(name));
    if (present.length > 0) body.push(`if (!(${present.map((name) => `${v}[${js(name)}] !== undefined && hasOwn.call(${v}, ${js(name)})`).join(' && ')})) return false;`);
    for (const name of group) {
      const value = `v${context.next.n++}`;
      const inner: Context = { ...context, pointer: `${context.pointer}/properties/${escapePointerToken(name)}`, body: [] };
      emitSchema(properties[name], value, inner);
      if (inner.body.length === 0) continue;
      body.push(`{`, `const ${value} = ${v}[${js(name)}];`);
      if (required.includes(name)) body.push(...inner.body);
      else body.push(`if (${value} !== undefined && hasOwn.call(${v}, ${js(name)})) {`, ...inner.body, '}');
      body.push('}');
    }
    if (body.length === 0) continue;
    const fn = `part${context.functions.length + 1}`;
    context.functions.push([`function ${fn}(${v}) {`, ...body, 'return true;', '}'].join('\n'));
    lines.push(`if (!${fn}(${v})) return false;`);
  }
}

/** Appends to context.body the checks of `schema` on the value in variable `v`: each `return false` when one fails. */
function emitSchema(schema: unknown, v: string, context: Context): void {
  if (schema === true) return;
  if (schema === false) {
    context.body.push('return false;');
    return;
  }
  if (!isSchemaObject(schema)) throw new GuardError(context.pointer, `a schema must be an object or a boolean, got ${Array.isArray(schema) ? 'an array' : typeof schema}`);
  checkKeywords(schema, context);
  const { type } = schema;
  const types: unknown[] = type === undefined ? [] : Array.isArray(type) ? type : [type];
  if (types.length > 0) context.body.push(`if (!(${types.map((t) => typeTest(t, v, context)).join(' || ')})) return false;`);
  // With a single type, its test above already holds, so its keywords need no guard of their own.
  const only = types.length === 1 ? types[0] : undefined;
  if (schema['const'] !== undefined) {
    if (!isScalar(schema['const'])) fail(context, 'const', 'only a string, number, boolean or null has a translation');
    context.body.push(`if (${v} !== ${js(schema['const'])}) return false;`);
  }
  if (schema['enum'] !== undefined) {
    const values = schema['enum'];
    if (!Array.isArray(values) || !values.every(isScalar)) fail(context, 'enum', 'only a list of strings, numbers, booleans or nulls has a translation');
    context.body.push(`if (!(${values.map((value) => `${v} === ${js(value)}`).join(' || ') || 'false'})) return false;`);
  }
  guarded(context, only === 'string' ? undefined : `typeof ${v} === "string"`, (lines) => emitString(schema, v, context, lines));
  guarded(context, only === 'number' || only === 'integer' ? undefined : `(typeof ${v} === "number" && isFinite(${v}))`, (lines) => emitNumber(schema, v, lines));
  guarded(context, only === 'array' ? undefined : `Array.isArray(${v})`, (lines) => emitArray(schema, v, context, lines));
  guarded(context, only === 'object' ? undefined : typeTest('object', v), (lines) => emitObject(schema, v, context, lines));
}

/** The guard's module source before bundling: imports from src/ and ajv's runtime, one exported function. */
export function guardSource(schema: JsonSchema, pointer = ''): string {
  const context: Context = { pointer, constants: new Map(), body: [], next: { n: 1 }, functions: [], uses: new Set() };
  emitSchema(schema, 'v0', context);
  return [
    ...(Object.keys(HELPERS) as Array<keyof typeof HELPERS>).filter((name) => context.uses.has(name)).map((name) => HELPERS[name]),
    ...[...context.constants].map(([code, name]) => `const ${name} = ${code};`),
    ...context.functions,
    '/** True when the value satisfies the schema: the verdict of ./validate.js, without its error objects. */',
    'export default function isValid(v0) {',
    ...context.body,
    'return true;',
    '}',
    '',
  ].join('\n');
}

/** `root` is the checkout whose src/ helpers get inlined. */
export async function toGuardCode(schema: JsonSchema, header: string, root: string): Promise<string> {
  return bundleModule(guardSource(schema), header, root, 'guard.js');
}
