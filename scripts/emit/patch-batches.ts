/**
 * Many single-field patches of one valid document, validated in a few calls.
 *
 * A conformance vector changes one field of a valid base payload, and a
 * validator's work grows with the payload: run one by one, the vectors of a
 * 1,000-field contract cost a million field checks. JSON Schema checks the
 * members of an object independently (`properties`, `required`,
 * `additionalProperties`, and every keyword below a member), so patches of
 * fields that do not contain one another can be applied together and
 * validated once: each error then belongs to the patch whose path it lies
 * under. Patches that touch `schemaVersion` (it picks the validator) or a
 * cross-field rule, replace the whole document or change several places are
 * validated alone, and so is everything when the
 * schema uses a keyword that relates members (`minProperties`,
 * `dependentRequired`, `if`…). A round whose errors cannot all be attributed
 * is validated one patch at a time, so the answer is always the one-by-one answer.
 */
import type { CrossFieldRule } from '../../schema/rules.js';
import type { ValidationError, ValidationResult } from '../../src/contract/errors.js';
import { type JsonSchema, isSchemaObject } from '../contract/fields.js';
import { type PatchOperation, applyPatch } from './json-patch.js';

type Validate = (value: unknown) => ValidationResult<unknown>;

/** Keywords that decide one value alone, or one member of an object alone. */
const INDEPENDENT = new Set([
  'type', 'const', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format',
  'items', 'minItems', 'maxItems', 'uniqueItems', 'properties', 'required', 'additionalProperties',
  '$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly',
]);

/** True when every keyword of the schema, at every depth, checks members independently. */
export function batchable(schema: unknown): boolean {
  if (typeof schema === 'boolean') return true;
  if (!isSchemaObject(schema)) return false;
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-')) continue;
    if (!INDEPENDENT.has(keyword)) return false;
    if (keyword === 'properties' && (!isSchemaObject(value) || !Object.values(value).every(batchable))) return false;
    if (keyword === 'items' && !batchable(value)) return false;
    if (keyword === 'additionalProperties' && typeof value !== 'boolean') return false;
  }
  return true;
}

const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

/** The pointer and its ancestors, `/a/b` → `/a/b`, `/a`. */
function lineage(pointer: string): string[] {
  const out: string[] = [];
  for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) out.push(p);
  return out;
}

/**
 * The result of validating `applyPatch(base, patch)` for every patch, in
 * order: the verdict and the errors (a valid result carries no value). `base`
 * must be valid against `schema`, whose cross-field rules are read from `x-rules`.
 */
export function validatePatches(base: unknown, patches: readonly (readonly PatchOperation[])[], validate: Validate, schema: JsonSchema): ValidationResult<unknown>[] {
  const results: ValidationResult<unknown>[] = new Array(patches.length);
  const alone = (i: number) => (results[i] = validate(applyPatch(base, patches[i]!)));
  // schemaVersion picks the validator (an unknown version is refused before any other check), and a rule relates fields:
  // patches there are validated alone.
  const alonePointers = ['/schemaVersion', ...((schema['x-rules'] ?? []) as CrossFieldRule[]).flatMap((rule) => (rule.kind === 'instant-before' ? [rule.earlier, rule.later] : [rule.path]))];
  const rounds: Array<{ indices: number[]; taken: Set<string>; under: Set<string> }> = [];
  const together = batchable(schema);
  patches.forEach((patch, i) => {
    const pointer = patch.length === 1 ? patch[0]!.path : '';
    if (!together || pointer === '' || alonePointers.some((p) => overlaps(p, pointer))) {
      alone(i);
      return;
    }
    const ancestors = lineage(pointer);
    let round = rounds.find((r) => !r.under.has(pointer) && !ancestors.some((a) => r.taken.has(a)));
    if (round === undefined) rounds.push((round = { indices: [], taken: new Set(), under: new Set() }));
    round.indices.push(i);
    round.taken.add(pointer);
    for (const ancestor of ancestors) round.under.add(ancestor);
  });
  for (const round of rounds) {
    const owners = new Map(round.indices.map((i) => [patches[i]![0]!.path, i]));
    const result = validate(applyPatch(base, round.indices.flatMap((i) => patches[i]!)));
    const errors = new Map<number, ValidationError[]>(round.indices.map((i) => [i, []]));
    const owner = (path: string) => lineage(path).map((p) => owners.get(p)).find((i) => i !== undefined);
    const attributed = result.ok || result.errors.every((error) => {
      const i = owner(error.path);
      errors.get(i!)?.push(error);
      return i !== undefined;
    });
    for (const i of round.indices) {
      if (!attributed) alone(i);
      // Callers read the verdict and the errors; the valid payload itself is not built again.
      else results[i] = errors.get(i)!.length === 0 ? { ok: true, value: undefined } : { ok: false, errors: errors.get(i)! };
    }
  }
  return results;
}
