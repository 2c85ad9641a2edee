/**
 * Projections between schema versions: how a report of one version carries
 * over to another, decided from the two JSON Schemas alone. An uploader whose
 * version the server does not accept falls back to the server's newest
 * version only through a projection, which
 *
 * - drops every field the target version lacks (less data, never more);
 * - is refused when the target requires a field the source does not always
 *   carry, or constrains a field both have differently (type, bounds,
 *   pattern, format, allowed values, closedness), or checks a cross-field
 *   rule the source does not: the report would then say something the
 *   source's contract never promised.
 *
 * Pure: the same two documents always give the same plan.
 */
import type { CrossFieldRule } from '../../schema/rules.js';
import { type FieldPath, dottedPath } from '../../src/contract/errors.js';
import { canonicalJson } from '../contract/canonical.js';
import { type JsonSchema, isSchemaObject, typesOf } from '../contract/fields.js';

/** A plan: the fields to drop (paths into a payload, `null` for every item of a list), or why it is refused. */
export type Projection =
  | { readonly from: number; readonly to: number; readonly drop: readonly FieldPath[] }
  | { readonly from: number; readonly to: number; readonly refused: ReadonlyArray<{ readonly path: string; readonly what: string }> };

/** Keywords that describe a field rather than constrain it, or that the walk compares itself. */
const NOT_CONSTRAINTS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', 'deprecated', 'properties', 'required', 'items']);

function constraints(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([keyword]) => !NOT_CONSTRAINTS.has(keyword) && !keyword.startsWith('x-')));
}

function isObjectSchema(schema: JsonSchema): boolean {
  return typesOf(schema).includes('object') && isSchemaObject(schema['properties']);
}

export function projection(from: number, source: JsonSchema, to: number, target: JsonSchema): Projection {
  const drop: FieldPath[] = [];
  const refused: Array<{ path: string; what: string }> = [];
  const refuse = (path: FieldPath, what: string) => refused.push({ path: dottedPath(path) || '(payload)', what });

  const walk = (s: JsonSchema, t: JsonSchema, path: FieldPath): void => {
    const root = path.length === 0;
    const sc = canonicalJson(constraints(s));
    const tc = canonicalJson(constraints(t));
    if (sc !== tc) {
      refuse(path, `v${to} constrains it differently (${tc} in v${to}, ${sc} in v${from})`);
      return;
    }
    if (isObjectSchema(s) && isObjectSchema(t)) {
      const sp = s['properties'] as Record<string, JsonSchema>;
      const tp = t['properties'] as Record<string, JsonSchema>;
      const sr = (s['required'] ?? []) as string[];
      const tr = (t['required'] ?? []) as string[];
      for (const name of Object.keys(sp)) {
        // The version constant is what the projection changes; it is set, not compared.
        if (root && name === 'schemaVersion') continue;
        if (!Object.hasOwn(tp, name)) drop.push([...path, name]);
        else walk(sp[name]!, tp[name]!, [...path, name]);
      }
      for (const name of Object.keys(tp)) {
        if (root && name === 'schemaVersion') continue;
        if (!tr.includes(name)) continue;
        if (!Object.hasOwn(sp, name)) refuse([...path, name], `v${to} requires it and v${from} does not have it`);
        else if (!sr.includes(name)) refuse([...path, name], `v${to} requires it and v${from} leaves it optional`);
      }
      return;
    }
    if (isSchemaObject(s['items']) && isSchemaObject(t['items'])) walk(s['items'], t['items'], [...path, null]);
    else if (canonicalJson(s['items']) !== canonicalJson(t['items'])) refuse(path, `v${to} describes its items differently`);
  };
  walk(source, target, []);

  const sourceRules = new Set(((source['x-rules'] ?? []) as CrossFieldRule[]).map((rule) => canonicalJson(rule)));
  for (const rule of (target['x-rules'] ?? []) as CrossFieldRule[]) {
    if (!sourceRules.has(canonicalJson(rule))) refused.push({ path: `rule ${rule.id}`, what: `v${to} checks it and v${from} does not, or not the same way` });
  }
  return refused.length > 0 ? { from, to, refused } : { from, to, drop };
}

/** The projection between every ordered pair of distinct versions, in version order. */
export function projections(schemas: ReadonlyMap<number, JsonSchema>): Projection[] {
  const versions = [...schemas.keys()].sort((a, b) => a - b);
  return versions.flatMap((from) => versions.filter((to) => to !== from).map((to) => projection(from, schemas.get(from)!, to, schemas.get(to)!)));
}
