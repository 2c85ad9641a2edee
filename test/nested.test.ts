/**
 * Nested data, first class: the v2 fixture (a required closed object of
 * counts, an optional one, and a bounded list of closed objects) through
 * every artifact a version gets: JSON Schema, types, validator and guard,
 * lint, conformance vectors, the audit document, and the semantic diff.
 */
import type { Root, Table, TableRow } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Contract } from '../schema/contract.js';
import { processingRecord } from '../schema/index.js';
import { license } from '../schema/license.js';
import { probe } from '../schema/probe.js';
import type { CrossFieldRule } from '../schema/rules.js';
import { v1 } from '../schema/v1.js';
import type { Registry } from '../scripts/contract/registry.js';
import { fieldsPart } from '../scripts/docs/audit-doc.js';
import { stringify } from '../scripts/docs/mdast.js';
import { buildArtifacts } from '../scripts/emit/artifacts.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { diffContracts } from '../scripts/governance/semantic-diff.js';
import { lintContract } from '../scripts/lint/index.js';
import type { GeneratedValidator } from '../src/contract/generated-validator.js';
import { createValidators } from '../src/contract/validate-core.js';
import { v2 } from './fixtures/contracts/v2.js';
import { repoRoot } from './helpers.js';
import { plainText } from './support/markdown-lint.js';

const contract = v2 as unknown as Contract;
const schema = toJsonSchema(contract) as Record<string, any>;
let files: Map<string, string>;

beforeAll(async () => {
  const registry: Registry = {
    versions: [
      { contract: v1, status: 'released', released: '2026-11-26' },
      { contract, status: 'draft' },
    ],
    contracts: [v1, contract],
    currentVersion: 1,
    processingRecord,
    released: new Map(),
    reviews: [],
    probe,
    license,
    sources: new Map(),
  };
  files = (await buildArtifacts(registry, repoRoot)).files;
});

const importCode = async <T>(code: string): Promise<T> => ((await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: T }).default;

describe('nested data', () => {
  it('JSON Schema: closed nested objects and a bounded list of closed objects, each part with its record', () => {
    const published = JSON.parse(files.get('generated/v2/telemetry.schema.json')!) as Record<string, any>;
    expect(published.required).toContain('environmentPairs');
    expect(published.required).not.toContain('executionSplit');
    expect(published.properties.environmentPairs).toMatchObject({ type: 'object', additionalProperties: false, required: ['total', 'sandboxOnly', 'paired'], 'x-privacy': { legalBasis: 'contract' } });
    expect(published.properties.environmentPairs.properties.paired['x-privacy'].purpose).toContain('the unit the license is priced in');
    expect(published.properties.redeemedCodes).toMatchObject({ type: 'array', maxItems: 64, items: { type: 'object', additionalProperties: false, required: ['codeId', 'redeemedAt'] } });
  });

  it('types: nested interfaces, the optional object optional, the list an array of closed objects', () => {
    const types = files.get('generated/v2/types.ts')!;
    expect(types).toMatch(/environmentPairs: \{\n(\s+\/\*\*[\s\S]*?\*\/\n)?\s+total: number;/);
    expect(types).toContain('executionSplit?: {');
    expect(types).toMatch(/redeemedCodes: \{[\s\S]*?codeId: string;[\s\S]*?redeemedAt: string;[\s\S]*?\}\[\];/);
  });

  it('validator and guard: every nested boundary refused with its JSON Pointer, and the guard agrees', async () => {
    const validate = await importCode<GeneratedValidator<unknown>>(files.get('generated/v2/validate.js')!);
    const isValid = await importCode<(value: unknown) => boolean>(files.get('generated/v2/is-valid.js')!);
    const { validate: check, is } = createValidators(new Map([[2, { validate, isValid, rules: schema['x-rules'] as CrossFieldRule[] }]]), 2);
    const { base } = JSON.parse(files.get('generated/v2/conformance.json')!) as { base: Record<string, any> };
    const cases: Array<[string, (p: Record<string, any>) => void, string, string]> = [
      ['a negative nested count', (p) => (p.environmentPairs.total = -1), '/environmentPairs/total', 'minimum'],
      ['a nested count left out', (p) => delete p.environmentPairs.paired, '/environmentPairs/paired', 'required'],
      ['an unknown nested field', (p) => (p.environmentPairs.extra = 1), '/environmentPairs/extra', 'additionalProperties'],
      ['a half-filled optional object', (p) => delete p.executionSplit.production, '/executionSplit/production', 'required'],
      ['a code id off its pattern', (p) => (p.redeemedCodes[0].codeId = 'lower-case'), '/redeemedCodes/0/codeId', 'pattern'],
      ['a redemption on a day that does not exist', (p) => (p.redeemedCodes[0].redeemedAt = '2026-02-30T00:00:00Z'), '/redeemedCodes/0/redeemedAt', 'format'],
      ['an unknown field in a list item', (p) => (p.redeemedCodes[0].customer = 'x'), '/redeemedCodes/0/customer', 'additionalProperties'],
      ['a list past maxItems', (p) => (p.redeemedCodes = Array.from({ length: 65 }, () => p.redeemedCodes[0])), '/redeemedCodes', 'maxItems'],
    ];
    expect(check(base).ok).toBe(true);
    const { executionSplit: _, ...withoutOptional } = base;
    expect(is(withoutOptional)).toBe(true);
    for (const [name, change, path, rule] of cases) {
      const payload = structuredClone(base);
      change(payload);
      const result = check(payload);
      expect(result.ok ? [] : result.errors.map((e) => [e.path, e.rule]), name).toContainEqual([path, rule]);
      expect(is(payload), name).toBe(false);
    }
  });

  it('conformance vectors at every nested boundary', () => {
    const { vectors } = JSON.parse(files.get('generated/v2/conformance.json')!) as { vectors: Array<{ id: string; patch: Array<{ op: string; path: string }> }> };
    const ids = vectors.map((v) => v.id);
    for (const id of [
      'environmentPairs/missing',
      'environmentPairs/unknown-field',
      'environmentPairs/type-null',
      'environmentPairs.total/above-maximum',
      'environmentPairs.paired/missing',
      'executionSplit/unknown-field',
      'executionSplit.sandbox/missing',
      'redeemedCodes/too-many-items',
      'redeemedCodes/max-items',
      'redeemedCodes[]/unknown-field',
      'redeemedCodes[].codeId/pattern',
      'redeemedCodes[].codeId/too-long',
      'redeemedCodes[].redeemedAt/date-time-february-30',
    ]) {
      expect(ids, id).toContain(id);
    }
    expect(vectors.find((v) => v.id === 'valid/required-only')!.patch).toEqual([{ op: 'remove', path: '/appVersion' }, { op: 'remove', path: '/nodeVersion' }, { op: 'remove', path: '/executionSplit' }]);
  });

  it('lint: every nested field needs its record; a nested open object or an unbounded list is refused', () => {
    expect(lintContract(contract, schema)).toEqual([]);
    const broken = structuredClone(schema);
    delete broken.properties.environmentPairs.properties.total['x-privacy'];
    delete broken.properties.environmentPairs.additionalProperties;
    delete broken.properties.redeemedCodes.maxItems;
    delete broken.properties.redeemedCodes.items.additionalProperties;
    const findings = lintContract(contract, broken).map((f) => `${f.where} ${f.rule}`);
    expect(findings).toEqual(
      expect.arrayContaining([
        'schema/v2.ts environmentPairs.total privacy-record',
        'schema/v2.ts environmentPairs closed-object',
        'schema/v2.ts redeemedCodes[] closed-object',
        'schema/v2.ts redeemedCodes bounded-array',
      ]),
    );
  });

  it('audit document: a row per nested field, named by its path, required only with its optional parent', () => {
    const tree = unified().use(remarkParse).use(remarkGfm).parse(stringify(fieldsPart({ contract, schema }))) as Root;
    const rows = (tree.children.find((n): n is Table => n.type === 'table')!.children as TableRow[]).slice(1);
    const text = (row: TableRow, i: number) => plainText(row.children[i]);
    const byPath = new Map(rows.map((row) => [text(row, 0), row]));
    for (const path of ['environmentPairs', 'environmentPairs.total', 'executionSplit.sandbox', 'redeemedCodes', 'redeemedCodes[]', 'redeemedCodes[].codeId', 'redeemedCodes[].redeemedAt']) {
      expect(byPath.has(path), path).toBe(true);
    }
    expect(text(byPath.get('environmentPairs.total')!, 2)).toBe('yes');
    expect(text(byPath.get('executionSplit')!, 2)).toBe('no');
    expect(text(byPath.get('executionSplit.sandbox')!, 2)).toBe('yes, when executionSplit is sent');
    expect(text(byPath.get('redeemedCodes[].codeId')!, 1)).toBe('string matching ^[A-Z0-9]{8,16}$, at most 16 characters');
  });

  it('semantic diff: the new version names every nested path it adds', () => {
    const changes = diffContracts({ versions: new Map([[1, toJsonSchema(v1)]]) }, { versions: new Map([[1, toJsonSchema(v1)], [2, schema]]) });
    const added = changes.filter((c) => c.what === 'new data collected').map((c) => c.subject);
    expect(added).toEqual([
      'environmentPairs',
      'environmentPairs.total',
      'environmentPairs.sandboxOnly',
      'environmentPairs.paired',
      'executionSplit',
      'executionSplit.sandbox',
      'executionSplit.production',
      'redeemedCodes',
      'redeemedCodes[].codeId',
      'redeemedCodes[].redeemedAt',
    ]);
  });
});
