/**
 * Generated parts inside hand-written Markdown. A part sits between
 *
 *     <!-- generated:NAME -->
 *     <!-- /generated -->
 *
 * each on a line of its own. Text outside the pairs belongs to the authors;
 * text inside belongs to the generator. Marker-looking lines inside fenced
 * code blocks are text, so a document can show how markers look.
 */
import type { Finding } from '../cli/findings.js';

const OPEN = /^<!-- generated:([a-z0-9-]+(?: v[1-9][0-9]*)?) -->$/;
const CLOSE = /^<!-- \/generated -->$/;
const MARKER_LIKE = /^\s*<!--\s*\/?\s*generated/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

export interface Part {
  readonly name: string;
  /** 1-based line numbers of the opening and closing markers. */
  readonly openLine: number;
  readonly closeLine: number;
}

export function openMarker(name: string): string {
  return `<!-- generated:${name} -->`;
}
export const CLOSE_MARKER = '<!-- /generated -->';

function finding(file: string, line: number | undefined, what: string, rule: string, fix: string): Finding {
  return { where: line === undefined ? file : `${file}:${line}`, what, rule, fix, severity: 'error' };
}

/** Finds the marker pairs of a document in order, and every malformed, unclosed or unmatched marker. */
export function findParts(text: string, file: string): { parts: Part[]; findings: Finding[] } {
  const lines = text.split('\n');
  const parts: Part[] = [];
  const findings: Finding[] = [];
  let open: { name: string; line: number } | undefined;
  let fence: string | undefined;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const number = index + 1;
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const opening = OPEN.exec(line);
    if (opening) {
      if (open) {
        findings.push(
          finding(file, open.line, `marker \`${open.name}\` is not closed before \`${opening[1]}\` opens at line ${number}`, 'marker-unclosed', `add \`${CLOSE_MARKER}\` after the generated part`),
        );
      }
      open = { name: opening[1]!, line: number };
      return;
    }
    if (CLOSE.test(line)) {
      if (open === undefined) {
        findings.push(finding(file, number, 'closing marker without an opening marker', 'marker-unmatched', 'remove the line, or add the opening marker above the part'));
      } else {
        parts.push({ name: open.name, openLine: open.line, closeLine: number });
        open = undefined;
      }
      return;
    }
    if (MARKER_LIKE.test(line)) {
      findings.push(
        finding(file, number, `malformed marker \`${line.trim()}\``, 'marker-malformed', `write markers exactly as \`${openMarker('NAME')}\` and \`${CLOSE_MARKER}\`, each on its own line`),
      );
    }
  });
  if (open) {
    findings.push(finding(file, open.line, `marker \`${open.name}\` is never closed`, 'marker-unclosed', `add \`${CLOSE_MARKER}\` after the generated part`));
  }
  return { parts, findings };
}

export interface SpliceResult {
  readonly text: string;
  /** Problems generate cannot mend (unclosed or malformed markers): nothing may be written. */
  readonly errors: readonly Finding[];
  /**
   * Problems generate mends, since what sits between markers is the generator's own:
   * a missing part is put back in its place, a duplicate or unknown pair is removed with its content.
   * The check reports them as errors all the same.
   */
  readonly repairs: readonly Finding[];
}

/** A part of one version (`fields v2`): a new version's parts are expected to be missing, and are placed without a finding. */
const PER_VERSION = / v[1-9][0-9]*$/;

function block(name: string, content: string): string[] {
  return [openMarker(name), '', content.replace(/\n+$/, ''), '', CLOSE_MARKER];
}

/**
 * Replaces the content of every marker pair with its generated part. The
 * order of `generated` is the document order: a part the document lacks goes
 * right before the next part that follows it in that order (after the last
 * one when none follows), with a blank line around it.
 */
export function spliceParts(text: string, file: string, generated: ReadonlyMap<string, string>): SpliceResult {
  const { parts, findings } = findParts(text, file);
  const errors = findings.filter((f) => f.rule !== 'marker-duplicate');
  if (errors.length > 0) return { text, errors, repairs: [] };

  const repairs: Finding[] = [];
  const order = [...generated.keys()];
  const present = new Set(parts.filter((part) => generated.has(part.name)).map((part) => part.name));
  const missing = order.filter((name) => !present.has(name));
  /** Missing parts that go right before an existing one, by the name of that one; the rest go at the end. */
  const before = new Map<string, string[]>();
  const atEnd: string[] = [];
  for (const name of missing) {
    const next = order.slice(order.indexOf(name) + 1).find((candidate) => present.has(candidate));
    if (next === undefined) atEnd.push(name);
    else before.set(next, [...(before.get(next) ?? []), name]);
    if (!PER_VERSION.test(name)) {
      repairs.push(finding(file, undefined, `has no marker pair for the generated part \`${name}\``, 'marker-missing', 'run `npm run generate` to put it back in its place'));
    }
  }

  const kept = new Set<string>();
  const lines = text.split('\n');
  const out: string[] = [];
  let cursor = 0;
  for (const part of parts) {
    out.push(...lines.slice(cursor, part.openLine - 1));
    cursor = part.closeLine;
    if (!generated.has(part.name)) {
      repairs.push(
        finding(file, part.openLine, `marker pair \`${part.name}\` names no generated part (a removed version or a typo)`, 'marker-unknown', 'run `npm run generate` to remove the pair, or rename it to one of: ' + order.join(', ')),
      );
      // Leave one blank line where the pair was, not three.
      while (out.length > 0 && out[out.length - 1] === '' && lines[cursor] === '') cursor++;
      continue;
    }
    if (kept.has(part.name)) {
      repairs.push(
        finding(file, part.openLine, `marker pair \`${part.name}\` appears twice`, 'marker-duplicate', 'run `npm run generate` to remove the later pair, or delete the one in the wrong place'),
      );
      while (out.length > 0 && out[out.length - 1] === '' && lines[cursor] === '') cursor++;
      continue;
    }
    for (const name of before.get(part.name) ?? []) out.push(...block(name, generated.get(name)!), '');
    kept.add(part.name);
    out.push(...block(part.name, generated.get(part.name)!));
  }
  out.push(...lines.slice(cursor));
  for (const name of atEnd) {
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    out.push('', ...block(name, generated.get(name)!), '');
  }
  return { text: out.join('\n'), errors: [], repairs };
}

/** The content of part `name` as the document holds it (without the blank lines around it), or undefined when it has none. */
export function readPart(text: string, file: string, name: string): string | undefined {
  const part = findParts(text, file).parts.find((p) => p.name === name);
  if (part === undefined) return undefined;
  const lines = text.split('\n').slice(part.openLine, part.closeLine - 1);
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
