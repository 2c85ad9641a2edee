/**
 * Validation of the mixed corpus: the shipped validator against the
 * hand-written baseline and the peers. No figure counts until every contender
 * gives every entry the verdict the shipped validator gives.
 */
import { isTelemetry, validateTelemetry } from '../src/index.js';
import { isTelemetryBaseline } from './baseline.js';
import { type CorpusEntry, invalidKinds, mixedCorpus } from './corpus.js';
import { ajvRuntimeIs, typeboxIs, zodIs } from './peers.js';
import type { Row } from './report.js';
import { timeSync } from './timing.js';

export const SHIPPED = 'shipped `isTelemetry`';
export const SHIPPED_ERRORS = 'shipped `validateTelemetry` (with error objects)';
export const BASELINE = 'hand-written baseline';
export const ZOD = 'zod 4, strict schema';

export const contenders: Readonly<Record<string, (value: unknown) => boolean>> = {
  [SHIPPED]: isTelemetry,
  [SHIPPED_ERRORS]: (value) => validateTelemetry(value).ok,
  [BASELINE]: isTelemetryBaseline,
  'TypeBox TypeCompiler': typeboxIs,
  [ZOD]: zodIs,
  'ajv compiled at run time': ajvRuntimeIs,
};

/** Throws, naming the first entry and contender that disagree with the shipped validator. */
export function assertAgreement(corpus: readonly CorpusEntry[]): void {
  corpus.forEach((entry, i) => {
    const expected = isTelemetry(entry.payload);
    for (const [name, is] of Object.entries(contenders)) {
      const got = is(entry.payload);
      if (got !== expected) {
        throw new Error(`bench: ${name} calls corpus entry ${i} (${entry.label}, ${entry.kind}) ${got ? 'valid' : 'invalid'}, the shipped validator ${expected ? 'valid' : 'invalid'}: ${JSON.stringify(entry.payload).slice(0, 300)} (verdict-mismatch)`);
      }
    }
  });
}

export function validation(): { rows: Row[]; summary: string; vsBaseline: number; vsZod: number } {
  const corpus = mixedCorpus();
  assertAgreement(corpus);
  const valid = corpus.filter((e) => e.kind === 'valid').length;
  const summary = `${corpus.length.toLocaleString('en-US')} payloads, ${valid} valid and ${corpus.length - valid} invalid, cycling through ${invalidKinds(corpus).length} kinds of breakage; all ${Object.keys(contenders).length} validators agree on every verdict`;
  const ops = timeSync(contenders, corpus.map((e) => e.payload));
  const base = ops[BASELINE]!;
  return {
    rows: Object.entries(ops).map(([name, value]) => ({ name, value, unit: 'payloads/s', ratio: value / base })),
    summary,
    vsBaseline: ops[SHIPPED]! / base,
    vsZod: ops[SHIPPED]! / ops[ZOD]!,
  };
}
