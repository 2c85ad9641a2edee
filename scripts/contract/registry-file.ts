/**
 * schema/index.ts as the lifecycle commands write it. The file is data in
 * TypeScript form: which versions exist, their status and dates, and the
 * current version. `draft`, `release`, `deprecate` and `retire` change the
 * data and write the whole file again from this one template, so its shape
 * never depends on who edited it last.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionRecord } from '../../schema/registry.js';
import { REGISTRY_FILE } from './registry.js';

/** What the file records of a version; the contract itself is imported from schema/v<N>.ts. */
export type VersionEntry = Omit<VersionRecord, 'contract'> & { readonly version: number };

const DATE_KEYS = ['released', 'deprecated', 'sunset', 'retired'] as const;

function entryLine({ version, status, ...dates }: VersionEntry): string {
  const parts = [`contract: v${version}`, `status: '${status}'`, ...DATE_KEYS.filter((key) => dates[key] !== undefined).map((key) => `${key}: '${dates[key]}'`)];
  return `    { ${parts.join(', ')} },`;
}

export function renderRegistry(versions: readonly VersionEntry[], currentVersion: number): string {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const names = sorted.map((entry) => `v${entry.version}`);
  return [
    '/**',
    ' * The registry of schema versions: every version the package knows, where each',
    ' * stands in its life (draft, released, deprecated, retired; see ./registry.ts),',
    ' * and the version uploaders send by default. Generated artifacts, docs and the',
    ' * runtime version dispatch are all derived from it.',
    ' *',
    ' * Written by `npm run draft`, `release`, `deprecate` and `retire`: change it',
    ' * through them, not by hand.',
    ' */',
    "import { defineRegistry } from './registry.js';",
    ...names.map((name) => `import { ${name} } from './${name}.js';`),
    '',
    'export const registry = defineRegistry({',
    `  currentVersion: ${currentVersion},`,
    '  versions: [',
    ...sorted.map(entryLine),
    '  ],',
    '});',
    '',
    'export const contracts = registry.versions.map((entry) => entry.contract);',
    'export const currentVersion = registry.currentVersion;',
    '',
    `export { ${names.join(', ')} };`,
    "export { processingRecord } from './processing-record.js';",
    "export type { Contract } from './contract.js';",
    "export type { CrossFieldRule } from './rules.js';",
    "export type { VersionRecord, VersionStatus } from './registry.js';",
    "export * from './privacy.js';",
    '',
  ].join('\n');
}

/** The file's data as the commands edit it. */
export function registryEntries(versions: readonly VersionRecord[]): VersionEntry[] {
  return versions.map(({ contract, ...rest }) => ({ ...rest, version: contract.version }));
}

export async function writeRegistry(root: string, versions: readonly VersionEntry[], currentVersion: number): Promise<void> {
  const path = join(root, REGISTRY_FILE);
  await writeFile(`${path}.tmp`, renderRegistry(versions, currentVersion), 'utf8');
  await rename(`${path}.tmp`, path);
}
