/**
 * Header rules read from the generated contract, so the wire code checks the
 * exact patterns schema/headers.ts declares instead of repeating them.
 */
import { currentVersion, versions } from '../../generated/index.js';
import type { TelemetryV1Headers } from '../../generated/index.js';
import { fromSchemaError, type ValidationError } from '../contract/errors.js';
import type { GeneratedValidator } from '../contract/generated-validator.js';

/** The contract's header names for the customer, the license id and the schema version. */
export const CONTRACT_HEADERS = {
  customer: 'x-telemetry-customer',
  licenseId: 'x-telemetry-license-id',
  schemaVersion: 'x-telemetry-schema-version',
} as const;

type HeaderSchema = { readonly properties: Readonly<Record<string, { readonly pattern?: string; readonly maxLength?: number }>> };

function headerSchema(version: number): HeaderSchema {
  const entry = versions[version as keyof typeof versions] ?? versions[currentVersion];
  return entry.schema['x-headers'] as unknown as HeaderSchema;
}

/** A header's pattern from the contract, as a RegExp (plain RegExp: no schema compiler at run time). */
export function headerPattern(name: string, version: number = currentVersion): RegExp {
  const pattern = headerSchema(version).properties[name]?.pattern;
  if (pattern === undefined) throw new Error(`${name}: the contract declares no pattern for this header`);
  return new RegExp(pattern, 'u');
}

/** Headers the runtime's fetch sets on every request by itself, with the value the contract declares: a request cannot set them. */
const SET_BY_RUNTIME: ReadonlySet<string> = new Set(['connection', 'sec-fetch-mode']);
const runtimeHeadersByVersion = new Map<number, Readonly<Record<string, string>>>();

/**
 * The other headers an uploader sets on every request of `version`, from the
 * contract's transport headers (`x-transport-headers`) that have one fixed
 * value: `user-agent`, `accept`, `accept-language`, `accept-encoding`. Set
 * explicitly, they keep the runtime's fetch from adding its own defaults (its
 * name and version, the machine's language), so what leaves the process is
 * exactly what the contract declares.
 */
export function runtimeHeaders(version: number = currentVersion): Readonly<Record<string, string>> {
  let headers = runtimeHeadersByVersion.get(version);
  if (headers === undefined) {
    const entry = versions[version as keyof typeof versions] ?? versions[currentVersion];
    const declared = (entry.schema as Record<string, unknown>)['x-transport-headers'] as { readonly properties?: Readonly<Record<string, { readonly const?: unknown }>> } | undefined;
    headers = Object.fromEntries(
      Object.entries(declared?.properties ?? {}).flatMap(([name, schema]) => (typeof schema.const === 'string' && !SET_BY_RUNTIME.has(name) ? [[name, schema.const]] : [])),
    );
    runtimeHeadersByVersion.set(version, headers);
  }
  return headers;
}

/** Checks request headers (lowercase names) with the precompiled header validator of a version; [] when valid. */
export function validateContractHeaders(headers: Readonly<Record<string, string>>, version: number): ValidationError[] {
  const entry = versions[version as keyof typeof versions] ?? versions[currentVersion];
  // The yes/no guard first: nearly every request is valid, and then no error objects are built.
  if (entry.isValidHeaders(headers)) return [];
  const validate = entry.validateHeaders as GeneratedValidator<TelemetryV1Headers>;
  // The generated code reads plain own properties; give it a plain object.
  const plain = { ...headers };
  if (validate(plain)) return [];
  return (validate.errors ?? []).map((e) => fromSchemaError(e, plain));
}
