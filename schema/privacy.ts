/**
 * The privacy vocabulary every wire field is described with. Closed sets, so a
 * typo in a contract is a compile error rather than a new "legal basis".
 */

/** GDPR Art. 6(1) lawful bases, keyed by the id used in the contract, valued by the article letter. */
export const LEGAL_BASES = {
  consent: { letter: 'a', title: 'Consent' },
  contract: { letter: 'b', title: 'Performance of a contract' },
  'legal-obligation': { letter: 'c', title: 'Legal obligation' },
  'vital-interests': { letter: 'd', title: 'Vital interests' },
  'public-task': { letter: 'e', title: 'Public task' },
  'legitimate-interests': { letter: 'f', title: 'Legitimate interests' },
} as const;

export type LegalBasis = keyof typeof LEGAL_BASES;

/**
 * What kind of data a field holds. `personalData` says whether values of the
 * category can relate to an identifiable natural person; the privacy lint
 * and the audit document both read it.
 */
export const DATA_CATEGORIES = {
  'protocol-metadata': {
    title: 'Protocol metadata',
    meaning: 'Values that make the exchange work (versions, message ids, signatures); they describe the message, not the deployment.',
    personalData: false,
  },
  'reporting-period': {
    title: 'Reporting period',
    meaning: 'The bounds of the aggregation window a report covers.',
    personalData: false,
  },
  'usage-aggregate': {
    title: 'Aggregate usage count',
    meaning: 'A count over the whole deployment for the window; no value can be traced to one user.',
    personalData: false,
  },
  'license-posture': {
    title: 'License posture',
    meaning: 'How the deployment stands against its license: seat limits and licensed feature names.',
    personalData: false,
  },
  'software-environment': {
    title: 'Software environment',
    meaning: 'Which build and runtime the deployment runs.',
    personalData: false,
  },
  'customer-identity': {
    title: 'Customer identity',
    meaning: 'Which customer (a legal entity under contract) sent the report. A sole trader\'s name can be personal data, hence the mask option.',
    personalData: true,
  },
} as const;

export type DataCategory = keyof typeof DATA_CATEGORIES;

/**
 * Lint rules a field may be exempted from, each exemption with a written
 * justification that the audit document shows. A field can never be exempted
 * from having a complete privacy record, a proportionality note or a review date.
 */
export const EXEMPTABLE_RULES = ['personal-data-name', 'personal-default', 'closed-object', 'bounded-string', 'bounded-array', 'bounded-number', 'no-any'] as const;
export type ExemptableRule = (typeof EXEMPTABLE_RULES)[number];

/** A field's exemption from one lint rule, justified in writing for the reviewers. */
export interface LintException {
  readonly rule: ExemptableRule;
  /** Why the rule does not apply here, in a sentence or two: the audit document shows it. */
  readonly justification: string;
}

interface RecordBase {
  /** Why the value is collected, in a sentence or two a reviewer can judge. Also becomes the JSON Schema `description`. */
  readonly purpose: string;
  /** A few words that narrow the basis down, e.g. "capacity planning" or "billing compliance". */
  readonly basisNote: string;
  readonly category: DataCategory;
  /**
   * How long the SaaS keeps the value after it arrives: an ISO 8601 duration
   * (`P0D` for "checked on arrival, never stored", `P400D`, `P13M`, `P2Y`), or
   * `contract-end+P30D` for "until the contract ends, then 30 days".
   */
  readonly retention: Retention;
  /** The team or address accountable for the field: who answers a reviewer's question about it. */
  readonly owner: string;
  /** The day (YYYY-MM-DD) by which the field must be reviewed again; at most two years ahead. */
  readonly reviewBy: `${number}-${number}-${number}`;
  /** Exemptions from lint rules, each with its justification. */
  readonly exceptions?: readonly LintException[];
  /**
   * What values the field can hold, in words a reviewer can check, and what makes it so. Every string
   * (and list of strings) states it; the privacy lint measures how much a string can carry from its
   * pattern and length, and refuses one that can carry free text unless `keptBy` names what bounds it
   * beyond the schema.
   */
  readonly values?: ValueBound;
}

/**
 * What keeps a promise, by kind: a JSON Schema keyword of the field (`schema:pattern`), a cross-field
 * rule of the contract (`rule:period-order`), a privacy lint rule (`lint:free-text`), a rule id the
 * runtime answers with (`runtime:message-id-mismatch`), someone else's duty in words
 * (`duty:operator: …`), or work not yet on this branch (`pending:issue 29 part A: …`), which
 * `npm run check` reports until it is replaced by what keeps the promise.
 */
export type Keeper = `${'schema' | 'rule' | 'lint' | 'runtime' | 'duty' | 'pending'}:${string}`;

/** The kinds of {@link Keeper}, in the order the audit document lists them. */
export const KEEPER_KINDS = ['schema', 'rule', 'lint', 'runtime', 'duty', 'pending'] as const;
export type KeeperKind = (typeof KEEPER_KINDS)[number];

/** What values a field can hold, and what keeps it to them. */
export interface ValueBound {
  /** The possible values in words: "a UTC midnight", "one of the license's declared features". */
  readonly are: string;
  /** What keeps the field to those values, at least one. */
  readonly keptBy: readonly Keeper[];
}

/**
 * The privacy record that every field and header of the contract carries.
 * A record based on legitimate interests must say why the interest outweighs
 * the data subjects' (the balancing test of Art. 6(1)(f)).
 */
export type PrivacyRecord =
  | (RecordBase & { readonly legalBasis: Exclude<LegalBasis, 'legitimate-interests'>; readonly proportionality?: string })
  | (RecordBase & {
      readonly legalBasis: 'legitimate-interests';
      /** Why the interest outweighs the data subjects' interests, in one or two sentences. */
      readonly proportionality: string;
    });

/** A retention period; see {@link PrivacyRecord.retention}. */
export type Retention = `P${number}${'D' | 'M' | 'Y'}` | `contract-end+P${number}${'D' | 'M' | 'Y'}`;

/** The grammar of {@link Retention}, for checks at the JSON level. */
export const RETENTION_PATTERN = /^(contract-end\+)?P([0-9]{1,4})([DMY])$/;

/** A retention period in words: "400 days", "not stored", "until the contract ends, then 30 days". */
export function retentionWords(retention: string): string {
  const match = RETENTION_PATTERN.exec(retention);
  if (match === null) return retention;
  const count = Number(match[2]);
  const unit = { D: 'day', M: 'month', Y: 'year' }[match[3] as 'D' | 'M' | 'Y'];
  const span = `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (match[1] !== undefined) return count === 0 ? 'until the contract ends' : `until the contract ends, then ${span}`;
  return count === 0 ? 'not stored (checked on arrival)' : span;
}

/** The JSON Schema keyword the privacy record is emitted under. */
export const PRIVACY_KEYWORD = 'x-privacy';

/**
 * Schema options that attach a privacy record to a TypeBox type: the record
 * under `x-privacy`, and its purpose as `description` so JSON Schema readers
 * and generated doc comments show it.
 *
 * @example
 * Type.Boolean(privacy({ purpose: 'Whether …', legalBasis: 'contract', basisNote: 'billing', category: 'license-posture' }))
 */
export function privacy(record: PrivacyRecord): { description: string; [PRIVACY_KEYWORD]: PrivacyRecord } {
  return { description: record.purpose, [PRIVACY_KEYWORD]: record };
}

/** Something the contract deliberately does not collect, and why. */
export interface NotCollected {
  /** Short name of the kind of data, e.g. "User identifiers". */
  readonly what: string;
  /** Concrete examples, used by the privacy lint to refuse fields that would collect them. */
  readonly examples: readonly string[];
  readonly reason: string;
}
