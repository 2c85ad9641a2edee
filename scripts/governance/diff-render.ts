/** The semantic diff in each output format: text for people, Markdown for pull requests, JSON, GitHub annotations. */
import type { RootContent } from 'mdast';
import { basisWords } from '../docs/audit-doc.js';
import { type Cell, code, heading, list, paragraph, stringify, table, text } from '../docs/mdast.js';
import { DATA_CATEGORIES } from '../../schema/privacy.js';
import type { Colors, Format } from '../cli/command.js';
import { CHANGE_CLASSES, type Change, type ChangeClass } from './semantic-diff.js';

const TITLES: Readonly<Record<ChangeClass, string>> = {
  'wire-breaking': 'Wire-breaking changes',
  'wire-additive': 'Wire-additive changes',
  'privacy-relevant': 'Privacy-relevant changes',
  'docs-only': 'Documentation-only changes',
};

export const ADDITIVE_NOTE =
  'Additive changes still break a strict receiver of a released version, since unknown fields are refused: once a version is released, make them in a new version.';

function where(change: Change): string {
  return change.version === undefined ? change.subject : `v${change.version} ${change.subject}${change.amendment ? ' (amendment of a released version)' : ''}`;
}

function summary(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no contract changes';
  return CHANGE_CLASSES.map((c) => [c, changes.filter((x) => x.class === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
}

function markdown(changes: readonly Change[], base: string): string {
  const nodes: RootContent[] = [heading(2, `Telemetry contract changes since ${base}`), paragraph(summary(changes) + '.')];
  const of = (c: ChangeClass) => changes.filter((x) => x.class === c);
  const version = (change: Change): Cell => (change.version === undefined ? '' : `v${change.version}${change.amendment ? ' (amendment)' : ''}`);
  if (of('privacy-relevant').length > 0) {
    nodes.push(
      heading(3, TITLES['privacy-relevant']),
      table(
        ['Version', 'Field', 'Change', 'Why we collect it', 'Legal basis', 'Category'],
        of('privacy-relevant').map((c) => [
          version(c),
          [code(c.subject)],
          c.what,
          c.privacy?.purpose ?? '',
          c.privacy ? basisWords(c.privacy.legalBasis, c.privacy.basisNote) : '',
          c.privacy ? DATA_CATEGORIES[c.privacy.category].title : '',
        ]),
      ),
    );
  }
  for (const c of ['wire-breaking', 'wire-additive'] as const) {
    if (of(c).length === 0) continue;
    nodes.push(heading(3, TITLES[c]), table(['Version', 'Field', 'Change'], of(c).map((x) => [version(x), [code(x.subject)], x.what])));
    if (c === 'wire-additive') nodes.push(paragraph(ADDITIVE_NOTE));
  }
  if (of('docs-only').length > 0) {
    nodes.push(heading(3, TITLES['docs-only']), list(of('docs-only').map((x) => [code(where(x)), text(`: ${x.what}`)])));
  }
  return stringify(nodes);
}

function githubEscape(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function renderDiff(changes: readonly Change[], base: string, format: Format, colors: Colors): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ base, summary: Object.fromEntries(CHANGE_CLASSES.map((c) => [c, changes.filter((x) => x.class === c).length])), changes }, null, 2)}\n`;
    case 'markdown':
      return markdown(changes, base);
    case 'github':
      return changes
        .map((c) => {
          const level = c.class === 'wire-breaking' || c.class === 'privacy-relevant' ? 'warning' : 'notice';
          return `::${level} title=${c.class}::${githubEscape(`${where(c)}: ${c.what}`)}\n`;
        })
        .join('');
    case 'text': {
      const lines = [`diff against ${base}: ${summary(changes)}`];
      for (const c of CHANGE_CLASSES) {
        const group = changes.filter((x) => x.class === c);
        if (group.length === 0) continue;
        const paint = c === 'wire-breaking' ? colors.red : c === 'privacy-relevant' ? colors.yellow : (t: string) => t;
        lines.push(paint(c), ...group.map((x) => `  ${where(x)}: ${x.what}`));
      }
      if (changes.some((x) => x.class === 'wire-additive')) lines.push(colors.dim(`note: ${ADDITIVE_NOTE}`));
      return `${lines.join('\n')}\n`;
    }
  }
}
