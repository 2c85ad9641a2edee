/**
 * src/'s import graph, read from the source text, and the layout rules it must
 * keep. Every `import`, `import type`, `export … from` and `import()` of a
 * relative path is an edge, whatever it imports: a type crossing a rule couples
 * the two folders as much as a value does. TypeScript's own pre-processor finds
 * the specifiers, so imports inside comments and strings are not edges.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The folders of src/, by who uses them (README.md, "What is where"). */
export const FOLDERS = ['contract', 'wire', 'server', 'uploader', 'outbox', 'store'] as const;
export type Folder = (typeof FOLDERS)[number];

/** Where a file stands: a thin entry point at the top of src/, inside one of the folders, or outside src/ (generated/, schema/). */
export type Place = { readonly kind: 'entry' } | { readonly kind: 'folder'; readonly folder: string } | { readonly kind: 'outside' };

/** One import: the importing file and the imported one, both repo-relative with `/`, and the line. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly line: number;
}

const posix = (path: string) => path.split(sep).join('/');

/** Every .ts file below `dir`, repo-relative. */
function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(root, path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The src/ files of the checkout at `root`, repo-relative, sorted. */
export function srcFiles(root: string): string[] {
  return sourceFiles(root, 'src').sort();
}

/** Every relative import of every src/ file (packages and `node:` built-ins are not edges). */
export function readImportGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of srcFiles(root)) {
    const text = readFileSync(join(root, from), 'utf8');
    for (const reference of ts.preProcessFile(text, true, true).importedFiles) {
      if (!reference.fileName.startsWith('.')) continue;
      const target = posix(relative(root, resolve(root, dirname(from), reference.fileName))).replace(/\.js$/, '.ts');
      edges.push({ from, to: target, line: text.slice(0, reference.pos).split('\n').length });
    }
  }
  return edges;
}

/** Where a repo-relative path stands in the layout. */
export function placeOf(path: string): Place {
  const parts = path.split('/');
  if (parts[0] !== 'src') return { kind: 'outside' };
  return parts.length === 2 ? { kind: 'entry' } : { kind: 'folder', folder: parts[1]! };
}

const folderOf = (path: string): string | undefined => {
  const place = placeOf(path);
  return place.kind === 'folder' ? place.folder : undefined;
};

/** An import rule: its statement, and whether an edge breaks it. */
export interface LayoutRule {
  readonly name: string;
  breaks(edge: ImportEdge): boolean;
}

/** The folders each folder may import besides itself: each stands on the ones before it, the two sides never on each other. */
export const MAY_IMPORT: Readonly<Record<Folder, readonly Folder[]>> = {
  contract: [],
  wire: ['contract'],
  server: ['contract', 'wire'],
  uploader: ['contract', 'wire'],
  outbox: ['contract', 'wire', 'uploader'],
  store: ['contract', 'wire', 'server'],
};

/** An import from a file under `folder` into another folder than the ones it may import breaks the rule. */
function only(name: string, folder: Folder): LayoutRule {
  return {
    name,
    breaks: ({ from, to }) => {
      const target = folderOf(to);
      return folderOf(from) === folder && target !== undefined && target !== folder && !(MAY_IMPORT[folder] as readonly string[]).includes(target);
    },
  };
}

/** The rules of README.md's "What is where", one per folder, and nothing points back up. */
export const LAYOUT_RULES: readonly LayoutRule[] = [
  only('contract/ imports none of the other folders', 'contract'),
  only('wire/ imports only contract/', 'wire'),
  only('server/ imports only contract/ and wire/, never uploader/', 'server'),
  only('uploader/ imports only contract/ and wire/, never server/', 'uploader'),
  only('outbox/ imports only contract/, wire/ and uploader/', 'outbox'),
  only('store/ imports only contract/, wire/ and server/, never uploader/ or outbox/', 'store'),
  {
    name: 'nothing under a folder imports an entry point',
    breaks: ({ from, to }) => placeOf(from).kind === 'folder' && placeOf(to).kind === 'entry',
  },
];

/** The edges that break `rule`, as `from:line → to` for a readable failure. */
export function violations(edges: readonly ImportEdge[], rule: LayoutRule): string[] {
  return edges.filter((edge) => rule.breaks(edge)).map((edge) => `${edge.from}:${edge.line} → ${edge.to}`);
}
