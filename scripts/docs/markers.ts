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
   * a missing part is appended at the end, a duplicate or unknown pair is removed with its content.
   * The check reports them as errors all the same.
   */
  readonly repairs: readonly Finding[];
}

/** Replaces the content of every marker pair with its generated part. */
export function spliceParts(text: string, file: string, generated: ReadonlyMap<string, string>): SpliceResult {
  const { parts, findings } = findParts(text, file);
  const errors = findings.filter((f) => f.rule !== 'marker-duplicate');
  if (errors.length > 0) return { text, errors, repairs: [] };

  const repairs: Finding[] = [];
  const kept = new Set<string>();
  const lines = text.split('\n');
  const out: string[] = [];
  let cursor = 0;
  for (const part of parts) {
    out.push(...lines.slice(cursor, part.openLine - 1));
    cursor = part.closeLine;
    if (!generated.has(part.name)) {
      repairs.push(
        finding(file, part.openLine, `marker pair \`${part.name}\` names no generated part (a removed version or a typo)`, 'marker-unknown', 'run `npm run generate` to remove the pair, or rename it to one of: ' + [...generated.keys()].join(', ')),
      );
      continue;
    }
    if (kept.has(part.name)) {
      repairs.push(
        finding(file, part.openLine, `marker pair \`${part.name}\` appears twice`, 'marker-duplicate', 'run `npm run generate` to remove the later pair, or delete the one in the wrong place'),
      );
      continue;
    }
    kept.add(part.name);
    out.push(openMarker(part.name), '', generated.get(part.name)!.replace(/\n+$/, ''), '', CLOSE_MARKER);
  }
  out.push(...lines.slice(cursor));
  for (const [name, content] of generated) {
    if (kept.has(name)) continue;
    repairs.push(
      finding(file, undefined, `has no marker pair for the generated part \`${name}\``, 'marker-missing', 'run `npm run generate` to append it at the end of the file, then move it where it belongs'),
    );
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    out.push('', openMarker(name), '', content.replace(/\n+$/, ''), '', CLOSE_MARKER, '');
  }
  return { text: out.join('\n'), errors: [], repairs };
}
