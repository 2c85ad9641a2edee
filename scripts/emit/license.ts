/**
 * The license record as the runtime and other languages read it, from
 * schema/license.ts: its JSON Schema (generated/license.schema.json, published
 * for uploaders in any language), its TypeScript type and the paths of a
 * report that name features (generated/license.ts), and a standalone validator
 * (generated/license-validate.js), so src/ checks a record against the
 * declaration instead of restating it.
 */
import type { LicenseDeclaration } from '../contract/registry.js';
import type { JsonSchema } from '../contract/fields.js';
import { toTypeScript } from './typescript.js';
import { toValidatorCode } from './validator-code.js';

const HEADER = (source: string) => `generated from ${source} by \`npm run generate\`; do not edit`;

/** The record's JSON Schema as plain JSON (TypeBox's symbols dropped), with its own id and the generated header. */
export function licenseSchema(license: LicenseDeclaration): JsonSchema {
  const plain = JSON.parse(JSON.stringify(license.record)) as JsonSchema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:telemetry-contract:schema:license',
    $comment: HEADER(license.source),
    ...plain,
  };
}

/** The schema as the validator and the type are made from: without the header comment. */
function validatedSchema(license: LicenseDeclaration): JsonSchema {
  const { $comment: _comment, ...schema } = licenseSchema(license);
  return schema;
}

/** Every generated file of the license record, by repo-relative path. */
export async function licenseArtifacts(license: LicenseDeclaration, root: string): Promise<Map<string, string>> {
  const header = HEADER(license.source);
  const types = await toTypeScript(validatedSchema(license), 'LicenseRecord', header);
  const module = [
    types.trimEnd(),
    '',
    '/** Where a report names features, as JSON Pointers into the payload of any version that has them: each name there must be one of the record\'s `features`. */',
    `export const featurePaths = ${JSON.stringify(license.featurePaths)} as const;`,
    '',
  ].join('\n');
  const declarations = [
    `// ${header}`,
    "import type { GeneratedValidator } from '../src/contract/generated-validator.js';",
    "import type { LicenseRecord } from './license.js';",
    '',
    '/** Checks a license record against generated/license.schema.json. */',
    'export declare const validate: GeneratedValidator<LicenseRecord>;',
    'export default validate;',
    '',
  ].join('\n');
  return new Map([
    ['generated/license.schema.json', `${JSON.stringify(licenseSchema(license), null, 2)}\n`],
    ['generated/license.ts', module],
    ['generated/license-validate.js', await toValidatorCode(validatedSchema(license), header, root)],
    ['generated/license-validate.d.ts', declarations],
  ]);
}
