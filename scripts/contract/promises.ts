/**
 * The promises the audit document makes, listed from the contract: each
 * version's "not collected" entries, each proportionality sentence, and each
 * measure of the record of processing (Art. 30(1)(g)); and the entry of
 * schema/promises.ts that keeps each. The audit document's "How each promise
 * is kept" and the check of it read the same list from here.
 */
import type { Contract } from '../../schema/contract.js';
import { type Keeper, PRIVACY_KEYWORD, type PrivacyRecord } from '../../schema/privacy.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { PromiseKeeping, PromiseRef } from '../../schema/promises.js';
import { type JsonSchema, isSchemaObject, listContractFields } from './fields.js';

export type PromiseKind = 'not-collected' | 'proportionality' | 'measure';

/** One promise the audit document makes, in the versions that make it. */
export interface ContractPromise {
  readonly kind: PromiseKind;
  /** What names it: the not-collected entry's `what`, the field's name, or the measure's text. */
  readonly name: string;
  /** The promise in the document's words. */
  readonly text: string;
  /** The versions whose section makes it; empty for a measure, which the record of processing makes for all. */
  readonly versions: readonly number[];
}

export interface PromiseSource {
  readonly versions: ReadonlyArray<{ readonly contract: Contract; readonly schema: JsonSchema }>;
  readonly processingRecord?: ProcessingRecord;
}

/** Every promise, in document order: not collected, proportionality, measures; one entry per distinct promise. */
export function listPromises(source: PromiseSource): ContractPromise[] {
  const found = new Map<string, { kind: PromiseKind; name: string; text: string; versions: number[] }>();
  const add = (kind: PromiseKind, name: string, text: string, version?: number) => {
    const key = `${kind}\u0000${name}\u0000${text}`;
    const entry = found.get(key) ?? { kind, name, text, versions: [] };
    if (version !== undefined) entry.versions.push(version);
    found.set(key, entry);
  };
  for (const { contract } of source.versions) for (const entry of contract.notCollected) add('not-collected', entry.what, entry.reason, contract.version);
  for (const { contract, schema } of source.versions) {
    for (const field of listContractFields(schema)) {
      const record = field.schema[PRIVACY_KEYWORD];
      if (field.isItems || !isSchemaObject(record) || typeof record['proportionality'] !== 'string') continue;
      add('proportionality', field.header === true ? `header ${field.path}` : field.path, (record as unknown as PrivacyRecord).proportionality!, contract.version);
    }
  }
  for (const measure of source.processingRecord?.securityMeasures ?? []) add('measure', measure, measure);
  return [...found.values()];
}

/** Whether an entry of schema/promises.ts names this promise. */
export function refersTo(ref: PromiseRef, promise: ContractPromise): boolean {
  if ('notCollected' in ref) return promise.kind === 'not-collected' && promise.name === ref.notCollected;
  if ('proportionality' in ref) return promise.kind === 'proportionality' && promise.name === ref.proportionality;
  return promise.kind === 'measure' && ref.measure.trim() !== '' && promise.text.startsWith(ref.measure);
}

/** The entry that keeps a promise, or undefined. */
export function keepingOf(promise: ContractPromise, keepers: readonly PromiseKeeping[]): PromiseKeeping | undefined {
  return keepers.find((entry) => refersTo(entry.promise, promise));
}

/** A keeper split into its kind and what it names; `duty:operator: …` also into whose duty and what. */
export function parseKeeper(keeper: Keeper | string): { readonly kind: string; readonly what: string; readonly whose?: string; readonly duty?: string } {
  const text = String(keeper);
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const what = colon < 0 ? text : text.slice(colon + 1).trim();
  if (kind === 'duty') {
    const split = what.indexOf(':');
    if (split > 0) return { kind, what, whose: what.slice(0, split).trim(), duty: what.slice(split + 1).trim() };
  }
  return { kind, what };
}

/** A test reference `<file>: <test name>` split at its first `: `. */
export function parseTestRef(ref: string): { readonly file: string; readonly title: string } | undefined {
  const at = ref.indexOf(': ');
  return at <= 0 ? undefined : { file: ref.slice(0, at), title: ref.slice(at + 2) };
}
