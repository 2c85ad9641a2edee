/**
 * The connection test as the runtime reads it: generated/probe.ts holds the
 * media type, the message id rule and the JSON Schema of the probe body from
 * schema/probe.ts, so src/ checks a probe against the declaration instead of
 * restating it.
 */
import type { Contract } from '../../schema/contract.js';
import type { ProbeDeclaration } from '../contract/registry.js';

/**
 * The probe as a contract without headers or rules, for the privacy lint: its body is held to the
 * rules of a report's (bounded, closed, a complete privacy record per field).
 */
export function probeAsContract(probe: ProbeDeclaration): Contract {
  return { version: 0, source: probe.source, payload: probe.body, headers: { type: 'object', properties: {} } as unknown as Contract['headers'], rules: [], notCollected: [] };
}

/** The probe body's JSON Schema as plain JSON (TypeBox's symbols dropped). */
export function probeSchema(probe: ProbeDeclaration): Record<string, unknown> {
  return JSON.parse(JSON.stringify(probe.body)) as Record<string, unknown>;
}

/** A property's TypeScript type: its constant, or its JSON type; the probe body holds nothing else. */
function tsType(field: { const?: unknown; type?: string }): string {
  if (field.const !== undefined) return JSON.stringify(field.const);
  if (field.type === 'integer' || field.type === 'number') return 'number';
  if (field.type === 'string' || field.type === 'boolean') return field.type;
  throw new Error(`schema/probe.ts: a probe field of type ${String(field.type)} has no TypeScript type here; the body holds constants, numbers and strings`);
}

/** The schema without its prose (descriptions, privacy records): what a check reads, and all the runtime carries. */
export function runtimeProbeSchema(probe: ProbeDeclaration): Record<string, unknown> {
  return JSON.parse(JSON.stringify(probeSchema(probe), (key, value: unknown) => (key === 'description' || key === 'x-privacy' ? undefined : value))) as Record<string, unknown>;
}

/** The text of generated/probe.ts. */
export function probeModule(probe: ProbeDeclaration): string {
  const schema = runtimeProbeSchema(probe);
  return [
    `// generated from ${probe.source} by \`npm run generate\`; do not edit`,
    '',
    '/** The body of a connection test (a probe): no counts, never stored. */',
    'export interface ProbeBody {',
    ...Object.entries(probeSchema(probe)['properties'] as Record<string, { const?: unknown; type?: string; description?: string }>).flatMap(([name, field]) => [
      ...(field.description ? [`  /** ${field.description.replaceAll('*/', '*\\/')} */`] : []),
      `  ${name}: ${tsType(field)};`,
    ]),
    '}',
    '',
    '/** The connection test as schema/probe.ts declares it: media type, message id rule and body schema (its prose is in generated/probe-vectors.json). */',
    `export const probeContract = ${JSON.stringify({ mediaType: probe.mediaType, kind: probe.body.properties.probe.const, messageIdOf: probe.messageIdOf, stored: probe.stored, schema }, null, 2)} as const;`,
    '',
  ].join('\n');
}
