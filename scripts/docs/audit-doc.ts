/**
 * The generated parts of the privacy audit document (docs/telemetry.md).
 * Each part is a pure function from the contracts to an mdast tree; the
 * document's prose around them is hand-written. Parts read the generated
 * JSON Schema, so the document describes exactly what goes on the wire.
 */
import type { RootContent } from 'mdast';
import { DATA_CATEGORIES, type DataCategory, LEGAL_BASES, type LegalBasis, PRIVACY_KEYWORD, type PrivacyRecord, retentionWords } from '../../schema/privacy.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import type { Contract } from '../../schema/contract.js';
import { type Field, type JsonSchema, isSchemaObject, listContractFields } from '../contract/fields.js';
import { contentHash } from '../contract/canonical.js';
import { privacyHash } from '../governance/privacy-content.js';
import { type ReviewRecord, latestReview } from '../governance/reviews.js';
import { describeType } from './describe-type.js';
import { type Cell, code, codeBlock, list, paragraph, stringify, strong, table, text } from './mdast.js';

export const AUDIT_DOC = 'docs/telemetry.md';

export interface VersionInput {
  readonly contract: Contract;
  /** The contract's generated JSON Schema document. */
  readonly schema: JsonSchema;
}

export interface AuditInput {
  readonly versions: readonly VersionInput[];
  readonly currentVersion: number;
  readonly processingRecord: ProcessingRecord;
  /** Released versions and their content hashes. */
  readonly released: ReadonlyMap<number, string>;
  /** Recorded privacy reviews. */
  readonly reviews: readonly ReviewRecord[];
}

function recordOf(field: Field): PrivacyRecord | undefined {
  const record = field.schema[PRIVACY_KEYWORD];
  return isSchemaObject(record) ? (record as unknown as PrivacyRecord) : undefined;
}

/** "Art. 6(1)(f) legitimate interests: capacity planning" */
export function basisWords(basis: LegalBasis, note?: string): string {
  const { letter, title } = LEGAL_BASES[basis];
  return `Art. 6(1)(${letter}) ${title.toLowerCase()}${note ? `: ${note}` : ''}`;
}

/** JSON Pointer of the value a dotted field path names, or undefined inside arrays. */
function instancePointer(path: string): string | undefined {
  return path.includes('[]') ? undefined : `/${path.split('.').join('/')}`;
}

function sortedPointers(rules: readonly CrossFieldRule[]): Set<string> {
  return new Set(rules.flatMap((rule) => (rule.kind === 'sorted-by-code-point' ? [rule.path] : [])));
}

/** One table row per field: path, type in words, required, purpose, legal basis, category. */
function fieldRows(fields: readonly Field[], rules: readonly CrossFieldRule[]): Cell[][] {
  const sorted = sortedPointers(rules);
  return fields
    // Items of a list of plain values are described by the list's own row.
    .filter((field) => !field.isItems || field.schema['type'] === 'object')
    .map((field) => {
      const record = recordOf(field);
      const pointer = instancePointer(field.path);
      return [
        [code(field.path)],
        describeType(field.schema, { sorted: pointer !== undefined && sorted.has(pointer) }),
        field.isItems ? '(each item)' : field.required ? 'yes' : 'no',
        record?.purpose ?? (field.isItems ? 'An item of the list above.' : ''),
        record ? basisWords(record.legalBasis, record.basisNote) : '',
        record ? DATA_CATEGORIES[record.category].title : '',
        record ? retentionWords(record.retention) : '',
      ];
    });
}

const FIELD_HEADER = ['Field', 'Type', 'Required', 'Why we collect it', 'Legal basis', 'Category', 'Retention'];

export function fieldsPart({ contract, schema }: VersionInput): RootContent[] {
  const fields = listContractFields(schema).filter((f) => f.header !== true);
  return [table(FIELD_HEADER, fieldRows(fields, contract.rules))];
}

export function headersPart({ contract, schema }: VersionInput): RootContent[] {
  const fields = listContractFields(schema).filter((f) => f.header === true);
  if (fields.length === 0) return [paragraph('This version sends no headers of its own.')];
  return [table(['Header', ...FIELD_HEADER.slice(1)], fieldRows(fields, contract.rules))];
}

function ruleFields(rule: CrossFieldRule): Cell {
  const pointers = rule.kind === 'instant-before' ? [rule.earlier, rule.later] : [rule.path];
  return pointers.flatMap((pointer, i) => [...(i > 0 ? [text(', ')] : []), code(pointer.slice(1).split('/').join('.'))]);
}

export function rulesPart({ contract }: VersionInput): RootContent[] {
  if (contract.rules.length === 0) return [paragraph('This version has no rules across fields.')];
  return [table(['Rule id', 'Fields', 'Meaning'], contract.rules.map((rule) => [[code(rule.id)], ruleFields(rule), rule.meaning]))];
}

/** The balancing test of every field based on legitimate interests. */
export function balancingPart({ schema }: VersionInput): RootContent[] {
  const rows = listContractFields(schema).flatMap((field) => {
    const record = recordOf(field);
    return record?.legalBasis === 'legitimate-interests' && !field.isItems ? [[[code(field.header ? `header ${field.path}` : field.path)], record.basisNote, record.proportionality ?? ''] as Cell[]] : [];
  });
  if (rows.length === 0) return [paragraph('No field of this version relies on legitimate interests.')];
  return [table(['Field', 'Interest', 'Why it outweighs the data subjects\' interests'], rows)];
}

/** Every lint exception the contract declares, with its justification: reviewers see each one. */
export function exceptionsPart({ schema }: VersionInput): RootContent[] {
  const rows = listContractFields(schema).flatMap((field) =>
    (recordOf(field)?.exceptions ?? []).map((e) => [[code(field.header ? `header ${field.path}` : field.path)], [code(e.rule)], e.justification] as Cell[]),
  );
  if (rows.length === 0) return [paragraph('None: every field passes every rule of the privacy lint.')];
  return [table(['Field', 'Rule not applied', 'Justification'], rows)];
}

export function notCollectedPart({ contract }: VersionInput): RootContent[] {
  return [
    list(
      contract.notCollected.map((entry) => [
        strong(entry.what),
        text(`: ${entry.reason} `),
        text(`(For example: ${entry.examples.join(', ')}.)`),
      ]),
    ),
  ];
}

/** Which fields, over all versions, use each value of a record key ("category", "legalBasis"). */
function usage<K extends 'category' | 'legalBasis' | 'retention'>(versions: readonly VersionInput[], key: K): Map<PrivacyRecord[K], string[]> {
  const byValue = new Map<PrivacyRecord[K], string[]>();
  for (const { contract, schema } of versions) {
    for (const field of listContractFields(schema)) {
      const record = recordOf(field);
      if (!record) continue;
      const name = `v${contract.version} ${field.header ? `header ${field.path}` : field.path}`;
      byValue.set(record[key], [...(byValue.get(record[key]) ?? []), name]);
    }
  }
  return byValue;
}

function names(fields: readonly string[]): Cell {
  return fields.flatMap((name, i) => [...(i > 0 ? [text(', ')] : []), code(name)]);
}

export function art30Part({ versions, processingRecord: record }: AuditInput): RootContent[] {
  const categories = usage(versions, 'category');
  const bases = usage(versions, 'legalBasis');
  return [
    paragraph(strong('(a) Controller.'), text(` ${record.controller.name} Contact: ${record.controller.contact} Data protection: ${record.controller.dataProtectionContact}`)),
    paragraph(strong('(b) Purposes of the processing.')),
    list(record.purposes),
    paragraph(strong('Legal bases in use'), text(' (from the fields\' privacy records):')),
    table(
      ['Legal basis', 'Fields and headers'],
      [...bases.entries()].map(([basis, fields]) => [basisWords(basis as LegalBasis), names(fields)]),
    ),
    paragraph(strong('(c) Categories of data subjects.')),
    list(record.dataSubjects),
    paragraph(strong('(c) Categories of data'), text(' (from the fields\' privacy records):')),
    table(
      ['Category', 'Meaning', 'Personal data', 'Fields and headers'],
      [...categories.entries()].map(([category, fields]) => {
        const entry = DATA_CATEGORIES[category as DataCategory];
        return [entry.title, entry.meaning, entry.personalData ? 'can be' : 'no', names(fields)];
      }),
    ),
    paragraph(strong('(d) Recipients.')),
    list(record.recipients),
    paragraph(strong('(e) Transfers to third countries.'), text(` ${record.thirdCountryTransfers}`)),
    paragraph(strong('(f) Retention.'), text(` ${record.retention.summary} Per field and header:`)),
    table(
      ['Kept', 'Fields and headers'],
      [...usage(versions, 'retention').entries()].map(([retention, fields]) => [retentionWords(retention as string), names(fields)]),
    ),
    paragraph(strong('(g) Technical and organisational security measures.')),
    list(record.securityMeasures),
  ];
}

export function dataFlowPart({ currentVersion, processingRecord }: AuditInput): RootContent[] {
  const diagram = [
    'flowchart LR',
    '  db[("On-prem database")] --> agg["Aggregation: counts for one window"]',
    `  agg --> validate["Validation against schema v${currentVersion}"]`,
    '  validate --> mask["Customer mask (optional)"]',
    '  mask --> sign["Signing: HMAC-SHA-256"]',
    '  sign --> tls["TLS 1.2+"]',
    '  tls --> ingest["SaaS ingest: size, signature, version, schema, rules"]',
    `  ingest --> store[("Storage, deleted after ${processingRecord.retention.days} days")]`,
  ].join('\n');
  return [codeBlock('mermaid', diagram)];
}

export function versionsPart({ versions, currentVersion, released }: AuditInput): RootContent[] {
  return [
    table(
      ['Version', 'Status', 'Content hash'],
      versions.map(({ contract, schema }) => {
        const frozen = released.get(contract.version);
        const status = [contract.version === currentVersion ? 'current' : undefined, frozen === undefined ? 'draft: may still change' : 'released: frozen'].filter(Boolean).join(', ');
        return [`v${contract.version}`, status, [code(frozen ?? contentHash(schema))]];
      }),
    ),
  ];
}

export function reviewPart({ contract, schema }: VersionInput, reviews: readonly ReviewRecord[]): RootContent[] {
  const last = latestReview(reviews, contract.version);
  if (last === undefined) return [paragraph(`No privacy review of v${contract.version} is recorded yet; `, code('npm run check'), ' fails until one is.')];
  const current = reviews.find((r) => r.version === contract.version && r.contentHash === privacyHash(schema));
  const approved = current ?? last;
  return [
    paragraph(
      strong('Latest review:'),
      text(` ${approved.date}, by ${approved.reviewer} (`),
      /^https?:/.test(approved.link) ? { type: 'link', url: approved.link, children: [text(approved.link)] } : code(approved.link),
      text(').'),
    ),
    current
      ? paragraph(`The current privacy content matches the approved content (${current.contentHash.slice(0, 19)}…).`)
      : paragraph('The privacy content has changed since this review; ', code('npm run check'), ' fails until it is reviewed again.'),
  ];
}

/** Every generated part of the audit document, by marker name. */
export function auditParts(input: AuditInput): Map<string, string> {
  const parts = new Map<string, string>();
  parts.set('versions', stringify(versionsPart(input)));
  parts.set('data-flow', stringify(dataFlowPart(input)));
  for (const version of input.versions) {
    const v = `v${version.contract.version}`;
    parts.set(`fields ${v}`, stringify(fieldsPart(version)));
    parts.set(`headers ${v}`, stringify(headersPart(version)));
    parts.set(`rules ${v}`, stringify(rulesPart(version)));
    parts.set(`balancing ${v}`, stringify(balancingPart(version)));
    parts.set(`exceptions ${v}`, stringify(exceptionsPart(version)));
    parts.set(`not-collected ${v}`, stringify(notCollectedPart(version)));
    parts.set(`review ${v}`, stringify(reviewPart(version, input.reviews)));
  }
  parts.set('art30', stringify(art30Part(input)));
  return parts;
}
