import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import { loadRegistry } from '../scripts/contract/registry.js';
import { type Artifacts, buildArtifacts } from '../scripts/emit/artifacts.js';
import { createAjv } from '../scripts/emit/ajv.js';
import { findDrift } from '../scripts/cli/output.js';
import { repoRoot } from './helpers.js';

let artifacts: Artifacts;
beforeAll(async () => {
  artifacts = (await buildArtifacts(await loadRegistry(repoRoot), repoRoot)).files;
});

const generatedFiles = () => [...artifacts.keys()];

describe('generated artifacts', () => {
  it('are byte-for-byte the same on a second build', async () => {
    const again = (await buildArtifacts(await loadRegistry(repoRoot), repoRoot)).files;
    expect([...again.entries()]).toEqual([...artifacts.entries()]);
  });

  it('match the committed files (the drift check has nothing to report)', async () => {
    expect((await findDrift(repoRoot, artifacts)).map((d) => `${d.kind} ${d.path}`)).toEqual([]);
  });

  it('each start with a "generated from schema/…; do not edit" header', () => {
    // Documents are prose with generated parts; their markers say what is generated.
    for (const [path, content] of [...artifacts].filter(([path]) => path.startsWith('generated/'))) {
      const head = path.endsWith('.json') ? (JSON.parse(content) as { $comment?: string }).$comment : content.split('\n')[0];
      expect(head, path).toMatch(/generated from schema\/[\w./]+\.ts .*; do not edit/);
    }
  });

  it('use LF line endings and end with a newline', () => {
    for (const [path, content] of artifacts) {
      expect(content.includes('\r'), path).toBe(false);
      expect(content.endsWith('\n'), path).toBe(true);
    }
  });

  it('include a JSON Schema, types, a validator and a yes/no guard for every version', () => {
    for (const { version } of contracts) {
      for (const file of ['telemetry.schema.json', 'types.ts', 'validate.js', 'validate.d.ts', 'is-valid.js', 'is-valid.d.ts', 'conformance.json', 'wire-vectors.json']) {
        expect(generatedFiles()).toContain(`generated/v${version}/${file}`);
      }
    }
  });
});

describe('generated JSON Schema v1', () => {
  const schema = () => JSON.parse(artifacts.get('generated/v1/telemetry.schema.json')!) as Record<string, unknown>;

  it('is valid against the draft 2020-12 meta-schema', () => {
    const ajv = createAjv();
    expect(ajv.validateSchema(schema()), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('declares draft 2020-12, a stable $id and a title', () => {
    expect(schema()).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:telemetry-contract:schema:v1',
      title: 'TelemetryV1',
      additionalProperties: false,
    });
  });

  it('carries each privacy record as x-privacy and its purpose as description', () => {
    const properties = schema()['properties'] as Record<string, { description: string; 'x-privacy': { purpose: string } }>;
    expect(Object.keys(properties)).toHaveLength(11);
    for (const [name, property] of Object.entries(properties)) {
      expect(property['x-privacy'], name).toMatchObject({ legalBasis: expect.any(String), category: expect.any(String) });
      expect(property.description, name).toBe(property['x-privacy'].purpose);
    }
  });

  it('lists the cross-field rules and what is not collected', () => {
    expect((schema()['x-rules'] as Array<{ id: string }>).map((r) => r.id)).toEqual(['period-order', 'features-sorted']);
    expect((schema()['x-not-collected'] as Array<{ what: string }>).map((n) => n.what)).toContain('User identifiers');
  });
});

describe.each(['validate.js', 'is-valid.js'])('generated v1/%s', (file) => {
  const code = () => artifacts.get(`generated/v1/${file}`)!;

  it('imports nothing and never builds code at run time', () => {
    expect(code()).not.toMatch(/^\s*import\s/m);
    expect(code()).not.toMatch(/\bnew Function\b|\beval\s*\(/);
  });

  it('is an ES module that loads without ajv installed (inlined runtime helpers and formats)', async () => {
    const url = `data:text/javascript;base64,${Buffer.from(code()).toString('base64')}`;
    const module = (await import(/* @vite-ignore */ url)) as { default: (value: unknown) => boolean };
    const payload = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/v1/full.json'), 'utf8')) as Record<string, unknown>;
    expect(module.default(payload)).toBe(true);
    expect(module.default({ ...payload, periodStart: '2026-02-30T00:00:00Z' })).toBe(false);
  });
});
