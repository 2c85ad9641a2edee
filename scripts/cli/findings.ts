/** A problem found in a contract or in the repository, in the house error shape. */
export interface Finding {
  /** Where: a field path (`featuresUsed[]`), a file, or a file and marker. */
  readonly where: string;
  /** What is wrong, in words. */
  readonly what: string;
  /** The id of the rule that was broken. */
  readonly rule: string;
  /** How to fix it, when known. */
  readonly fix?: string;
  readonly severity: 'error' | 'warning';
  /** Longer evidence printed after the finding, such as a unified diff. */
  readonly detail?: string;
}

/** `<where>: <what is wrong> (<rule>)`, then the fix on its own line when there is one. */
export function formatFinding(finding: Finding): string {
  const line = `${finding.where}: ${finding.what} (${finding.rule})`;
  return finding.fix === undefined ? line : `${line}\n  fix: ${finding.fix}`;
}

/** Thrown when generation cannot go on; carries every finding, not just the first. */
export class FindingsError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super(findings.map(formatFinding).join('\n'));
    this.name = 'FindingsError';
  }
}
