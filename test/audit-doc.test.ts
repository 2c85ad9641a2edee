import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Root, Table, TableRow } from 'mdast';
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
    for (const row of rows) expect(row.children).toHaveLength(7);
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
    expect([...parts.keys()]).toEqual(['versions', 'data-flow', 'status v1', 'version v1', 'review v1', 'art30', 'promises']);
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

  it('round-trips its tables through remark: every v1 purpose appears as cell text', () => {
    const tree = parse(markdown);
    const cells = JSON.stringify(tree);
    for (const property of Object.values(v1.payload.properties)) {
      expect(cells).toContain(JSON.stringify(property.description).slice(1, -1));
    }
  });
});
