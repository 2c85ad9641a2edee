import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Heading, Root, RootContent, Table, TableRow } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import type { Contract } from '../schema/contract.js';
import { processingRecord, v1 } from '../schema/index.js';
import { AUDIT_DOC, auditParts, fieldsPart, headersPart, rulesPart } from '../scripts/docs/audit-doc.js';
import { stringify } from '../scripts/docs/mdast.js';
import { listContractFields } from '../scripts/contract/fields.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { loadRegistry } from '../scripts/contract/registry.js';
import { probeSchema } from '../scripts/emit/probe.js';
import { proseOf } from '../scripts/governance/semantic-diff.js';
import { RELEASES_FILE } from '../scripts/governance/releases.js';
import { plainText } from './support/markdown-lint.js';
import { HOSTILE_PURPOSE, rich } from './fixtures/contracts/rich.js';
import { repoRoot } from './helpers.js';
import { markdownLintMessages } from './support/markdown-lint.js';

const parse = (markdown: string): Root => unified().use(remarkParse).use(remarkGfm).parse(markdown);
const cellText = (row: TableRow, index: number): string => {
  const cell = row.children[index];
  return (cell?.children ?? []).map((node) => ('value' in node ? node.value : '')).join('');
};
const version = (contract: Contract) => ({ contract, schema: toJsonSchema(contract) });

/** The rows of the first table in some generated Markdown, as parsed back by remark. */
function rowsOf(markdown: string): TableRow[] {
  const table = parse(markdown).children.find((node): node is Table => node.type === 'table');
  expect(table, 'a table').toBeDefined();
  return table!.children.slice(1);
}

describe('audit document: field table', () => {
  it('has one row per v1 body field, in schema order, with its purpose and legal basis', () => {
    const rows = rowsOf(stringify(fieldsPart(version(v1))));
    const fields = listContractFields(toJsonSchema(v1)).filter((f) => !f.header && !f.isItems);
    expect(rows.map((row) => cellText(row, 0))).toEqual(fields.map((f) => f.path));
    const activeSeats = rows.find((row) => cellText(row, 0) === 'activeSeats')!;
    expect(cellText(activeSeats, 2)).toBe('yes');
    expect(cellText(activeSeats, 3)).toBe(v1.payload.properties.activeSeats.description);
    expect(cellText(activeSeats, 4)).toBe('Art. 6(1)(f) legitimate interests: capacity planning');
  });

  it('describes constraints in words', () => {
    const rows = rowsOf(stringify(fieldsPart(version(v1))));
    const type = (name: string) => cellText(rows.find((row) => cellText(row, 0) === name)!, 1);
    expect(type('activeSeats')).toBe('integer, from 0 to 2^53 − 1');
    expect(type('periodStart')).toBe('UTC midnight (YYYY-MM-DDT00:00:00Z) of a year from 2000 to 2099');
    expect(type('featuresUsed')).toBe('sorted unique list of strings matching ^[a-z][a-z0-9._-]{0,63}$, at most 64 characters each, at most 256 items');
    expect(type('schemaVersion')).toBe('exactly 1');
    expect(type('appVersion')).toBe('string matching ^[0-9a-f]{7,40}$, 7 to 40 characters');
  });

  it('lists nested objects as dotted paths and arrays of objects as a[] and a[].b', () => {
    const rows = rowsOf(stringify(fieldsPart(version(rich as unknown as Contract))));
    expect(rows.map((row) => cellText(row, 0))).toEqual([
      'schemaVersion',
      'healthStatus',
      'tier',
      'bouncerPairs',
      'bouncerPairs.totalPairs',
      'bouncerPairs.pairedCount',
      'redeemedExtensionCodes',
      'redeemedExtensionCodes[]',
      'redeemedExtensionCodes[].codeId',
      'redeemedExtensionCodes[].redeemedOn',
    ]);
    const type = (name: string) => cellText(rows.find((row) => cellText(row, 0) === name)!, 1);
    expect(type('healthStatus')).toBe('one of "healthy", "degraded", "unhealthy"');
    expect(type('schemaVersion')).toBe('exactly 7');
    expect(type('redeemedExtensionCodes')).toBe('sorted list of objects (fields below), at most 16 items');
    expect(type('redeemedExtensionCodes[].redeemedOn')).toBe('RFC 3339 full-date, at most 10 characters');
    expect(cellText(rows.find((row) => cellText(row, 0) === 'tier')!, 2)).toBe('no');
  });

  it('keeps a purpose with |, backticks, <, and a newline as text in one cell', () => {
    const markdown = stringify(fieldsPart(version(rich as unknown as Contract)));
    const tree = parse(markdown);
    expect(tree.children.map((node) => node.type)).toEqual(['table']);
    const rows = rowsOf(markdown);
    for (const row of rows) expect(row.children).toHaveLength(9);
    const hostile = rows.find((row) => cellText(row, 0) === 'bouncerPairs.pairedCount')!;
    expect(cellText(hostile, 3)).toBe(HOSTILE_PURPOSE);
    expect(JSON.stringify(tree)).not.toContain('"type":"html"');
  });
});

describe('audit document: other parts', () => {
  it('lists every v1 header with its privacy record', () => {
    const rows = rowsOf(stringify(headersPart(version(v1))));
    // The contract's headers, then those HTTP and the runtime put on every request.
    expect(rows.map((row) => cellText(row, 0))).toEqual([...Object.keys(v1.headers.properties), ...Object.keys(v1.transport!.properties)]);
    for (const row of rows) expect(cellText(row, 3).length).toBeGreaterThan(20);
  });

  it('lists the cross-field rules by id with their fields and meaning', () => {
    const rows = rowsOf(stringify(rulesPart(version(v1))));
    expect(rows.map((row) => [cellText(row, 0), cellText(row, 1)])).toEqual([
      ['period-order', 'periodStart, periodEnd'],
      ['features-sorted', 'featuresUsed'],
    ]);
  });

  it('produces every part the committed document has markers for', () => {
    const parts = auditParts({ versions: [version(v1)], currentVersion: 1, processingRecord, released: new Map(), reviews: [] });
    expect([...parts.keys()]).toEqual(['machine-readable', 'versions', 'data-flow', 'status v1', 'version v1', 'review v1', 'art30', 'promises']);
  });

  it('renders the Art. 30 record with every lettered item, data categories derived from the fields', () => {
    const art30 = auditParts({ versions: [version(v1)], currentVersion: 1, processingRecord, released: new Map(), reviews: [] }).get('art30')!;
    for (const item of ['(a) Controller', '(b) Purposes', '(c) Categories of data subjects', '(d) Recipients', '(e) Transfers', '(f) Retention', '(g) Technical']) {
      expect(art30).toContain(item);
    }
    expect(art30).toContain('`header x-telemetry-customer` (v1)');
    expect(art30).toContain(processingRecord.retention.summary);
  });

  it('draws the data flow as a Mermaid block with the retention period', () => {
    const flow = parse(auditParts({ versions: [version(v1)], currentVersion: 1, processingRecord, released: new Map(), reviews: [] }).get('data-flow')!);
    expect(flow.children).toEqual([expect.objectContaining({ type: 'code', lang: 'mermaid' })]);
    expect(JSON.stringify(flow)).toContain(`deleted after ${processingRecord.retention.days} days`);
  });
});

describe('audit document: the committed file', () => {
  const markdown = readFileSync(join(repoRoot, AUDIT_DOC), 'utf8');

  it('is clean under remark-lint (recommended and consistent presets)', async () => {
    expect(await markdownLintMessages(markdown)).toEqual([]);
  });

  /** The tables of one `## ` section, keyed by their first header cell, as {column name → cell text} rows. */
  function sectionTables(title: string): Map<string, Array<Record<string, string>>> {
    const nodes = parse(markdown).children;
    const start = nodes.findIndex((n) => n.type === 'heading' && n.depth === 2 && plainText(n) === title);
    expect(start, `a section "${title}"`).toBeGreaterThanOrEqual(0);
    const end = nodes.findIndex((n, i) => i > start && n.type === 'heading' && (n as Heading).depth === 2);
    const tables = new Map<string, Array<Record<string, string>>>();
    for (const node of nodes.slice(start, end < 0 ? undefined : end) as RootContent[]) {
      if (node.type !== 'table') continue;
      const [head, ...rows] = node.children;
      const names = head!.children.map((cell) => plainText(cell));
      // The first table of a name is the section's own: the balancing test and the exceptions come after the fields.
      if (!tables.has(names[0]!)) tables.set(names[0]!, rows.map((row) => Object.fromEntries(row.children.map((cell, i) => [names[i]!, plainText(cell)]))));
    }
    return tables;
  }

  it("answers a reviewer's first questions for every field and header of every version: who owns it, and by when it is reviewed again", async () => {
    const registry = await loadRegistry(repoRoot);
    for (const contract of registry.contracts) {
      const tables = sectionTables(`Schema v${contract.version}`);
      const rows = [...(tables.get('Field') ?? []), ...(tables.get('Header') ?? [])];
      const fields = listContractFields(toJsonSchema(contract)).filter((f) => !f.isItems);
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) {
        const row = rows.find((r) => (r['Field'] ?? r['Header']) === field.path);
        const record = field.schema['x-privacy'] as { owner: string; reviewBy: string };
        expect(row, `v${contract.version} ${field.path}`).toBeDefined();
        expect([row!['Owner'], row!['Review by']], `v${contract.version} ${field.path}`).toEqual([record.owner, record.reviewBy]);
      }
    }
    const probeRows = sectionTables('Connection tests').get('Field')!;
    for (const [name, field] of Object.entries(probeSchema(registry.probe!)['properties'] as Record<string, { 'x-privacy': { owner: string; reviewBy: string } }>)) {
      expect(probeRows.find((r) => r['Field'] === name), name).toMatchObject({ Owner: field['x-privacy'].owner, 'Review by': field['x-privacy'].reviewBy });
    }
  });

  it("says of every version who approved it and when, or that the approval is pending, as the review records say", async () => {
    const registry = await loadRegistry(repoRoot);
    const versions = parse(markdown).children.filter((n): n is Table => n.type === 'table').find((t) => plainText(t.children[0]!.children[0]) === 'Version')!;
    const byVersion = new Map(versions.children.slice(1).map((row) => [plainText(row.children[0]), plainText(row.children[3])]));
    for (const contract of registry.contracts) {
      const latest = registry.reviews.filter((r) => r.version === contract.version).at(-1)!;
      const said = byVersion.get(`v${contract.version}`)!;
      expect(said).toContain(`${latest.date} by ${latest.reviewer} (${latest.role})`);
      expect(said.startsWith(latest.decision === 'approved' ? 'approved' : 'pending')).toBe(true);
    }
  });

  it('names versions and their files only in generated parts, so no sentence of the prose can go stale; every file the prose names exists', () => {
    const prose = proseOf(markdown);
    expect(prose.match(/\bv[0-9]+\b/g) ?? []).toEqual([]);
    expect(prose).not.toMatch(/generated\/v[0-9]/);
    const paths = [...prose.matchAll(/`((?:schema|scripts|src|examples|docs|generated|\.github)\/[^`<*\s]+)`|\]\(\.\.\/([^)#]+)\)/g)].map((m) => m[1] ?? m[2]!);
    expect(paths.length).toBeGreaterThan(3);
    // The lock is written by the first release; the prose says who owns it before it exists.
    for (const path of paths) expect(existsSync(join(repoRoot, path)) || path === RELEASES_FILE, path).toBe(true);
  });

  it('round-trips its tables through remark: every v1 purpose appears as cell text', () => {
    const tree = parse(markdown);
    const cells = JSON.stringify(tree);
    for (const property of Object.values(v1.payload.properties)) {
      expect(cells).toContain(JSON.stringify(property.description).slice(1, -1));
    }
  });
});
