/**
 * Projection of a report onto another schema version, by the plans
 * generated from the two schemas (generated/index.ts `projections`): fields
 * the target lacks are dropped, never added; where the target needs what the
 * source does not promise, the plan refuses and so does this.
 */
import { type Telemetry, projections } from '../../generated/index.js';
import { type FieldPath, dottedPath } from './errors.js';
import { validateTelemetry } from './validate.js';
import { type WireError, wireError } from './wire-errors.js';

type Plan = { readonly drop: readonly FieldPath[] } | { readonly refused: ReadonlyArray<{ readonly path: string; readonly what: string }> };

/** What a projection did: the versions, and the fields left out (dotted paths, `list[]` for every item). */
export interface ProjectionReport {
  readonly from: number;
  readonly to: number;
  readonly dropped: readonly string[];
}

export type ProjectionResult = { readonly ok: true; readonly value: Telemetry; readonly report: ProjectionReport } | { readonly ok: false; readonly error: WireError };

/** Removes `path` everywhere it occurs under `node`; true when something was there. */
function drop(node: unknown, path: FieldPath): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const [head, ...rest] = path;
  if (head === null) return Array.isArray(node) && node.map((item) => drop(item, rest)).some(Boolean);
  if (head === undefined || Array.isArray(node) || !Object.hasOwn(node, head)) return false;
  if (rest.length === 0) return delete (node as Record<string, unknown>)[head];
  return drop((node as Record<string, unknown>)[head], rest);
}

/**
 * A copy of `payload` without the fields at `paths` (`null` stands for every
 * item of a list), and the dotted paths of those that were there.
 */
export function dropFields(payload: unknown, paths: readonly FieldPath[]): { value: Record<string, unknown>; dropped: string[] } {
  const value = structuredClone(payload) as Record<string, unknown>;
  return { value, dropped: paths.filter((path) => drop(value, path)).map(dottedPath) };
}

/**
 * The payload of version `from` as a payload of version `to`, or a
 * `projection-refused` error saying why the contract does not allow it. The
 * result is validated against `to` before it is returned.
 *
 * @example
 * const projected = projectTelemetry(payloadV2, 1);
 * if (projected.ok) send(projected.value); // projected.report.dropped: ['environmentPairs']
 */
export function projectTelemetry(payload: Telemetry, to: number): ProjectionResult {
  const from = payload.schemaVersion;
  const plan = (projections as Readonly<Record<string, Plan>>)[`${from}>${to}`];
  if (plan === undefined) return { ok: false, error: wireError('schemaVersion', `there is no projection from v${from} to v${to}; both must be versions this package knows`, 'projection-refused') };
  if ('refused' in plan) {
    return {
      ok: false,
      error: wireError('schemaVersion', `a v${from} report cannot be sent as v${to}: ${plan.refused.map((r) => `${r.path}: ${r.what}`).join('; ')}`, 'projection-refused'),
    };
  }
  const { value, dropped } = dropFields(payload, plan.drop);
  value['schemaVersion'] = to;
  const validated = validateTelemetry(value);
  if (!validated.ok) {
    return { ok: false, error: wireError('schemaVersion', `the v${from} report projected onto v${to} is not valid: ${validated.errors.map((e) => e.message).join('; ')}`, 'projection-refused', { errors: validated.errors }) };
  }
  return { ok: true, value: validated.value, report: { from, to, dropped } };
}
