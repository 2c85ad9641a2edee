/** docs/key-store.md says what the code does: its method and command tables against the license store and `telemetry-keys`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Root, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { runKeysCli } from '../../src/store/keys-cli.js';
import { createKeyStore, parseKeyring, storagePlan } from '../../src/store-postgres.js';
import { LICENSE_CHANGE_BOUND_SECONDS } from '../../src/store/license-store.js';
import { DEFAULT_CACHE_ENTRIES, DEFAULT_IDLE_SECONDS, DEFAULT_UNKNOWN_ENTRIES } from '../../src/store/license-cache.js';
import { CHANGE_BUCKETS } from '../../src/store/license-changes.js';
import { repoRoot } from '../helpers.js';
import { markdownLintMessages, plainText } from '../support/markdown-lint.js';

const markdown = readFileSync(join(repoRoot, 'docs/key-store.md'), 'utf8');
const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;
/** The text of column `column` in each row of the table whose first heading is `first`. */
const cells = (first: string, column = 0): string[] =>
  tree.children.find((n): n is Table => n.type === 'table' && plainText(n.children[0]!.children[0]) === first)!.children.slice(1).map((row) => plainText(row.children[column]));
const firstCells = (first: string): string[] => cells(first);

describe('docs/key-store.md', () => {
  it('is clean under remark-lint (recommended and consistent presets)', async () => {
    expect(await markdownLintMessages(markdown)).toEqual([]);
  });

  it('documents every method of the license store, and no other', () => {
    const store = createKeyStore({ query: async () => ({ rows: [] }) }, { keyring: parseKeyring(btoa('k'.repeat(32)), 'test') });
    const documented = firstCells('Method').map((cell) => cell.replace(/\(.*$/, ''));
    expect(documented.sort()).toEqual(Object.keys(store).filter((k) => k !== 'migrate').sort());
  });

  it('documents every telemetry-keys command with the usage the command prints', async () => {
    let help = '';
    await runKeysCli(['--help'], { out: (t) => void (help += t), err: () => undefined, env: {} });
    const documented = firstCells('Command');
    expect(documented.length).toBe(10);
    for (const usage of documented) expect(help).toContain(`  ${usage.replace(/^telemetry-keys /, '')}`);
  });

  it('lists every report column the store encrypts, and promises the change bound the code states', () => {
    const sealed = storagePlan.versions[1]!.columns.filter((c) => c.sealed).map((c) => `telemetry_reports.${c.column}`);
    const listed = cells('Value', 1);
    expect(listed.filter((where) => where.startsWith('telemetry_reports.')).sort()).toEqual(sealed.sort());
    expect(markdown).toContain(`within ${LICENSE_CHANGE_BOUND_SECONDS} seconds (\`LICENSE_CHANGE_BOUND_SECONDS\`)`);
  });

  it('says what the license cache holds by the defaults the code has', () => {
    const flat = markdown.replace(/\s+/g, ' ');
    expect(flat).toContain(`At most \`cache.entries\` licenses (default ${DEFAULT_CACHE_ENTRIES.toLocaleString('en')})`);
    expect(flat).toContain(`(\`cache.unknownEntries\`, default ${DEFAULT_UNKNOWN_ENTRIES.toLocaleString('en')}`);
    expect(flat).toContain(`not looked up for ${DEFAULT_IDLE_SECONDS / 60} minutes (\`cache.idleSeconds\`)`);
    expect(flat).toContain(`at most ${CHANGE_BUCKETS.toLocaleString('en')} rows`);
    expect(flat).toContain(`trusted for \`LICENSE_CHANGE_BOUND_SECONDS\` (${LICENSE_CHANGE_BOUND_SECONDS} s) at most`);
  });
});
