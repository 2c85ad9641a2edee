import { describe, expect, it } from 'vitest';
import { CLOSE_MARKER, findParts, openMarker, spliceParts } from '../scripts/docs/markers.js';

const parts = new Map([
  ['a', '| x |\n| - |\n| 1 |\n'],
  ['b v1', '- item\n'],
]);
const doc = (...lines: string[]) => `${lines.join('\n')}\n`;
const rules = (findings: readonly { rule: string }[]) => findings.map((f) => f.rule);

describe('markers', () => {
  const pristine = doc('# Title', '', 'Prose before.', '', openMarker('a'), 'old', CLOSE_MARKER, '', 'Between.', '', openMarker('b v1'), CLOSE_MARKER, '', 'After.');

  it('replaces what is inside each pair and leaves the prose alone', () => {
    const { text, errors, repairs } = spliceParts(pristine, 'doc.md', parts);
    expect([errors, repairs]).toEqual([[], []]);
    expect(text).toBe(doc('# Title', '', 'Prose before.', '', openMarker('a'), '', '| x |', '| - |', '| 1 |', '', CLOSE_MARKER, '', 'Between.', '', openMarker('b v1'), '', '- item', '', CLOSE_MARKER, '', 'After.'));
  });

  it('is idempotent', () => {
    const once = spliceParts(pristine, 'doc.md', parts).text;
    expect(spliceParts(once, 'doc.md', parts).text).toBe(once);
  });

  it('ignores marker-looking lines inside fenced code', () => {
    const text = doc('```md', openMarker('a'), '```', ...pristine.trimEnd().split('\n'));
    expect(findParts(text, 'doc.md').parts.map((p) => p.name)).toEqual(['a', 'b v1']);
  });

  it('refuses an unclosed marker, naming the file, line and part', () => {
    const { errors } = spliceParts(doc(openMarker('a'), 'x', openMarker('b v1'), CLOSE_MARKER), 'doc.md', parts);
    expect(errors).toEqual([expect.objectContaining({ where: 'doc.md:1', rule: 'marker-unclosed' })]);
    expect(errors[0]!.what).toContain('`a`');
  });

  it('refuses a closing marker without an opening one', () => {
    expect(rules(spliceParts(doc('text', CLOSE_MARKER), 'doc.md', parts).errors)).toEqual(['marker-unmatched']);
  });

  it('refuses a malformed marker instead of treating it as prose', () => {
    const { errors } = spliceParts(doc('<!-- generated: a -->', CLOSE_MARKER), 'doc.md', parts);
    expect(rules(errors)).toEqual(['marker-malformed', 'marker-unmatched']);
  });

  it('puts a missing part back before the part that follows it in document order, and reports it', () => {
    const text = doc('# Title', '', 'Between.', '', openMarker('b v1'), CLOSE_MARKER, '', 'After.');
    const result = spliceParts(text, 'doc.md', parts);
    expect(result.repairs).toEqual([expect.objectContaining({ where: 'doc.md', rule: 'marker-missing' })]);
    expect(result.repairs[0]!.what).toContain('`a`');
    expect(result.text).toBe(doc('# Title', '', 'Between.', '', openMarker('a'), '', '| x |', '| - |', '| 1 |', '', CLOSE_MARKER, '', openMarker('b v1'), '', '- item', '', CLOSE_MARKER, '', 'After.'));
  });

  it('appends a missing part that no other part follows at the end', () => {
    const text = doc('# Title', '', openMarker('a'), CLOSE_MARKER);
    const result = spliceParts(text, 'doc.md', new Map([...parts, ['c', 'last\n']]));
    expect(result.text.endsWith(doc(openMarker('c'), '', 'last', '', CLOSE_MARKER))).toBe(true);
  });

  it('places the parts of a new version by document order, silently: a new version is expected to add parts', () => {
    const versions = new Map([['versions', 'table\n'], ['status v2', '## v2\n'], ['fields v2', 'v2 fields\n'], ['status v1', '## v1\n'], ['fields v1', 'v1 fields\n'], ['art30', 'record\n']]);
    const text = doc(openMarker('versions'), CLOSE_MARKER, '', 'Prose.', '', openMarker('status v1'), CLOSE_MARKER, '', openMarker('fields v1'), CLOSE_MARKER, '', openMarker('art30'), CLOSE_MARKER);
    const result = spliceParts(text, 'doc.md', versions);
    expect(result.repairs).toEqual([]);
    expect(findParts(result.text, 'doc.md').parts.map((p) => p.name)).toEqual(['versions', 'status v2', 'fields v2', 'status v1', 'fields v1', 'art30']);
    expect(result.text).toContain(doc('Prose.', '', openMarker('status v2'), '', '## v2', '', CLOSE_MARKER, '', openMarker('fields v2'), '', 'v2 fields', '', CLOSE_MARKER, '', openMarker('status v1')));
    expect(spliceParts(result.text, 'doc.md', versions).text).toBe(result.text);
  });

  it('removes the later of two pairs with the same name and reports it', () => {
    const text = doc(openMarker('a'), CLOSE_MARKER, 'keep me', openMarker('a'), 'dup', CLOSE_MARKER, openMarker('b v1'), CLOSE_MARKER);
    const result = spliceParts(text, 'doc.md', parts);
    expect(result.repairs).toEqual([expect.objectContaining({ where: 'doc.md:4', rule: 'marker-duplicate' })]);
    expect(result.text.match(/generated:a /g)).toHaveLength(1);
    expect(result.text).toContain('keep me');
    expect(result.text).not.toContain('dup');
  });

  it('removes a pair that names no generated part and reports it', () => {
    const text = doc(openMarker('a'), CLOSE_MARKER, openMarker('b v1'), CLOSE_MARKER, openMarker('b v7'), 'old', CLOSE_MARKER, 'tail');
    const result = spliceParts(text, 'doc.md', parts);
    expect(rules(result.repairs)).toEqual(['marker-unknown']);
    expect(result.text).not.toContain('b v7');
    expect(result.text.endsWith('tail\n')).toBe(true);
  });
});
