import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/**
 * Folders whose files the docs name as they are. schema/ and generated/ are left out: the docs also name
 * files there that a command is about to write (`schema/v2.ts` after `npm run draft -- 2`).
 */
const CHECKED = ['src', 'scripts', 'test', 'bench', 'examples', 'docs'];
const PATH = new RegExp(`(?<![\\w./-])(?:\\.\\./)*((?:${CHECKED.join('|')})/[A-Za-z0-9_./<>*{}-]*)`, 'g');

/** The repo paths a text names, with their line: placeholders (`generated/v<N>/`, globs) and trailing punctuation left out. */
export function namedPaths(text: string): Array<{ path: string; line: number }> {
  const found: Array<{ path: string; line: number }> = [];
  text.split('\n').forEach((content, i) => {
    for (const match of content.matchAll(PATH)) {
      const path = match[1]!.replace(/[.,:;)]+$/, '');
      if (!/[<>*{}]/.test(path)) found.push({ path, line: i + 1 });
    }
  });
  return found;
}

/** Whether a named path exists under `root`; a TypeScript import's `.js` names its `.ts` source. */
function exists(root: string, path: string): boolean {
  return existsSync(join(root, path)) || (path.endsWith('.js') && existsSync(join(root, `${path.slice(0, -3)}.ts`)));
}

const documents = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('paths the docs name', () => {
  it('finds the paths to check: the README names src/ folders, scripts/ and tests', () => {
    const named = namedPaths(readFileSync(join(repoRoot, 'README.md'), 'utf8')).map((p) => p.path);
    expect(named).toContain('src/contract/');
    expect(named.some((p) => p.startsWith('test/'))).toBe(true);
  });

  it.each(documents)('every src/, scripts/, test/, bench/, examples/ and docs/ path %s names exists', (document) => {
    const missing = namedPaths(readFileSync(join(repoRoot, document), 'utf8'))
      .filter(({ path }) => !exists(repoRoot, path))
      .map(({ path, line }) => `${document}:${line} ${path}`);
    expect(missing).toEqual([]);
  });

  it('catches a path that is not there, and reads imports, links and placeholders as the docs write them', () => {
    const text = ['see `src/nowhere.ts` and [the test](../test/layout.test.ts).', "import { openOutbox } from '../src/outbox.js';", 'written to generated/v<N>/storage.sql, in src/store/.'].join('\n');
    expect(namedPaths(text)).toEqual([
      { path: 'src/nowhere.ts', line: 1 },
      { path: 'test/layout.test.ts', line: 1 },
      { path: 'src/outbox.js', line: 2 },
      { path: 'src/store/', line: 3 },
    ]);
    expect(namedPaths(text).filter(({ path }) => !exists(repoRoot, path))).toEqual([{ path: 'src/nowhere.ts', line: 1 }]);
  });
});
