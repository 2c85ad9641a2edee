/**
 * The shipped validators of a version, as this build writes them, run on that
 * version's conformance vectors. Validator code may change from one build to
 * the next (an ajv upgrade, a guard optimisation), even for a released
 * version; its verdicts may not. A disagreement stops generation and names
 * the file.
 */
import type { CrossFieldRule } from '../../schema/rules.js';
import type { GeneratedValidator } from '../../src/contract/generated-validator.js';
import { createValidators } from '../../src/contract/validate-core.js';
import type { Finding } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';
import { withPatch } from './json-patch.js';
import { validatePatches } from './patch-batches.js';
import type { ConformanceVectors } from './vectors.js';

async function importCode<T>(code: string): Promise<T> {
  return ((await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: T }).default;
}

export interface ShippedCode {
  readonly version: number;
  /** generated/v<N>/validate.js and generated/v<N>/is-valid.js, as this build writes them. */
  readonly validate: string;
  readonly isValid: string;
  /** The version's JSON Schema, with its cross-field rules under `x-rules`. */
  readonly schema: JsonSchema;
}

/** Findings for every vector the shipped validator or guard of the version decides differently. */
export async function vectorFindings(code: ShippedCode, vectors: ConformanceVectors): Promise<Finding[]> {
  const validate = await importCode<GeneratedValidator<unknown>>(code.validate);
  const isValid = await importCode<(value: unknown) => boolean>(code.isValid);
  const rules = (code.schema['x-rules'] ?? []) as CrossFieldRule[];
  const validators = createValidators(new Map([[code.version, { validate, isValid, rules }]]), code.version);
  const dir = `generated/v${code.version}`;
  const findings: Finding[] = [];
  const fix = `a generator change made the shipped code disagree with the published vectors; fix scripts/emit/ so that \`npm run generate\` gives code that passes ${dir}/conformance.json`;
  const explained = validatePatches(vectors.base, vectors.vectors.map((vector) => vector.patch), validators.validate, code.schema);
  // The guard answers yes or no for a whole payload, so it sees every vector on its own; patched in place, the base is never copied.
  const working = structuredClone(vectors.base);
  vectors.vectors.forEach((vector, i) => {
    const result = explained[i]!;
    const errors = result.ok ? [] : result.errors.map((e) => ({ path: e.path, rule: e.rule }));
    if (result.ok !== vector.valid || (!vector.valid && JSON.stringify(errors) !== JSON.stringify(vector.errors))) {
      findings.push({ where: `${dir}/validate.js`, what: `decides vector ${vector.id} differently: ${result.ok ? 'accepts it' : `reports ${JSON.stringify(errors)}`}, the vector says ${vector.valid ? 'valid' : JSON.stringify(vector.errors)}`, rule: 'vectors-fail', fix, severity: 'error' });
    }
    if (withPatch(working, vector.patch, (payload) => validators.is(payload)) !== vector.valid) {
      findings.push({ where: `${dir}/is-valid.js`, what: `gives vector ${vector.id} the verdict ${!vector.valid}, the vector says ${vector.valid}`, rule: 'vectors-fail', fix, severity: 'error' });
    }
  });
  return findings;
}
