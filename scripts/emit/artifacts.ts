/**
 * Every generated file, as a map from repo-relative path to its exact content.
 * Pure apart from reading the contracts and the hand-written prose of the
 * documents it fills in: `generate` writes this map, `check` compares it with the disk. Nothing else decides what is generated.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from '../../schema/contract.js';
import type { ProcessingRecord } from '../../schema/processing-record.js';
import type { ReviewRecord } from '../governance/reviews.js';
import { type Finding, FindingsError } from '../cli/findings.js';
import { lintContract } from '../lint/index.js';
import { generatedHeader, toHeadersSchema, toJsonSchema, typeName } from './json-schema.js';
import { toTypeScript } from './typescript.js';
import type { JsonSchema } from '../contract/fields.js';
import { GuardError, toGuardCode } from './guard-code.js';
import { toValidatorCode } from './validator-code.js';
import { createAjv } from './ajv.js';
import { conformanceVectors } from './vectors.js';
import { createValidators } from '../../src/validate-core.js';
import type { GeneratedValidator } from '../../src/generated-validator.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import { AUDIT_DOC, auditParts } from '../docs/audit-doc.js';
import { spliceParts } from '../docs/markers.js';

export type Artifacts = Map<string, string>;

/** Folders whose every file is generated: a file there that the map lacks is stale. */
export const GENERATED_DIRS = ['generated'] as const;

export interface Registry {
  readonly contracts: readonly Contract[];
  readonly currentVersion: number;
  /** Required to generate the audit document; a diff base may predate it. */
  readonly processingRecord?: ProcessingRecord;
  /** Released versions and their frozen content hashes (schema/released.lock). */
  readonly released: ReadonlyMap<number, string>;
  /** Recorded privacy reviews (schema/reviews.json). */
  readonly reviews: readonly ReviewRecord[];
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function validatorDeclarations(contract: Contract, name: string, typesModule: string, what: string): string {
  return [
    `// ${generatedHeader(contract)}`,
    `import type { GeneratedValidator } from '../../src/generated-validator.js';`,
    `import type { ${name} } from '${typesModule}';`,
    '',
    `/** Checks ${what} against the ${name} JSON Schema. */`,
    `export declare const validate: GeneratedValidator<${name}>;`,
    'export default validate;',
    '',
  ].join('\n');
}

function guardDeclarations(contract: Contract, what: string, validator: string): string {
  return [
    `// ${generatedHeader(contract)}`,
    `/** True when the value satisfies the ${what} JSON Schema: the verdict of ${validator}, without its errors. */`,
    'export default function isValid(data: unknown): boolean;',
    '',
  ].join('\n');
}

/** The yes/no guard's code, or the finding that names the keyword it cannot translate. */
async function guardCode(schema: JsonSchema, file: string, header: string, root: string): Promise<string> {
  try {
    return await toGuardCode(schema, header, root);
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    throw new FindingsError([{ where: `${file}${file.includes('#') ? '' : '#'}${error.where}`, what: error.what, rule: 'guard-keyword', fix: error.fix, severity: 'error' }]);
  }
}

function versionIndex(registry: Registry): string {
  const versions = registry.contracts.map((c) => c.version);
  const lines = [
    '// generated from schema/index.ts by `npm run generate`; do not edit',
    ...versions.flatMap((v) => [
      `import schemaV${v} from './v${v}/telemetry.schema.json' with { type: 'json' };`,
      `import validateV${v} from './v${v}/validate.js';`,
      `import isValidV${v} from './v${v}/is-valid.js';`,
      `import validateHeadersV${v} from './v${v}/validate-headers.js';`,
      `import isValidHeadersV${v} from './v${v}/is-valid-headers.js';`,
      `import type { ${typeName(v)} } from './v${v}/types.js';`,
      `import type { ${typeName(v)}Headers } from './v${v}/headers.js';`,
    ]),
    '',
    `export type { ${versions.flatMap((v) => [typeName(v), `${typeName(v)}Headers`]).join(', ')} };`,
    '',
    '/** A payload of any schema version this package knows. */',
    `export type Telemetry = ${versions.map(typeName).join(' | ')};`,
    '',
    '/** The version new uploaders send. */',
    `export const currentVersion = ${registry.currentVersion};`,
    '',
    '/** Every known version: its JSON Schema, and its precompiled payload and header validators, each with its yes/no guard. */',
    'export const versions = {',
    ...versions.map((v) => `  ${v}: { schema: schemaV${v}, validate: validateV${v}, isValid: isValidV${v}, validateHeaders: validateHeadersV${v}, isValidHeaders: isValidHeadersV${v} },`),
    '} as const;',
    '',
  ];
  return lines.join('\n');
}

/**
 * A hand-written document with its generated parts brought up to date. Its
 * prose is input here, so a missing file is an error rather than a blank slate.
 */
async function spliceDocument(root: string, file: string, parts: ReadonlyMap<string, string>, options: BuildOptions): Promise<string> {
  let current: string;
  try {
    current = await readFile(join(root, file), 'utf8');
  } catch {
    throw new FindingsError([{ where: file, what: 'cannot be read; it holds hand-written prose around the generated parts', rule: 'doc-missing', fix: `restore it with \`git checkout -- ${file}\``, severity: 'error' }]);
  }
  const { text, errors, repairs } = spliceParts(current, file, parts);
  if (errors.length > 0) throw new FindingsError(errors);
  for (const repair of repairs) options.onRepair?.(repair);
  return text;
}

/** Builds every artifact in memory; throws FindingsError if any contract fails the lint. */
export interface BuildOptions {
  /** Told about every document problem the build mended (see spliceParts); the check fails on them. */
  readonly onRepair?: (finding: Finding) => void;
  /** Told about every lint warning (a review due soon); warnings never stop the build. */
  readonly onWarning?: (finding: Finding) => void;
}

export async function buildArtifacts(registry: Registry, root: string, options: BuildOptions = {}): Promise<Artifacts> {
  const artifacts: Artifacts = new Map();
  const schemas = registry.contracts.map((contract) => ({ contract, schema: toJsonSchema(contract) }));
  const lint = schemas.flatMap(({ contract, schema }) => lintContract(contract, schema));
  const errors = lint.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new FindingsError(errors);
  for (const warning of lint.filter((f) => f.severity === 'warning')) options.onWarning?.(warning);

  // The reference validator for the conformance vectors: compiled here from the schemas being
  // generated, with the same ajv configuration as the shipped code, so vectors never lag behind.
  const compiled = new Map(
    schemas.map(({ contract, schema }) => {
      const validate = createAjv().compile(schema) as unknown as GeneratedValidator<unknown>;
      // The reference has no guard of its own: ajv's verdict serves as both.
      return [contract.version, { validate, isValid: validate, rules: schema['x-rules'] as CrossFieldRule[] }];
    }),
  );
  const reference = createValidators(compiled, registry.currentVersion).validate;
  const versionNumbers = schemas.map(({ contract }) => contract.version);

  for (const { contract, schema } of schemas) {
    const dir = `generated/v${contract.version}`;
    const header = generatedHeader(contract);
    artifacts.set(`${dir}/telemetry.schema.json`, jsonText(schema));
    artifacts.set(`${dir}/types.ts`, await toTypeScript(schema, typeName(contract.version), header));
    artifacts.set(`${dir}/validate.js`, await toValidatorCode(schema, header, root));
    artifacts.set(`${dir}/validate.d.ts`, validatorDeclarations(contract, typeName(contract.version), './types.js', 'a payload (cross-field rules excluded)'));
    artifacts.set(`${dir}/is-valid.js`, await guardCode(schema, `${dir}/telemetry.schema.json`, header, root));
    artifacts.set(`${dir}/is-valid.d.ts`, guardDeclarations(contract, 'payload', './validate.js (cross-field rules excluded)'));
    const headers = toHeadersSchema(contract);
    const headersName = `${typeName(contract.version)}Headers`;
    artifacts.set(`${dir}/headers.ts`, await toTypeScript(headers, headersName, header));
    artifacts.set(`${dir}/validate-headers.js`, await toValidatorCode(headers, header, root));
    artifacts.set(`${dir}/is-valid-headers.js`, await guardCode(headers, `${dir}/telemetry.schema.json#/x-headers`, header, root));
    artifacts.set(`${dir}/is-valid-headers.d.ts`, guardDeclarations(contract, 'request headers', './validate-headers.js'));
    let vectors;
    try {
      vectors = conformanceVectors(schema, reference, versionNumbers);
    } catch (error) {
      throw new FindingsError([{ where: contract.source, what: `conformance vectors cannot be derived: ${(error as Error).message}`, rule: 'vectors', fix: 'an unsupported pattern: keep to literals, classes, groups and quantifiers; a mislabelled vector: a bug in scripts/emit/vectors.ts or the validator, report it with this message', severity: 'error' }]);
    }
    artifacts.set(`${dir}/conformance.json`, jsonText({ $comment: header, version: contract.version, vectors }));
    artifacts.set(`${dir}/validate-headers.d.ts`, validatorDeclarations(contract, headersName, './headers.js', 'request headers (names lowercased)'));
  }
  artifacts.set('generated/index.ts', versionIndex(registry));
  // Imported here, not at the top: the vectors run the published src/ code, which loads the committed generated/ validators.
  artifacts.set('generated/signature-vectors.json', jsonText(await (await import('./signature-vectors.js')).signatureVectors()));
  const { processingRecord } = registry;
  if (processingRecord === undefined) {
    throw new FindingsError([{ where: 'schema/index.ts', what: 'exports no `processingRecord`, which the Art. 30 section of the audit document is built from', rule: 'contract-load', fix: 'export it from schema/processing-record.ts', severity: 'error' }]);
  }
  artifacts.set(AUDIT_DOC, await spliceDocument(root, AUDIT_DOC, auditParts({ versions: schemas, currentVersion: registry.currentVersion, processingRecord, released: registry.released, reviews: registry.reviews }), options));
  return artifacts;
}
