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
