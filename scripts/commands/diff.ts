/** `npm run diff -- <base>`: what changed in the contract since a git ref or another checkout, classified. */
import { type Command, EXIT_OK, UsageError } from '../cli/command.js';
import { loadBaseState, loadState } from '../contract/contract-state.js';
import { renderDiff } from '../governance/diff-render.js';
import { diffContracts } from '../governance/semantic-diff.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare the contract with a git ref or a directory, field by field, and classify every change',
  usage: 'npm run diff -- <base-ref|dir> [--format text|markdown|json|github]',
  options: {},
  formats: ['text', 'markdown', 'json', 'github'],
  details: [
    'Classes: wire-breaking (a payload valid before can be refused), wire-additive (everything valid',
    'before stays valid, yet a strict receiver still refuses new fields), privacy-relevant (new data; a',
    'purpose, legal basis, note, proportionality, category, retention, owner, review date or exception',
    'changed; a "not collected" entry removed; the record of processing changed), docs-only (prose',
    'outside the generated parts). A privacy-relevant change to a released version is marked as an',
    'amendment: it moves nothing on the wire. A new version is compared with the approved content of',
    'the one before it, in the same classes: there they say what moving to it asks of an uploader (a new',
    'required field is wire-breaking), not that any installation breaks. A note after the changes says',
    'what they mean for each kind of version (new, draft, released). The diff reports; `npm run check --',
    '--base <ref>` enforces. --format markdown is meant for a pull-request comment to privacy reviewers.',
  ],
  async run({ positionals, root, io, colors, format }) {
    const [base, ...extra] = positionals;
    if (base === undefined || extra.length > 0) throw new UsageError('give exactly one base: a git ref (origin/main, HEAD~1) or a directory');
    const changes = diffContracts(await loadBaseState(root, base), await loadState(root));
    io.out(renderDiff(changes, base, format, colors));
    return EXIT_OK;
  },
};
