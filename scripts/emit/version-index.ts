/**
 * generated/index.ts: the one module the runtime reads the registry from.
 * Per version: its JSON Schema, its precompiled validators and guards, and its
 * place in the life of a version; the version uploaders build by default; the
 * projections between versions; and the payload types by version number, so
 * that code can narrow on `schemaVersion`.
 */
import type { VersionRecord } from '../../schema/registry.js';
import { typeName } from './json-schema.js';
import type { Projection } from './projection.js';

const REGISTRY_HEADER = '// generated from schema/index.ts by `npm run generate`; do not edit';

function lifecycle({ status, released, deprecated, sunset, retired }: VersionRecord): string {
  const dates = { released, deprecated, sunset, retired };
  return `{ ${[`status: '${status}'`, ...Object.entries(dates).filter(([, day]) => day !== undefined).map(([key, day]) => `${key}: '${day}'`)].join(', ')} }`;
}

export function versionIndex(versions: readonly VersionRecord[], currentVersion: number, plans: readonly Projection[]): string {
  const numbers = versions.map((record) => record.contract.version);
  return [
    REGISTRY_HEADER,
    ...numbers.flatMap((v) => [
      `import schemaV${v} from './v${v}/telemetry.schema.json' with { type: 'json' };`,
      `import validateV${v} from './v${v}/validate.js';`,
      `import isValidV${v} from './v${v}/is-valid.js';`,
      `import validateHeadersV${v} from './v${v}/validate-headers.js';`,
      `import isValidHeadersV${v} from './v${v}/is-valid-headers.js';`,
      `import type { ${typeName(v)} } from './v${v}/types.js';`,
      `import type { ${typeName(v)}Headers } from './v${v}/headers.js';`,
    ]),
    '',
    `export type { ${numbers.flatMap((v) => [typeName(v), `${typeName(v)}Headers`]).join(', ')} };`,
    '',
    '/** A payload of any schema version this package knows. */',
    `export type Telemetry = ${numbers.map(typeName).join(' | ')};`,
    '',
    '/** Each version\'s payload type by version number: `TelemetryByVersion[2]` is `TelemetryV2`. */',
    'export interface TelemetryByVersion {',
    ...numbers.map((v) => `  ${v}: ${typeName(v)};`),
    '}',
    '',
    '/** The version new uploaders send. */',
    `export const currentVersion = ${currentVersion};`,
    '',
    '/**',
    ' * Every known version: its JSON Schema, its precompiled payload and header',
    ' * validators, each with its yes/no guard, and its lifecycle (draft, released,',
    ' * deprecated with a sunset day, retired).',
    ' */',
    'export const versions = {',
    ...versions.map((record) => {
      const v = record.contract.version;
      return `  ${v}: { schema: schemaV${v}, validate: validateV${v}, isValid: isValidV${v}, validateHeaders: validateHeadersV${v}, isValidHeaders: isValidHeadersV${v}, lifecycle: ${lifecycle(record)} },`;
    }),
    '} as const;',
    '',
    '/**',
    ' * How a report of one version carries over to another (`"<from>>to"`), derived',
    ' * from the two schemas: the fields to drop (`null` stands for every item of a',
    ' * list), or why it cannot be done.',
    ' */',
    'export const projections = {',
    ...plans.map((plan) => `  '${plan.from}>${plan.to}': ${JSON.stringify('drop' in plan ? { drop: plan.drop } : { refused: plan.refused })},`),
    '} as const;',
    '',
  ].join('\n');
}

/** generated/types.ts: the public types of every version, which the package entry points re-export whole. */
export function typesIndex(versions: readonly VersionRecord[]): string {
  const numbers = versions.map((record) => record.contract.version);
  return [
    REGISTRY_HEADER,
    `export type { ${[...numbers.flatMap((v) => [typeName(v), `${typeName(v)}Headers`]), 'Telemetry', 'TelemetryByVersion'].join(', ')} } from './index.js';`,
    '',
  ].join('\n');
}
