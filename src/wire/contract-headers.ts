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
