/**
 * The mixed corpus the validators are timed on: half valid, half invalid,
 * identical on every run (fixed seeds, no clock). Nothing is written by hand:
 * valid payloads are the valid conformance vectors topped up with payloads
 * derived from the JSON Schema; invalid ones cycle through every kind of
 * breakage in turn (each rule the conformance vectors break, from `type` to
 * the cross-field rules, and each schema-derived mutation: wrong type, out of
 * range, unknown key, missing key), so no one cheap kind dominates.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { v1 } from '../schema/v1.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { mutationArbitrary, payloadArbitrary } from '../test/support/arbitraries.js';

const SEED = 424242;

export interface CorpusEntry {
  /** Where the entry came from, to name it when validators disagree. */
  readonly label: string;
  /** `valid`, or the kind of breakage: `vector:<rules>` or `mutation:<kind>`. */
  readonly kind: string;
  readonly payload: unknown;
}

interface Vector {
  readonly id: string;
  readonly valid: boolean;
  readonly payload: unknown;
  readonly errors?: ReadonlyArray<{ readonly rule: string }>;
}

/** `size` entries, valid and invalid alternating (so a branch predictor cannot learn a run of either). */
export function mixedCorpus(size = 2000): CorpusEntry[] {
  const half = Math.floor(size / 2);
  const schema = toJsonSchema(v1);
  const vectors = (JSON.parse(readFileSync(new URL('../generated/v1/conformance.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

  const valid: CorpusEntry[] = vectors.filter((v) => v.valid).map((v) => ({ label: `conformance vector ${v.id}`, kind: 'valid', payload: v.payload }));
  const derived = fc.sample(payloadArbitrary(schema), { seed: SEED, numRuns: Math.max(0, half - valid.length) });
  valid.push(...derived.map((payload, i) => ({ label: `derived valid payload ${i}`, kind: 'valid', payload })));

  const kinds = new Map<string, CorpusEntry[]>();
  const add = (entry: CorpusEntry) => kinds.set(entry.kind, [...(kinds.get(entry.kind) ?? []), entry]);
  for (const v of vectors.filter((v) => !v.valid)) add({ label: `conformance vector ${v.id}`, kind: `vector:${v.errors?.map((e) => e.rule).join('+') ?? 'invalid'}`, payload: v.payload });
  fc.sample(mutationArbitrary(schema), { seed: SEED + 1, numRuns: 400 }).forEach((m, i) => add({ label: `derived mutation ${i} (${m.pointer})`, kind: `mutation:${m.kind}`, payload: m.payload }));
  const groups = [...kinds.values()];
  const invalid: CorpusEntry[] = [];
  for (let i = 0; invalid.length < half; i++) {
    const group = groups[i % groups.length]!;
    invalid.push(group[Math.floor(i / groups.length) % group.length]!);
  }

  const corpus: CorpusEntry[] = [];
  for (let i = 0; i < half; i++) corpus.push(valid[i]!, invalid[i]!);
  return corpus;
}

/** The kinds of invalid payload the corpus cycles through. */
export function invalidKinds(corpus: readonly CorpusEntry[]): string[] {
  return [...new Set(corpus.map((e) => e.kind))].filter((k) => k !== 'valid').sort();
}
