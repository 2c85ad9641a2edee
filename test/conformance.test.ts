import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import { applyPatch, type PatchOperation } from '../scripts/emit/json-patch.js';
import { parseTelemetry, validateTelemetry } from '../src/index.js';
import { repoRoot } from './helpers.js';

interface Vector {
  id: string;
  description: string;
  valid: boolean;
  patch: PatchOperation[];
  errors?: Array<{ path: string; rule: string }>;
}

describe.each(contracts.map((c) => c.version))('conformance vectors of v%i', (version) => {
  const file = JSON.parse(readFileSync(join(repoRoot, `generated/v${version}/conformance.json`), 'utf8')) as { $comment: string; version: number; base: unknown; vectors: Vector[] };
  // What a team in another language does: an off-the-shelf RFC 6902 implementation on the published base.
  const payloadOf = (vector: Vector) => jsonPatch.applyPatch(structuredClone(file.base), vector.patch as jsonPatch.Operation[], true, false).newDocument;

  it('say where they come from and which version they test', () => {
    expect(file.$comment).toMatch(/^generated from schema\/v\d+\.ts .*; do not edit$/);
    expect(file.version).toBe(version);
  });

  it('cover valid and invalid payloads, with unique ids', () => {
    expect(file.vectors.filter((v) => v.valid).length).toBeGreaterThan(5);
    expect(file.vectors.filter((v) => !v.valid).length).toBeGreaterThan(50);
    expect(new Set(file.vectors.map((v) => v.id)).size).toBe(file.vectors.length);
  });

  it('cover every kind of boundary the issue lists', () => {
    const ids = file.vectors.map((v) => v.id).join(' ');
    for (const kind of ['/maximum', '/above-maximum', '/minimum', '/below-minimum', '/longest', '/too-long', '/pattern', '/max-items', '/too-many-items', '/missing', '/type-', 'root/unknown-field', 'root/unsupported-version', 'rule/']) {
      expect(ids, kind).toContain(kind);
    }
  });

  it('speak of this version only: every payload but the unsupported-version one carries it', () => {
    for (const vector of file.vectors) {
      const payload = payloadOf(vector) as { schemaVersion?: unknown } | null;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !Object.hasOwn(payload, 'schemaVersion') || vector.id.startsWith('schemaVersion/')) continue;
      expect(payload.schemaVersion, vector.id).toBe(vector.id === 'root/unsupported-version' ? 0 : version);
    }
  });

  it('give the same payload through an off-the-shelf JSON Patch library as through the one the generator uses', () => {
    for (const vector of file.vectors) expect(payloadOf(vector), vector.id).toEqual(applyPatch(file.base, vector.patch));
  });

  it.each(file.vectors.map((v) => [v.id, v] as const))('%s: the shipped validator agrees', (_id, vector) => {
    const result = validateTelemetry(payloadOf(vector));
    expect(result.ok).toBe(vector.valid);
    if (!vector.valid) expect(result.ok ? [] : result.errors.map((e) => ({ path: e.path, rule: e.rule }))).toEqual(vector.errors);
  });

  it('give the same verdicts through parseTelemetry from JSON text', () => {
    for (const vector of file.vectors) expect(parseTelemetry(JSON.stringify(payloadOf(vector))).ok, vector.id).toBe(vector.valid);
  });
});
