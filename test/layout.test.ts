import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDERS, type ImportEdge, LAYOUT_RULES, placeOf, readImportGraph, srcFiles, violations } from './support/import-graph.js';
import { repoRoot } from './helpers.js';

const graph = readImportGraph(repoRoot);
const rule = (name: string) => LAYOUT_RULES.find((r) => r.name === name)!;

/** The source file each code entry of package.json's `exports` is built from (tsup.config.ts maps `./x` to src/x.ts). */
function entryPoints(): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(manifest.exports)
    .filter((subpath) => subpath !== './package.json' && !subpath.endsWith('.json'))
    .map((subpath) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}.ts`))
    .sort();
}

/** Each folder's main file: the one whose header says what the folder is for (README.md, "What is where"). */
const MAIN_FILES: Readonly<Record<(typeof FOLDERS)[number], string>> = {
  contract: 'validate.ts',
  wire: 'signature.ts',
  server: 'ingest.ts',
  uploader: 'request.ts',
  outbox: 'outbox.ts',
  store: 'store.ts',
};

describe('src layout', () => {
  it('reads an import graph: there are edges to check', () => {
    expect(graph.length).toBeGreaterThan(100);
  });

  it('holds the entry points at the top of src/ and every other file in one of the six folders', () => {
    const files = srcFiles(repoRoot);
    expect(files.filter((f) => placeOf(f).kind === 'entry')).toEqual(entryPoints());
    const loose = files.filter((f) => {
      const place = placeOf(f);
      return place.kind === 'folder' && !(FOLDERS as readonly string[]).includes(place.folder);
    });
    expect(loose).toEqual([]);
  });

  it.each(Object.entries(MAIN_FILES))('%s/ opens its main file, %s, with what the folder is for and who imports it', (folder, file) => {
    const text = readFileSync(join(repoRoot, 'src', folder, file), 'utf8');
    expect(text).toMatch(new RegExp(`^/\\*\\*\\n \\* ${folder}/: `));
    expect(text.slice(0, text.indexOf('*/')), 'the header says who imports the folder').toMatch(/\bimported by\b|\bimports it\b/i);
  });

  it('every entry point opens with the package path it is published as', () => {
    for (const entry of entryPoints()) {
      const name = entry === 'src/index.ts' ? 'telemetry-contract' : `telemetry-contract/${entry.slice('src/'.length, -'.ts'.length)}`;
      expect(readFileSync(join(repoRoot, entry), 'utf8'), entry).toMatch(new RegExp(`^/\\*\\*\\n \\* ${name}: `));
    }
  });

  // One assertion per rule, so a failure names the rule and every import that breaks it.
  it.each(LAYOUT_RULES.map((r) => [r.name]))('%s', (name) => {
    expect(violations(graph, rule(name))).toEqual([]);
  });
});

describe('src layout rules', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, line: 1 });
  /** For each rule, one import it must refuse and one it must let through. */
  const cases: Record<string, { refused: ImportEdge; allowed: ImportEdge }> = {
    'contract/ imports none of the other folders': { refused: edge('src/contract/parse.ts', 'src/wire/bytes.ts'), allowed: edge('src/contract/parse.ts', 'generated/index.ts') },
    'wire/ imports only contract/': { refused: edge('src/wire/jwe.ts', 'src/uploader/send.ts'), allowed: edge('src/wire/jwe.ts', 'src/contract/i-json.ts') },
    'server/ imports only contract/ and wire/, never uploader/': { refused: edge('src/server/ingest.ts', 'src/uploader/send.ts'), allowed: edge('src/server/ingest.ts', 'src/wire/signature.ts') },
    'uploader/ imports only contract/ and wire/, never server/': { refused: edge('src/uploader/send.ts', 'src/server/ingest.ts'), allowed: edge('src/uploader/send.ts', 'src/contract/negotiation.ts') },
    'outbox/ imports only contract/, wire/ and uploader/': { refused: edge('src/outbox/outbox.ts', 'src/store/store.ts'), allowed: edge('src/outbox/outbox.ts', 'src/uploader/send.ts') },
    'store/ imports only contract/, wire/ and server/, never uploader/ or outbox/': { refused: edge('src/store/store.ts', 'src/outbox/record.ts'), allowed: edge('src/store/store.ts', 'src/server/ingest.ts') },
    'nothing under a folder imports an entry point': { refused: edge('src/outbox/cli.ts', 'src/outbox.ts'), allowed: edge('src/outbox.ts', 'src/outbox/outbox.ts') },
  };

  it('every rule has a case', () => expect(Object.keys(cases).sort()).toEqual(LAYOUT_RULES.map((r) => r.name).sort()));

  it.each(Object.entries(cases))('%s: refuses an import across it and lets one along it through', (name, { refused, allowed }) => {
    expect(violations([refused, allowed], rule(name))).toEqual([`${refused.from}:1 → ${refused.to}`]);
  });

  it('an import within one folder breaks no rule', () => {
    const within = FOLDERS.map((folder) => edge(`src/${folder}/a.ts`, `src/${folder}/b.ts`));
    for (const r of LAYOUT_RULES) expect(violations(within, r), r.name).toEqual([]);
  });
});

describe('src import graph reader', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'telemetry-contract-layout-'));
    const files: Record<string, string> = {
      'src/index.ts': "export { a } from './contract/a.js';\n",
      'src/contract/a.ts': [
        "import type { B } from '../wire/b.js';",
        '// import { c } from "../server/c.js";',
        "const text = \"import { d } from '../uploader/d.js'\";",
        'import {',
        '  e,',
        "} from '../store/e.js';",
        "import { readFileSync } from 'node:fs';",
        "export * from '../outbox/f.js';",
        "export const later = () => import('../index.js');",
        "import { versions } from '../../generated/index.js';",
        '',
      ].join('\n'),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds import type, multi-line imports, export … from and import(), and nothing in comments, strings or packages', () => {
    expect(readImportGraph(root)).toEqual([
      { from: 'src/contract/a.ts', to: 'src/wire/b.ts', line: 1 },
      { from: 'src/contract/a.ts', to: 'src/store/e.ts', line: 6 },
      { from: 'src/contract/a.ts', to: 'src/outbox/f.ts', line: 8 },
      { from: 'src/contract/a.ts', to: 'src/index.ts', line: 9 },
      { from: 'src/contract/a.ts', to: 'generated/index.ts', line: 10 },
      { from: 'src/index.ts', to: 'src/contract/a.ts', line: 1 },
    ]);
  });

  it('the rules catch what the reader finds', () => {
    const edges = readImportGraph(root);
    expect(violations(edges, rule('contract/ imports none of the other folders'))).toEqual(['src/contract/a.ts:1 → src/wire/b.ts', 'src/contract/a.ts:6 → src/store/e.ts', 'src/contract/a.ts:8 → src/outbox/f.ts']);
    expect(violations(edges, rule('nothing under a folder imports an entry point'))).toEqual(['src/contract/a.ts:9 → src/index.ts']);
  });
});
