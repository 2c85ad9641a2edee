/**
 * A field-by-field comparison of two states of the contract, classifying
 * every change by who it affects:
 *
 * - wire-breaking: a payload valid before can be refused now (field removed
 *   or renamed, type changed, constraint tightened, required field added or
 *   made required, version constant changed, rule added);
 * - wire-additive: everything valid before stays valid (optional field added,
 *   constraint loosened). The payload is closed, so a strict receiver of the
 *   old version still refuses the new fields: once a version is released,
 *   additive changes need a new version too;
 * - privacy-relevant: new data collected, a purpose, legal basis, basis note,
 *   proportionality, category, retention, owner, review date or exception
 *   changed, or an entry removed from "not collected". On a released version
 *   such a change is an amendment: privacy-relevant, never a wire change;
 * - docs-only: prose outside the generated parts of the audit document.
 *
 * A new version is compared with the version before it, classified the
 * same way: a class there says what moving from the one to the other asks of
 * an uploader (a new required field is wire-breaking: a report of the older
 * version is not one of the new), never that anybody breaks, since each
 * installation keeps sending the version it names. Each wire change says
 * which of the three it concerns (`stage`), so the advice fits.
 *
 * Pure: it reads the generated JSON Schema documents it is given.
 */
import { PRIVACY_KEYWORD, type PrivacyRecord } from '../../schema/privacy.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import { canonicalJson } from '../contract/canonical.js';
import { type Field, type JsonSchema, isSchemaObject, listContractFields } from '../contract/fields.js';

export const CHANGE_CLASSES = ['wire-breaking', 'wire-additive', 'privacy-relevant', 'docs-only'] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export interface Change {
  readonly class: ChangeClass;
  /** The schema version concerned; undefined for document prose. */
  readonly version?: number;
  /** The field (`activeSeats`, `header webhook-id`), rule, list entry or file concerned. */
  readonly subject: string;
  readonly what: string;
  /** For new or changed data: the privacy record as it is now, for the reviewers' table. */
  readonly privacy?: PrivacyRecord;
  /** For new data: whether the field is required. */
  readonly required?: boolean;
  /** A privacy-relevant change to a version released in the base: an amendment, which moves nothing on the wire. */
  readonly amendment?: boolean;
  /** Whose change it is: a new version's (against the one before it), a draft's in place, or a released version's. */
  readonly stage?: VersionStage;
  /** For a changed part of a privacy record: which part, and its value before and after. */
  readonly record?: { readonly key: PrivacyKey; readonly before: unknown; readonly after: unknown };
}

export type VersionStage = 'new version' | 'draft' | 'released';

/** One side of a comparison: each version's generated JSON Schema, and the audit document's text. */
export interface ContractState {
  readonly versions: ReadonlyMap<number, JsonSchema>;
  readonly document?: string;
  /** The versions released in this state (schema/released.lock). */
  readonly released?: ReadonlySet<number>;
  /** Each version's last approved content (its latest review): what a new version is compared with. */
  readonly approved?: ReadonlyMap<number, JsonSchema>;
  /** The record of processing (schema/processing-record.ts). */
  readonly processingRecord?: ProcessingRecord;
}

/** The subject of a change to the record of processing, which a changelog entry names. */
export const PROCESSING_SUBJECT = 'record of processing';

/** What changed in the record of processing, one change per part (Art. 30(1)(a)–(g)); nothing when either side lacks it. */
export function processingChanges(before: ProcessingRecord | undefined, after: ProcessingRecord | undefined, version?: number): Change[] {
  if (before === undefined || after === undefined) return [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])] as Array<keyof ProcessingRecord>;
  return keys
    .filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key]))
    .map((key) => ({ class: 'privacy-relevant' as const, ...(version === undefined ? {} : { version }), subject: PROCESSING_SUBJECT, what: `${key} changed` }));
}

type Bound = 'lower' | 'upper';
const BOUNDS: Readonly<Record<string, Bound>> = {
  minimum: 'lower',
  exclusiveMinimum: 'lower',
  minLength: 'lower',
  minItems: 'lower',
  maximum: 'upper',
  exclusiveMaximum: 'upper',
  maxLength: 'upper',
  maxItems: 'upper',
};
/** Keywords that describe rather than constrain, or that are compared elsewhere. */
const NOT_WIRE = new Set(['description', 'title', '$comment', 'examples', 'default', PRIVACY_KEYWORD, 'properties', 'required', 'items']);

function recordOf(schema: JsonSchema): PrivacyRecord | undefined {
  const record = schema[PRIVACY_KEYWORD];
  return isSchemaObject(record) ? (record as unknown as PrivacyRecord) : undefined;
}

function nameOf(field: Field): string {
  return field.header === true ? `header ${field.path}` : field.path;
}

/** `a.b` → `a`, `a[]` → `a`, `a[].b` → `a[]`; top-level fields and headers have none. */
function parentOf(name: string): string | undefined {
  if (name.startsWith('header ')) return undefined;
  const cut = Math.max(name.lastIndexOf('.'), name.endsWith('[]') ? name.length - 2 : -1);
  return cut > 0 ? name.slice(0, cut) : undefined;
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** The values an enum-like keyword allows (`enum`, or an anyOf of consts), or undefined. */
function enumerated(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[];
  const branches = schema['anyOf'];
  if (Array.isArray(branches) && branches.every((b) => isSchemaObject(b) && b['const'] !== undefined)) return branches.map((b) => (b as JsonSchema)['const']);
  return undefined;
}

/** The wire-relevant keywords of a field, without its children (they are fields of their own). */
function wireShape(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([keyword]) => !NOT_WIRE.has(keyword)));
}

function compareConstraints(subject: string, version: number, before: JsonSchema, after: JsonSchema, out: Change[]): void {
  const tightened = (what: string) => out.push({ class: 'wire-breaking', version, subject, what });
  const loosened = (what: string) => out.push({ class: 'wire-additive', version, subject, what });

  if (canonicalJson(before['type']) !== canonicalJson(after['type'])) tightened(`type changed from ${show(before['type'])} to ${show(after['type'])}`);
  if (canonicalJson(before['const']) !== canonicalJson(after['const'])) {
    tightened(subject === 'schemaVersion' ? `version constant changed from ${show(before['const'])} to ${show(after['const'])}` : `constant changed from ${show(before['const'])} to ${show(after['const'])}`);
  }
  const beforeValues = enumerated(before);
  const afterValues = enumerated(after);
  if (beforeValues || afterValues) {
    const removed = (beforeValues ?? []).filter((v) => !(afterValues ?? []).some((w) => canonicalJson(w) === canonicalJson(v)));
    const added = (afterValues ?? []).filter((v) => !(beforeValues ?? []).some((w) => canonicalJson(w) === canonicalJson(v)));
    if (beforeValues === undefined) tightened(`now restricted to ${show(afterValues)}`);
    else if (afterValues === undefined) loosened(`no longer restricted to ${show(beforeValues)}`);
    else {
      if (removed.length > 0) tightened(`no longer allows ${removed.map(show).join(', ')}`);
      if (added.length > 0) loosened(`now also allows ${added.map(show).join(', ')}`);
    }
  }
  for (const [keyword, bound] of Object.entries(BOUNDS)) {
    const a = before[keyword] as number | undefined;
    const b = after[keyword] as number | undefined;
    if (a === b) continue;
    const stricter = a === undefined ? true : b === undefined ? false : bound === 'lower' ? b > a : b < a;
    (stricter ? tightened : loosened)(`${keyword} ${a === undefined ? 'added' : b === undefined ? 'removed' : stricter ? (bound === 'lower' ? 'raised' : 'lowered') : bound === 'lower' ? 'lowered' : 'raised'}: ${show(a)} → ${show(b)}`);
  }
  for (const keyword of ['pattern', 'format']) {
    if (before[keyword] === after[keyword]) continue;
    if (after[keyword] === undefined) loosened(`${keyword} removed (was ${show(before[keyword])})`);
    // Whether one regular expression accepts a superset of another is undecidable in general: assume not.
    else tightened(`${keyword} ${before[keyword] === undefined ? 'added' : 'changed'}: ${show(before[keyword])} → ${show(after[keyword])}`);
  }
  if (before['uniqueItems'] !== after['uniqueItems']) (after['uniqueItems'] === true ? tightened : loosened)(`uniqueItems ${show(before['uniqueItems'])} → ${show(after['uniqueItems'])}`);
  if (before['additionalProperties'] !== after['additionalProperties']) {
    (after['additionalProperties'] === false ? tightened : loosened)(`additionalProperties ${show(before['additionalProperties'])} → ${show(after['additionalProperties'])}`);
  }
  const handled = new Set(['type', 'const', 'enum', 'anyOf', 'pattern', 'format', 'uniqueItems', 'additionalProperties', ...Object.keys(BOUNDS)]);
  const others = new Set([...Object.keys(wireShape(before)), ...Object.keys(wireShape(after))].filter((k) => !handled.has(k)));
  for (const keyword of others) {
    if (canonicalJson(before[keyword]) !== canonicalJson(after[keyword])) tightened(`${keyword} changed: ${show(before[keyword])} → ${show(after[keyword])}`);
  }
}

/** The parts of a privacy record a change to which is privacy-relevant: all of them. */
export const PRIVACY_KEYS = ['purpose', 'legalBasis', 'basisNote', 'proportionality', 'category', 'retention', 'owner', 'reviewBy', 'exceptions'] as const;
export type PrivacyKey = (typeof PRIVACY_KEYS)[number];

function comparePrivacy(subject: string, version: number, before: PrivacyRecord | undefined, after: PrivacyRecord | undefined, out: Change[]): void {
  if (after === undefined) return;
  const changed = PRIVACY_KEYS.filter((key) => canonicalJson(before?.[key]) !== canonicalJson(after[key]));
  for (const key of changed) {
    out.push({ class: 'privacy-relevant', version, subject, what: `${key} changed: ${show(before?.[key])} → ${show(after[key])}`, privacy: after, record: { key, before: before?.[key], after: after[key] } });
  }
}

function compareFields(version: number, before: JsonSchema, after: JsonSchema, out: Change[]): void {
  const index = (doc: JsonSchema) => new Map(listContractFields(doc).map((f) => [nameOf(f), f]));
  const was = index(before);
  const now = index(after);
  const breaking: ChangeClass = 'wire-breaking';
  const removed = [...was.keys()].filter((name) => !now.has(name));
  const added = [...now.keys()].filter((name) => !was.has(name));
  const renamedTo = new Map<string, string>();
  for (const gone of removed) {
    const shape = canonicalJson(wireShape(was.get(gone)!.schema));
    const twin = added.find((name) => !renamedTo.has(name) && canonicalJson(wireShape(now.get(name)!.schema)) === shape && now.get(name)!.header === was.get(gone)!.header);
    if (twin !== undefined) renamedTo.set(twin, gone);
  }
  const removedSet = new Set(removed);
  const addedSet = new Set(added);
  for (const gone of removed) {
    if ([...renamedTo.values()].includes(gone)) continue;
    // A removed object takes its children with it: report the object once.
    const parent = parentOf(gone);
    if (parent !== undefined && removedSet.has(parent)) continue;
    out.push({ class: breaking, version, subject: gone, what: 'field removed' });
  }
  for (const name of added) {
    const field = now.get(name)!;
    const from = renamedTo.get(name);
    if (from !== undefined) {
      out.push({ class: breaking, version, subject: name, what: `renamed from ${from}` });
      comparePrivacy(name, version, recordOf(was.get(from)!.schema), recordOf(field.schema), out);
      continue;
    }
    const parent = parentOf(name);
    if (!field.isItems && !(parent !== undefined && addedSet.has(parent))) {
      out.push({ class: field.required ? 'wire-breaking' : 'wire-additive', version, subject: name, what: field.required ? 'required field added' : 'optional field added' });
    }
    const record = recordOf(field.schema);
    if (record) out.push({ class: 'privacy-relevant', version, subject: name, what: 'new data collected', privacy: record, required: field.required });
  }
  for (const [name, field] of now) {
    const old = was.get(name);
    if (old === undefined) continue;
    if (old.required !== field.required) {
      out.push(field.required ? { class: breaking, version, subject: name, what: 'now required' } : { class: 'wire-additive', version, subject: name, what: 'now optional' });
    }
    compareConstraints(name, version, old.schema, field.schema, out);
    comparePrivacy(name, version, recordOf(old.schema), recordOf(field.schema), out);
  }
}

function compareRules(version: number, before: JsonSchema, after: JsonSchema, out: Change[]): void {
  const rules = (doc: JsonSchema) => new Map(((doc['x-rules'] ?? []) as CrossFieldRule[]).map((r) => [r.id, r]));
  const was = rules(before);
  const now = rules(after);
  const breaking: ChangeClass = 'wire-breaking';
  for (const [id, rule] of now) {
    const old = was.get(id);
    if (old === undefined) out.push({ class: breaking, version, subject: `rule ${id}`, what: 'rule added' });
    else if (canonicalJson(old) !== canonicalJson(rule)) out.push({ class: breaking, version, subject: `rule ${id}`, what: 'rule changed' });
  }
  for (const id of was.keys()) if (!now.has(id)) out.push({ class: 'wire-additive', version, subject: `rule ${id}`, what: 'rule removed' });
}

function compareNotCollected(version: number, before: JsonSchema, after: JsonSchema, out: Change[]): void {
  const entries = (doc: JsonSchema) => new Map(((doc['x-not-collected'] ?? []) as Array<{ what: string }>).map((e) => [e.what, e]));
  const was = entries(before);
  const now = entries(after);
  for (const [what, entry] of was) {
    if (!now.has(what)) out.push({ class: 'privacy-relevant', version, subject: `not collected: ${what}`, what: 'removed from the list of data deliberately not collected' });
    else if (canonicalJson(entry) !== canonicalJson(now.get(what))) out.push({ class: 'docs-only', version, subject: `not collected: ${what}`, what: 'reason or examples reworded' });
  }
  for (const what of now.keys()) if (!was.has(what)) out.push({ class: 'docs-only', version, subject: `not collected: ${what}`, what: 'added to the list of data deliberately not collected' });
}

/**
 * The document's prose: every generated part taken out, so only what people
 * wrote is compared; a new version's parts, which the build places in the
 * document, are no prose change.
 */
export function proseOf(document: string): string {
  return document.replace(/^<!-- generated:[^\n]*-->\n[\s\S]*?^<!-- \/generated -->$/gm, '').replace(/\n{3,}/g, '\n\n');
}

/**
 * What a new version (`after`, numbered `version`) changes against the one
 * before it (`before`): new and removed fields, changed records and constraints, rules and
 * the "not collected" list. The version constant itself is left out: it
 * differs by definition.
 */
export function changesBetween(before: JsonSchema, after: JsonSchema, version: number): Change[] {
  const changes: Change[] = [];
  compareFields(version, before, after, changes);
  compareRules(version, before, after, changes);
  compareNotCollected(version, before, after, changes);
  return changes.filter((c) => !(c.subject === 'schemaVersion' && c.what.startsWith('version constant changed'))).map((c) => ({ ...c, stage: 'new version' as const }));
}

function fromNothing(version: number, after: JsonSchema): Change[] {
  const changes: Change[] = [];
  compareFields(version, {}, after, changes);
  compareRules(version, {}, after, changes);
  compareNotCollected(version, {}, after, changes);
  // The first version of all: no version before it to move from, so no stage and no advice about one.
  return changes;
}

/** Every change from `base` to `head`, in version order, then field order. */
export function diffContracts(base: ContractState, head: ContractState): Change[] {
  const changes: Change[] = [];
  const versions = [...new Set([...base.versions.keys(), ...head.versions.keys()])].sort((a, b) => a - b);
  for (const version of versions) {
    const before = base.versions.get(version);
    const after = head.versions.get(version);
    if (after === undefined) {
      changes.push({ class: 'wire-breaking', version, subject: `v${version}`, what: 'version removed: deployments still sending it will be refused' });
      continue;
    }
    if (before === undefined) {
      // A new version is compared with the one before it as last approved, so reviewers see what it adds.
      const predecessor = [...head.versions.keys()].filter((v) => v < version).sort((a, b) => b - a)[0];
      const approved = predecessor === undefined ? undefined : head.approved?.get(predecessor);
      const baseline = predecessor === undefined ? {} : (approved ?? head.versions.get(predecessor)!);
      changes.push({ class: 'wire-additive', version, subject: `v${version}`, what: predecessor === undefined ? 'new version' : `new version, compared below with v${predecessor}${approved === undefined ? '' : ' as last approved'}`, ...(predecessor === undefined ? {} : { stage: 'new version' as const }) });
      changes.push(...(predecessor === undefined ? fromNothing(version, after) : changesBetween(baseline, after, version)));
      continue;
    }
    const own: Change[] = [];
    compareFields(version, before, after, own);
    compareRules(version, before, after, own);
    compareNotCollected(version, before, after, own);
    const amended = base.released?.has(version) === true;
    const stage: VersionStage = amended ? 'released' : 'draft';
    changes.push(...own.map((c) => ({ ...c, stage, ...(amended && c.class === 'privacy-relevant' ? { amendment: true } : {}) })));
  }
  changes.push(...processingChanges(base.processingRecord, head.processingRecord));
  if (base.document !== undefined && head.document !== undefined && proseOf(base.document) !== proseOf(head.document)) {
    changes.push({ class: 'docs-only', subject: 'docs/telemetry.md', what: 'prose outside the generated parts changed' });
  }
  return changes;
}
