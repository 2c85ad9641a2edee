/** The connection test's declaration (schema/probe.ts) is held to a report's standards and is what the runtime reads. */
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { probeContract } from '../generated/probe.js';
import { probe } from '../schema/probe.js';
import { loadRegistry } from '../scripts/contract/registry.js';
import { probeAsContract, probeSchema, runtimeProbeSchema } from '../scripts/emit/probe.js';
import { lintContract } from '../scripts/lint/index.js';
import { repoRoot } from './helpers.js';

describe('schema/probe.ts', () => {
  it('passes the privacy lint a report passes', () => {
    expect(lintContract(probeAsContract(probe), probeSchema(probe))).toEqual([]);
  });

  it('fails it like a report would: an unbounded string, a placeholder purpose', () => {
    const { nonce, ...rest } = probe.body.properties;
    const record = nonce['x-privacy'] as Record<string, unknown>;
    const broken = {
      ...probe,
      body: Type.Object({ ...rest, nonce: Type.String({ pattern: '^[0-9a-f]{32}$', 'x-privacy': { ...record, purpose: 'TODO' } }) }, { additionalProperties: false }),
    } as unknown as typeof probe;
    const findings = lintContract(probeAsContract(broken), probeSchema(broken)).map((f) => `${f.where} ${f.rule}`);
    expect(findings).toEqual(expect.arrayContaining(['schema/probe.ts nonce bounded-string', 'schema/probe.ts nonce privacy-record']));
  });

  it('is loaded with the registry, and generated/probe.ts holds what it declares', async () => {
    const registry = await loadRegistry(repoRoot);
    expect(registry.probe?.mediaType).toBe(probe.mediaType);
    expect(probeContract.mediaType).toBe(probe.mediaType);
    expect(probeContract.messageIdOf).toBe(probe.messageIdOf);
    expect(probeContract.schema).toEqual(runtimeProbeSchema(probe));
    expect(JSON.stringify(probeContract.schema)).not.toContain('x-privacy');
  });
});
