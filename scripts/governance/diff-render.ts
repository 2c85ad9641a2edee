/** The semantic diff in each output format: text for people, Markdown for pull requests, JSON, GitHub annotations. */
import type { RootContent } from 'mdast';
import { basisWords } from '../docs/audit-doc.js';
import { type Cell, code, heading, list, paragraph, stringify, table, text } from '../docs/mdast.js';
import { DATA_CATEGORIES } from '../../schema/privacy.js';
import type { Colors, Format } from '../cli/command.js';
import { CHANGE_CLASSES, type Change, type ChangeClass, type VersionStage } from './semantic-diff.js';

const TITLES: Readonly<Record<ChangeClass, string>> = {
  'wire-breaking': 'Wire-breaking changes',
  'wire-additive': 'Wire-additive changes',
  'privacy-relevant': 'Privacy-relevant changes',
  'docs-only': 'Documentation-only changes',
};

/** What the wire changes of one kind of version mean, and what to do about them: the advice fits the version's stage. */
const STAGE_NOTES: Readonly<Record<VersionStage, (versions: string) => string>> = {
  'new version': (v) =>
    `${v} is a new version: none of its changes breaks an installation, since each one keeps sending the version its code names and servers accept several side by side. The classes say what moving to it asks of an uploader: after a wire-breaking change (a new required field, say) a report of the version before is not one of ${v}, and the uploader's fallback by projection cannot make it one.`,
  draft: (v) =>
    `${v} is a draft: it changes in place until it is released, and a server or uploader built from an earlier draft may refuse what the new one sends. Once it is released, wire changes go into a new version.`,
  released: (v) =>
    `${v} is released, so what it validates is frozen: \`npm run check\` fails on these changes (released-changed). Undo them, and make them in a new version (\`npm run draft -- <next version>\`).`,
};

/** The notes for the stages whose versions have wire changes, each naming its versions. */
export function stageNotes(changes: readonly Change[]): string[] {
  const byStage = new Map<VersionStage, Set<number>>();
  for (const change of changes) {
    if (change.stage === undefined || change.version === undefined || (change.class !== 'wire-breaking' && change.class !== 'wire-additive')) continue;
    byStage.set(change.stage, (byStage.get(change.stage) ?? new Set()).add(change.version));
  }
  return (['new version', 'draft', 'released'] as const)
    .filter((stage) => byStage.has(stage))
    .map((stage) => STAGE_NOTES[stage]([...byStage.get(stage)!].sort((a, b) => a - b).map((v) => `v${v}`).join(', ')));
}

/** `v2 activeSeats`, or `v2` alone for a change to the version as a whole (never `v2 v2`). */
function where(change: Change): string {
  if (change.version === undefined) return change.subject;
  const subject = change.subject === `v${change.version}` ? '' : ` ${change.subject}`;
  return `v${change.version}${subject}${change.amendment ? ' (amendment of a released version)' : ''}`;
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
  }
  for (const note of stageNotes(changes)) nodes.push(paragraph(note));
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
      for (const note of stageNotes(changes)) lines.push(colors.dim(`note: ${note}`));
      return `${lines.join('\n')}\n`;
    }
  }
}
