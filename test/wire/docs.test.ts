import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Root, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { CONNECTION_DIAGNOSES } from '../../src/uploader/connection-test.js';
import { TEST_EXIT_CODES } from '../../src/outbox/test-report.js';
import { repoRoot } from '../helpers.js';
import { markdownLintMessages, plainText } from '../support/markdown-lint.js';

const markdown = readFileSync(join(repoRoot, 'docs/wire-protocol.md'), 'utf8');
const vectors = JSON.parse(readFileSync(join(repoRoot, 'generated/v1/wire-vectors.json'), 'utf8')) as {
  requests: Array<{ expected: { headers: Record<string, string>; body: string } }>;
};
const source = ['server/ingest', 'server/verify-report', 'server/bundle', 'wire/bundle', 'server/key-lookup', 'server/license-check', 'contract/license', 'store/store', 'wire/probe', 'wire/content-type', 'wire/jwe', 'wire/signature', 'wire/verify-signature', 'wire/mask', 'contract/negotiation', 'contract/parse', 'contract/i-json', 'store/failure-response', 'server/admission'].map((f) => readFileSync(join(repoRoot, `src/${f}.ts`), 'utf8')).join('\n');


/** Rows of the table whose header starts with `first` ("Status", the ingest table, unless told). */
function statusTable(first = 'Status'): Array<[string, string]> {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;
  const table = tree.children.find((n): n is Table => n.type === 'table' && plainText(n.children[0]!.children[0]) === first)!;
  return table.children.slice(1).map((row) => [plainText(row.children[0]), plainText(row.children[1])]);
}

describe('docs/wire-protocol.md', () => {
  it('is clean under remark-lint (recommended and consistent presets)', async () => {
    expect(await markdownLintMessages(markdown)).toEqual([]);
  });

  it('shows the first request of the test vectors, header for header and byte for byte', () => {
    const { headers, body } = vectors.requests[0]!.expected;
    for (const [name, value] of Object.entries(headers)) expect(markdown).toContain(`\n${name}: ${value}\n`);
    expect(markdown).toContain(`\n${body}\n`);
  });

  it('lists in its bundle tables only rules the code has, with the statuses ingestBundle answers', () => {
    expect(Object.fromEntries(statusTable('Bundle status').map(([status, rule]) => [rule, Number(status)]))).toEqual({
      'method-not-allowed': 405,
      'too-large': 413,
      'unsupported-media-type': 415,
      'json-syntax': 400,
      'malformed-bundle': 400,
      'license-key-mismatch': 401,
      'key-lookup-failed': 503,
    });
    expect(Object.fromEntries(statusTable('Window status').map(([status, rule]) => [rule, Number(status)]))).toEqual({ 'license-mismatch': 422, 'supersede-refused': 409, 'window-conflict': 409, 'window-overlap': 409 });
    for (const [, rule] of [...statusTable('Bundle status'), ...statusTable('Window status')]) expect(source, rule).toContain(`'${rule}'`);
  });

  it('lists in its status table only rules the code has, with the status the tests expect', () => {
    const rows = statusTable();
    for (const [, rule] of rows.filter(([, rule]) => !rule.startsWith('('))) expect(source, rule).toContain(`'${rule}'`);
    expect(Object.fromEntries(rows.filter(([, rule]) => !rule.startsWith('(')).map(([status, rule]) => [rule, Number(status)]))).toEqual({
      'method-not-allowed': 405,
      'too-large': 413,
      'unsupported-media-type': 415,
      'encryption-required': 415,
      'malformed-jwe': 400,
      'unknown-key-id': 400,
      'decryption-failed': 400,
      'unsupported-content-encoding': 415,
      'missing-signature': 401,
      'malformed-signature-header': 401,
      'timestamp-too-old': 401,
      'timestamp-too-new': 401,
      'revoked-key': 401,
      'signature-mismatch': 401,
      'license-key-mismatch': 401,
      'key-lookup-failed': 503,
      'window-conflict': 409,
      'window-overlap': 409,
      'invalid-header': 400,
      'customer-encoding': 400,
      'customer-name': 400,
      'invalid-utf8': 400,
      'json-syntax': 400,
      'byte-order-mark': 400,
      'duplicate-key': 400,
      'unpaired-surrogate': 400,
      'noncharacter': 400,
      'unsupported-version': 422,
      'version-mismatch': 422,
      'invalid-payload': 422,
      'invalid-probe': 422,
      'message-id-mismatch': 422,
      'feature-not-licensed': 422,
      'customer-not-licensed': 422,
      'mask-not-licensed': 422,
      'license-record-missing': 503,
      'unstorable': 422,
      'database-unavailable': 503,
      'overloaded': 503,
    });
  });

  it('shows the first probe of the probe vectors and its answer, and lists every diagnosis of testConnection with its exit code', () => {
    const probes = JSON.parse(readFileSync(join(repoRoot, 'generated/probe-vectors.json'), 'utf8')) as { probes: Array<{ expected: { headers: Record<string, string>; body: string }; answer: { body: string } }> };
    const { expected, answer } = probes.probes[0]!;
    for (const [name, value] of Object.entries(expected.headers)) expect(markdown).toContain(`\n${name}: ${value}\n`);
    expect(markdown).toContain(`\n${expected.body}\n`);
    expect(markdown).toContain(`\n${answer.body}\n`);
    const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;
    const table = tree.children.find((n): n is Table => n.type === 'table' && plainText(n.children[0]!.children[0]) === 'Diagnosis')!;
    const rows = table.children.slice(1).map((row) => [plainText(row.children[0]), Number(plainText(row.children[3]))] as const);
    expect(Object.fromEntries(rows)).toEqual(TEST_EXIT_CODES);
    expect(rows.map(([name]) => name).sort()).toEqual([...CONNECTION_DIAGNOSES].sort());
  });
});
