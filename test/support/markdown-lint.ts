/** remark-lint with the recommended and consistent presets, as the docs tests hold every committed Markdown file to. */
import remarkGfm from 'remark-gfm';
import remarkLint from 'remark-lint';
import remarkParse from 'remark-parse';
import remarkPresetLintConsistent from 'remark-preset-lint-consistent';
import remarkPresetLintRecommended from 'remark-preset-lint-recommended';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';

/** Every lint message as `line:column reason (rule)`; empty when the document is clean. */
export async function markdownLintMessages(markdown: string): Promise<string[]> {
  const file = await unified().use(remarkParse).use(remarkGfm).use(remarkLint).use(remarkPresetLintRecommended).use(remarkPresetLintConsistent).use(remarkStringify).process(markdown);
  return file.messages.map((m) => `${m.line}:${m.column} ${m.reason} (${m.ruleId})`);
}

/** The text of an mdast node and everything under it, as a reader sees it (no Markdown syntax). */
export function plainText(node: unknown): string {
  if (typeof node !== 'object' || node === null) return '';
  if ('value' in node && typeof node.value === 'string') return node.value;
  return 'children' in node && Array.isArray(node.children) ? node.children.map(plainText).join('') : '';
}
