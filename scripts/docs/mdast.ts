/**
 * Small builders for mdast trees and the one stringifier every generated
 * Markdown part goes through. Text is always a text node, never spliced
 * Markdown, so a `|`, a backtick or `<script>` in a purpose stays text.
 */
import type { BlockContent, Code, Heading, List, Paragraph, PhrasingContent, Root, RootContent, Table, TableRow } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';

export type Phrasing = PhrasingContent;
export type Cell = string | readonly Phrasing[];

export const text = (value: string): Phrasing => ({ type: 'text', value });
export const code = (value: string): Phrasing => ({ type: 'inlineCode', value });
export const strong = (value: string): Phrasing => ({ type: 'strong', children: [text(value)] });

function phrasing(cell: Cell | Phrasing): Phrasing[] {
  if (typeof cell === 'string') return [text(cell)];
  return Array.isArray(cell) ? [...(cell as readonly Phrasing[])] : [cell as Phrasing];
}

export function paragraph(...children: (Cell | Phrasing)[]): Paragraph {
  return { type: 'paragraph', children: children.flatMap(phrasing) };
}

export function heading(depth: 1 | 2 | 3 | 4 | 5 | 6, value: string): Heading {
  return { type: 'heading', depth, children: [text(value)] };
}

export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): Table {
  const row = (cells: readonly Cell[]): TableRow => ({
    type: 'tableRow',
    children: cells.map((cell) => ({ type: 'tableCell', children: phrasing(cell) })),
  });
  return { type: 'table', align: header.map(() => null), children: [row(header), ...rows.map(row)] };
}

export function list(items: readonly (Cell | BlockContent)[]): List {
  return {
    type: 'list',
    ordered: false,
    spread: false,
    children: items.map((item) => ({
      type: 'listItem',
      spread: false,
      children: [typeof item === 'string' || Array.isArray(item) ? paragraph(item as Cell) : (item as BlockContent)],
    })),
  };
}

export function codeBlock(lang: string, value: string): Code {
  return { type: 'code', lang, value };
}

const processor = unified()
  .use(remarkGfm, { tablePipeAlign: false })
  .use(remarkStringify, { bullet: '-', emphasis: '_', strong: '*', fence: '`', fences: true, rule: '-', listItemIndent: 'one', incrementListMarker: true });

/** Markdown text of some block nodes, ending in one newline. */
export function stringify(nodes: readonly RootContent[]): string {
  const root: Root = { type: 'root', children: [...nodes] };
  return processor.stringify(root);
}
