/**
 * Every generated file, as a map from repo-relative path to its exact content.
 * A pure function of the registry and the hand-written files it fills parts
 * of (the audit document's prose, package.json around its schema exports):
 * it never reads generated/, nor runs code that does. `generate`
 * writes this map, `check` compares it with the disk. Nothing else decides
 * what is generated.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from '../../schema/contract.js';
import type { CrossFieldRule } from '../../schema/rules.js';
import type { GeneratedValidator } from '../../src/contract/generated-validator.js';
import { createValidators } from '../../src/contract/validate-core.js';
import { type Finding, FindingsError } from '../cli/findings.js';
import type { JsonSchema } from '../contract/fields.js';
import type { Registry } from '../contract/registry.js';
import { AUDIT_DOC, auditParts, versionPart, versionPartName } from '../docs/audit-doc.js';
import { stringify } from '../docs/mdast.js';
import { wireView, withRecordsOf } from '../contract/wire-view.js';
import { spliceParts } from '../docs/markers.js';
import { lintAll } from '../lint/index.js';
import { lintSubjects } from '../lint/subjects.js';
import { createAjv } from './ajv.js';
import { GuardError, toGuardCode } from './guard-code.js';
import { generatedHeader, toHeadersSchema, toJsonSchema, typeName } from './json-schema.js';
import { licenseArtifacts } from './license.js';
import { PACKAGE_FILE, exportedVersions, withSchemaExports } from './package-exports.js';
import { probeModule } from './probe.js';
import { projections } from './projection.js';
import { toStorage } from './storage-sql.js';
import { toTypeScript } from './typescript.js';
import { toValidatorCode } from './validator-code.js';
import { vectorFindings } from './vector-check.js';
import { conformanceVectors } from './vectors.js';
import { typesIndex, versionIndex } from './version-index.js';
import { windowVectors } from './window-vectors.js';
import { bundleVectors, loadWireRuntime, probeVectors, requestVectors, signatureVectors } from './wire-vectors.js';

export type Artifacts = Map<string, string>;

/** Folders whose every file is generated: a file there that the map lacks is stale. */
export const GENERATED_DIRS = ['generated'] as const;

/** Everything one build produces. */
export interface Build {
  /** Every generated file and document, by repo-relative path. */
  readonly files: Artifacts;
  /**
   * Per version, what it publishes and a release freezes: artifact name (a
   * file, or `docs/telemetry.md#<part>`) → the text a release hashes. That is
   * the file's exact text, except where the file also carries amendable
   * privacy records: the JSON Schema is hashed as its wire view, the audit
   * document's part as rendered from the wire view (see frozenText).
   */
  readonly published: ReadonlyMap<number, ReadonlyMap<string, string>>;
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function validatorDeclarations(contract: Contract, name: string, typesModule: string, what: string): string {
  return [
    `// ${generatedHeader(contract)}`,
    `import type { GeneratedValidator } from '../../src/contract/generated-validator.js';`,
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

/** A hand-written file the build fills parts of; it is input here, so a missing file is an error rather than a blank slate. */
async function handWritten(root: string, file: string): Promise<string> {
  try {
    return await readFile(join(root, file), 'utf8');
  } catch {
    throw new FindingsError([{ where: file, what: 'cannot be read; it holds what people wrote around the generated parts', rule: 'doc-missing', fix: `restore it with \`git checkout -- ${file}\``, severity: 'error' }]);
  }
}

/** A hand-written document with its generated parts brought up to date. */
async function spliceDocument(root: string, file: string, parts: ReadonlyMap<string, string>, options: BuildOptions): Promise<string> {
  const current = await handWritten(root, file);
  const { text, errors, repairs } = spliceParts(current, file, parts);
  if (errors.length > 0) throw new FindingsError(errors);
  for (const repair of repairs) options.onRepair?.(repair);
  return text;
}

export interface BuildOptions {
  /** Told about every document problem the build mended (see spliceParts); the check fails on them. */
  readonly onRepair?: (finding: Finding) => void;
  /** Told about every lint warning (a review due soon); warnings never stop the build. */
  readonly onWarning?: (finding: Finding) => void;
}

/** The reference validator of one version alone: ajv compiled in memory from the schema being generated, and the cross-field rules. */
function referenceValidator(contract: Contract, schema: JsonSchema) {
  const validate = createAjv().compile(schema) as unknown as GeneratedValidator<unknown>;
  // The reference has no guard of its own: ajv's verdict serves as both.
  const entry = { validate, isValid: validate, rules: schema['x-rules'] as CrossFieldRule[] };
  return createValidators(new Map([[contract.version, entry]]), contract.version).validate;
}

function vectorsFinding(contract: Contract, error: unknown): FindingsError {
  return new FindingsError([{ where: contract.source, what: `conformance vectors cannot be derived: ${(error as Error).message}`, rule: 'vectors', fix: 'an unsupported pattern: keep to literals, classes, groups and quantifiers; a mislabelled vector: a bug in scripts/emit/vectors.ts or the validator, report it with this message', severity: 'error' }]);
}

/** A released version's JSON Schema as approved when it was released (the review of its release holds it), or undefined. */
function releasedContent(registry: Registry, version: number): JsonSchema | undefined {
  const hash = registry.released.get(version)?.privacyHash;
  return hash === undefined ? undefined : registry.reviews.find((r) => r.version === version && r.contentHash === hash)?.content;
}

/** Builds every artifact in memory; throws FindingsError if a contract fails the lint or an artifact cannot be built. */
export async function buildArtifacts(registry: Registry, root: string, options: BuildOptions = {}): Promise<Build> {
  const files: Artifacts = new Map();
  const published = new Map<number, Map<string, string>>();
  const versions = registry.versions.map((record) => {
    const schema = toJsonSchema(record.contract);
    return { record, contract: record.contract, schema, wire: wireView(schema), released: releasedContent(registry, record.contract.version) };
  });
  const lint = lintAll(lintSubjects(registry));
  const errors = lint.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new FindingsError(errors);
  for (const warning of lint.filter((f) => f.severity === 'warning')) options.onWarning?.(warning);

  const failures: Finding[] = [];
  const bases = new Map<number, Record<string, unknown>>();
  for (const { contract, schema, wire } of versions) {
    const dir = `generated/v${contract.version}`;
    const header = generatedHeader(contract);
    const publish = new Map<string, string>();
    published.set(contract.version, publish);
    files.set(`${dir}/telemetry.schema.json`, jsonText(schema));
    files.set(`${dir}/types.ts`, await toTypeScript(schema, typeName(contract.version), header));
    // Validators, guards and vectors come from the wire view: amending a privacy record moves none of their bytes.
    files.set(`${dir}/validate.js`, await toValidatorCode(wire, header, root));
    files.set(`${dir}/validate.d.ts`, validatorDeclarations(contract, typeName(contract.version), './types.js', 'a payload (cross-field rules excluded)'));
    files.set(`${dir}/is-valid.js`, await guardCode(wire, `${dir}/telemetry.schema.json`, header, root));
    files.set(`${dir}/is-valid.d.ts`, guardDeclarations(contract, 'payload', './validate.js (cross-field rules excluded)'));
    const headers = toHeadersSchema(contract);
    const wireHeaders = wireView(headers);
    const headersName = `${typeName(contract.version)}Headers`;
    files.set(`${dir}/headers.ts`, await toTypeScript(headers, headersName, header));
    files.set(`${dir}/validate-headers.js`, await toValidatorCode(wireHeaders, header, root));
    files.set(`${dir}/validate-headers.d.ts`, validatorDeclarations(contract, headersName, './headers.js', 'request headers (names lowercased)'));
    files.set(`${dir}/is-valid-headers.js`, await guardCode(wireHeaders, `${dir}/telemetry.schema.json#/x-headers`, header, root));
    files.set(`${dir}/is-valid-headers.d.ts`, guardDeclarations(contract, 'request headers', './validate-headers.js'));
    let vectors;
    try {
      vectors = conformanceVectors(wire, referenceValidator(contract, wire));
    } catch (error) {
      throw vectorsFinding(contract, error);
    }
    bases.set(contract.version, vectors.base as Record<string, unknown>);
    files.set(`${dir}/conformance.json`, jsonText({ $comment: header, version: contract.version, base: vectors.base, vectors: vectors.vectors }));
    failures.push(...(await vectorFindings({ version: contract.version, validate: files.get(`${dir}/validate.js`)!, isValid: files.get(`${dir}/is-valid.js`)!, schema: wire }, vectors)));
    publish.set(`${dir}/telemetry.schema.json`, jsonText(wire));
    publish.set(`${dir}/conformance.json`, files.get(`${dir}/conformance.json`)!);
  }
  if (failures.length > 0) throw new FindingsError(failures);

  // Storage: version N's migration follows from versions 1…N, so it is published and frozen with N; a
  // released version's from its content as released, so that an amendment changes no migration.
  const storage = toStorage(versions.map(({ contract, schema, released }) => ({ contract, schema, ...(released === undefined ? {} : { released: withRecordsOf(schema, released) }) })));
  for (const [version, sql] of storage.migrations) {
    const path = `generated/v${version}/storage.sql`;
    files.set(path, sql);
    published.get(version)!.set(path, sql);
  }
  files.set('generated/storage.ts', storage.module);

  const plans = projections(new Map(versions.map(({ contract, schema }) => [contract.version, schema])));
  files.set('generated/index.ts', versionIndex(registry.versions, registry.currentVersion, plans));
  files.set('generated/types.ts', typesIndex(registry.versions));
  if (registry.probe !== undefined) files.set('generated/probe.ts', probeModule(registry.probe));
  if (registry.license !== undefined) for (const [path, text] of await licenseArtifacts(registry.license, root)) files.set(path, text);

  // The wire vectors run src/ against the generated/ files above, held in memory. Their bytes do not depend on
  // where a version stands in its life, and a retired version's vectors stay published: the runtime sees every
  // version as released, so none is refused while its vectors are made.
  let runtime;
  try {
    const neutral = versionIndex(registry.versions.map((record) => ({ contract: record.contract, status: 'released' as const })), registry.currentVersion, plans);
    const generated = new Map([...files].filter(([path]) => path.startsWith('generated/')));
    runtime = await loadWireRuntime(root, generated.set('generated/index.ts', neutral));
  } catch (error) {
    throw new FindingsError([{ where: 'src/', what: `the wire runtime ${(error as Error).message}`, rule: 'wire-vectors', fix: 'run `npm run typecheck` to see the error in context', severity: 'error' }]);
  }
  files.set('generated/signature-vectors.json', jsonText(await signatureVectors(runtime)));
  files.set('generated/window-vectors.json', jsonText(windowVectors(runtime)));
  if (registry.probe !== undefined) files.set('generated/probe-vectors.json', jsonText(await probeVectors(runtime, registry.probe, registry.currentVersion)));
  const current = versions.find(({ contract }) => contract.version === registry.currentVersion)!.contract;
  files.set('generated/bundle-vectors.json', jsonText(await bundleVectors(runtime, current, bases.get(current.version)!)));
  for (const { contract } of versions) {
    const path = `generated/v${contract.version}/wire-vectors.json`;
    files.set(path, jsonText(await requestVectors(runtime, contract, bases.get(contract.version)!)));
    published.get(contract.version)!.set(path, files.get(path)!);
  }

  const { processingRecord } = registry;
  if (processingRecord === undefined) {
    throw new FindingsError([{ where: 'schema/index.ts', what: 'exports no `processingRecord`, which the Art. 30 section of the audit document is built from', rule: 'contract-load', fix: 'export it from schema/processing-record.ts', severity: 'error' }]);
  }
  const parts = auditParts({
    versions: versions.map(({ record: { contract: _, ...record }, contract, schema }) => ({ contract, schema, record })),
    currentVersion: registry.currentVersion,
    processingRecord,
    released: registry.released,
    reviews: registry.reviews,
    ...(registry.probe !== undefined ? { probe: registry.probe } : {}),
    ...(registry.promises !== undefined ? { promises: registry.promises } : {}),
  });
  // A version's part of the document shows its privacy records as they are now; what a release freezes of it
  // is the same part rendered from the wire views alone: its fields' types, its headers, its rules.
  const frozenInputs = versions.map(({ contract, wire }) => ({ contract: { ...contract, notCollected: [] }, schema: wire }));
  for (const [i, { contract }] of versions.entries()) {
    published.get(contract.version)!.set(`${AUDIT_DOC}#${versionPartName(contract.version)}`, stringify(versionPart(frozenInputs[i]!, frozenInputs[i - 1])));
  }
  files.set(AUDIT_DOC, await spliceDocument(root, AUDIT_DOC, parts, options));
  files.set(PACKAGE_FILE, withSchemaExports(await handWritten(root, PACKAGE_FILE), exportedVersions(registry.versions)));
  return { files, published };
}
