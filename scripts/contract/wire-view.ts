/**
 * What a release freezes, and what it leaves amendable. The wire view of a
 * contract's JSON Schema keeps every keyword that decides whether a report
 * is valid or how its bytes look (types, bounds, patterns, formats, headers,
 * cross-field rules); it drops the privacy annotations a released version
 * may still amend: each field's and header's `x-privacy` record, the
 * `description` the record's purpose becomes, and the `x-not-collected` list.
 * The validators are compiled from the wire view, so an amendment moves no
 * byte of them, and a released version's frozen hash is taken of it.
 */
import { PRIVACY_KEYWORD } from '../../schema/privacy.js';
import { contentHash } from './canonical.js';
import { type JsonSchema, isSchemaObject } from './fields.js';

/** Keywords a release leaves amendable. `description` only below the document's root: the root's is fixed text. */
const AMENDABLE = new Set([PRIVACY_KEYWORD, 'description']);
const ROOT_AMENDABLE = new Set([PRIVACY_KEYWORD, 'x-not-collected']);
/** Keywords whose values are data, not subschemas: left exactly as they are. */
const DATA = new Set(['const', 'enum', 'default', 'examples', 'x-rules']);
/** Keywords whose values map names (a field may be called `description`) to subschemas. */
const NAMED = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);

function strip(value: unknown, drop: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => strip(item, AMENDABLE));
  if (!isSchemaObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !drop.has(key))
      .map(([key, child]) => [key, DATA.has(key) ? child : NAMED.has(key) && isSchemaObject(child) ? named(child) : strip(child, AMENDABLE)]),
  );
}

function named(map: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(map).map(([name, child]) => [name, strip(child, AMENDABLE)]));
}

/** The document without what an amendment may change; key order kept, so it is as deterministic as the input. */
export function wireView(schema: JsonSchema): JsonSchema {
  return strip(schema, ROOT_AMENDABLE) as JsonSchema;
}

/** `sha256:<hex>` of the wire view: what a release freezes of a version's content. */
export function wireHash(schema: JsonSchema): string {
  return contentHash(wireView(schema));
}

/**
 * `schema` with the privacy records `source` has at the same places: what a
 * released version's storage is made from, its wire as it is now (a change
 * to it is a change to what it published, and is caught as one) and its
 * records as released (an amendment changes no migration).
 */
export function withRecordsOf(schema: JsonSchema, source: JsonSchema): JsonSchema {
  const merge = (current: unknown, from: unknown): unknown => {
    if (Array.isArray(current)) return current.map((item, i) => merge(item, Array.isArray(from) ? from[i] : undefined));
    if (!isSchemaObject(current)) return current;
    const other = isSchemaObject(from) ? from : undefined;
    return Object.fromEntries(
      Object.entries(current).map(([key, child]) => [key, key === PRIVACY_KEYWORD && other?.[key] !== undefined ? other[key] : DATA.has(key) ? child : merge(child, other?.[key])]),
    );
  };
  return merge(schema, source) as JsonSchema;
}
