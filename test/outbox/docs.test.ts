/** docs/outbox.md says what the code does: its tables are checked against records, log entries, states, rules and answers the code produces. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Root, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { afterAll, describe, expect, it } from 'vitest';
import { HEALTH_STATES, type LogEntry, type OutboxRecord } from '../../src/outbox.js';
import { generateReceiptKey } from '../../src/server.js';
import { CLI_ENV } from '../../src/outbox/cli.js';
import { classifySend } from '../../src/outbox/verdict.js';
import { RETRYABLE_STATUSES, type SendResult } from '../../src/uploader/send.js';
import { repoRoot } from '../helpers.js';
import { markdownLintMessages, plainText } from '../support/markdown-lint.js';
import { CONNECTION_DIAGNOSES } from '../../src/uploader/connection-test.js';
import { sampleOutputs } from './samples.js';
import { scratchDir, scriptedFetch, testOutbox, windowCounts } from './support.js';

const markdown = readFileSync(join(repoRoot, 'docs/outbox.md'), 'utf8');
const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;

type Cell = Table['children'][number]['children'][number];

/** The rows of the `nth` table whose first header cell is `first`. */
function tableRows(first: string, nth = 0): Cell[][] {
  const found = tree.children.filter((n): n is Table => n.type === 'table' && plainText(n.children[0]!.children[0]) === first);
  expect(found.length, `tables headed "${first}"`).toBeGreaterThan(nth);
  return found[nth]!.children.slice(1).map((row) => row.children);
}
/** The rows as cell texts. */
const table = (first: string, nth = 0): string[][] => tableRows(first, nth).map((row) => row.map(plainText));
/** The code spans of each row's first cell: the names a table documents. */
const names = (first: string, nth = 0): string[] =>
  tableRows(first, nth).flatMap(([cell]) => (cell?.children ?? []).filter((c) => c.type === 'inlineCode').map((c) => (c as { value: string }).value));

const scratch = scratchDir('docs');
afterAll(() => scratch.cleanup());

/** Records in every state, and log entries of every kind, as the outbox writes them. */
async function written(): Promise<{ records: OutboxRecord[]; log: LogEntry[] }> {
  const conflict = { status: 409, body: { error: { rule: 'window-conflict', message: 'stored with another body', storedDigest: 'd'.repeat(64) } } };
  const answers = [
    { status: 201, headers: { deprecation: '@1796083200', sunset: 'Mon, 31 May 2027 00:00:00 GMT' }, body: {} },
    { status: 422, body: { error: { rule: 'invalid-payload', message: 'no' } } },
    conflict,
    conflict,
    new TypeError('fetch failed'),
  ];
  const outbox = await testOutbox(scratch.dir, { fetch: scriptedFetch((_call, i) => answers[Math.min(i, 4)]!).fetch, retries: 0, receiptKeys: [(await generateReceiptKey()).publicKey] });
  // Sent in this order: delivered, refused, two conflicts, then no answer.
  for (const i of [1, 2, 4, 5, 3]) await outbox.enqueue(windowCounts(i));
  await outbox.flush();
  const read = () => readdirSync(join(scratch.dir, 'records')).map((name) => JSON.parse(readFileSync(join(scratch.dir, 'records', name), 'utf8')) as OutboxRecord);
  const records = read();
  const [invalid, first, second] = (await outbox.status()).failedWindows.map((w) => w.messageId);
  await outbox.retry(invalid!);
  await outbox.supersede(first!, { reason: 'reviewed' });
  await outbox.discard(second!, { reason: 'counted twice' });
  await outbox.exportBundle();
  records.push(...read());
  const log = readFileSync(join(scratch.dir, 'log.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as LogEntry);
  return { records, log };
}

describe('docs/outbox.md', () => {
  it('is clean under remark-lint (recommended and consistent presets)', async () => {
    expect(await markdownLintMessages(markdown)).toEqual([]);
  });

  it('lists every field of a record, and no other', async () => {
    const { records } = await written();
    const fields = new Set(records.flatMap((r) => Object.keys(r)));
    expect(fields).toContain('delivered');
    expect(fields).toContain('failure');
    expect(fields).toContain('lastError');
    expect(new Set(names('Field', 0))).toEqual(fields);
  });

  it('lists every field of a log entry and of its attempts, and each outcome', async () => {
    const { log } = await written();
    const documented = new Set(names('Field', 1));
    const fields = new Set([...log.flatMap((e) => Object.keys(e)), 'projection']);
    for (const field of fields) expect(documented, field).toContain(field);
    expect(new Set(log.map((e) => e.outcome))).toEqual(new Set(['delivered', 'pending', 'failed', 'requeued', 'discarded', 'exported']));
    const attemptFields = new Set(log.flatMap((e) => e.attempts.flatMap((a) => Object.keys(a))));
    const attemptsRow = table('Field', 1).find(([cell]) => cell === 'attempts')![1]!;
    for (const field of attemptFields) expect(attemptsRow, field).toContain(`${field}`);
    for (const outcome of ['delivered', 'failed', 'pending', 'requeued', 'exported', 'discarded']) expect(table('Field', 1).find(([cell]) => cell === 'outcome')![1]).toContain(outcome);
  });

  it('lists the five health states in the order they are checked', () => {
    expect(names('State')).toEqual([...HEALTH_STATES]);
  });

  it('lists only error rules the outbox has', () => {
    // The outbox's own rules, and those of the receipts it verifies (src/wire/receipt.ts), which it passes on.
    const source = [...readdirSync(join(repoRoot, 'src/outbox')).map((f) => join(repoRoot, 'src/outbox', f)), join(repoRoot, 'src/wire/receipt.ts')].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const rule of names('Rule')) expect(source, rule).toMatch(new RegExp(`'${rule}'|\\(${rule}\\)|storage-\\$\\{doing\\}`));
    expect(names('Rule')).toEqual(expect.arrayContaining(['storage-read', 'storage-write', 'window-conflict', 'queue-full', 'busy']));
  });

  it('says what each answer does to a window, as flush decides it', () => {
    const rows = table('Answer');
    const statuses = (row: string[] | undefined) => [...(row?.[0] ?? '').matchAll(/\b([1-5]\d\d)\b/g)].map((m) => Number(m[1]));
    const final = (status: number): SendResult => ({ ok: false, status, error: { rule: `http-${status}`, message: 'x' }, attempts: [], schemaVersion: 1 });
    const exhausted = (status?: number): SendResult => ({ ok: false, ...(status ? { status } : {}), error: { rule: 'retries-exhausted', message: 'x' }, attempts: [], schemaVersion: 1 });
    const except = statuses(rows.find((r) => r[0]!.startsWith('4xx except')));
    for (let status = 400; status < 500; status++) {
      if (except.includes(status)) continue;
      expect(classifySend(final(status)), String(status)).toEqual({ outcome: 'failed', stopRound: false });
    }
    expect(classifySend(exhausted(500))).toEqual({ outcome: 'pending', stopRound: false });
    const stopping = statuses(rows.find((r) => r[0]!.startsWith('No answer')));
    expect(stopping.every((s) => RETRYABLE_STATUSES.includes(s))).toBe(true);
    for (const status of [undefined, ...stopping]) expect(classifySend(exhausted(status)), String(status)).toEqual({ outcome: 'pending', stopRound: true });
    for (const status of [...statuses(rows.find((r) => r[0]!.startsWith('401'))), 301, 501]) expect(classifySend(final(status)), String(status)).toEqual({ outcome: 'pending', stopRound: true });
    expect(classifySend({ ok: false, error: { rule: 'projection-refused', message: 'x' }, attempts: [], schemaVersion: 1 })).toEqual({ outcome: 'failed', stopRound: false });
    expect(classifySend({ ok: true, status: 200, attempts: [], schemaVersion: 1 }).outcome).toBe('delivered');
  });

  it('shows the adapter of examples/outbox-memory-storage.ts as it is', () => {
    const example = readFileSync(join(repoRoot, 'examples/outbox-memory-storage.ts'), 'utf8');
    expect(markdown).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('shows the real output of `show --next` and `test` for the README\'s window', { timeout: 60_000 }, async () => {
    const { show, test } = await sampleOutputs();
    expect(markdown).toContain(`\`\`\`text\n$ telemetry-outbox show --next --dir /var/lib/aster/telemetry\n${show}\`\`\``);
    expect(markdown).toContain(`    telemetry-outbox test --dir /var/lib/aster/telemetry\n${test}\`\`\``);
    // The README's uploader section shows the same two outputs.
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`text\n$ telemetry-outbox show --next --dir /var/lib/aster/telemetry\n${show}\`\`\``);
    expect(readme).toContain(`\`\`\`text\n$ telemetry-outbox test --dir /var/lib/aster/telemetry\n${test}\`\`\``);
  });

  it('lists every connection test diagnosis it speaks of', () => {
    for (const diagnosis of CONNECTION_DIAGNOSES) expect(markdown).toContain(`\`${diagnosis}\``);
  });

  it('names the environment variables the command reads', () => {
    for (const name of Object.values(CLI_ENV)) expect(markdown).toContain(name);
  });
});
