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

/** Imports from a file under one of `sources` into one of `targets` break the rule. */
function never(name: string, sources: readonly string[], targets: readonly string[]): LayoutRule {
  return {
    name,
    breaks: ({ from, to }) => {
      const source = folderOf(from);
      const target = folderOf(to);
      return source !== undefined && target !== undefined && source !== target && sources.includes(source) && targets.includes(target);
    },
  };
}

const others = (folder: Folder, ...allowed: Folder[]) => FOLDERS.filter((f) => f !== folder && !allowed.includes(f));

/** The rules of README.md's "What is where": each folder stands on the ones below it, and nothing points back up. */
export const LAYOUT_RULES: readonly LayoutRule[] = [
  never('contract/ imports none of the other folders', ['contract'], others('contract')),
  never('wire/ imports only contract/', ['wire'], others('wire', 'contract')),
  never('server/ and uploader/ never import each other', ['server', 'uploader'], ['server', 'uploader']),
  never('store/ never imports uploader/ or outbox/', ['store'], ['uploader', 'outbox']),
  never('outbox/ never imports server/ or store/', ['outbox'], ['server', 'store']),
  {
    name: 'nothing under a folder imports an entry point',
    breaks: ({ from, to }) => placeOf(from).kind === 'folder' && placeOf(to).kind === 'entry',
  },
];

/** The edges that break `rule`, as `from:line → to` for a readable failure. */
export function violations(edges: readonly ImportEdge[], rule: LayoutRule): string[] {
  return edges.filter((edge) => rule.breaks(edge)).map((edge) => `${edge.from}:${edge.line} → ${edge.to}`);
}
