/** What the lint runs on in a checkout: every version, and the connection test as version 0, each with the files it is written in. */
import type { Registry } from '../contract/registry.js';
import { toJsonSchema } from '../emit/json-schema.js';
import { probeAsContract, probeSchema } from '../emit/probe.js';
import type { ReviewSubject } from './review-by.js';

export function lintSubjects(registry: Registry): ReviewSubject[] {
  return [
    ...registry.contracts.map((contract) => ({ contract, schema: toJsonSchema(contract), sources: registry.sources.get(contract.source) ?? [] })),
    ...(registry.probe !== undefined ? [{ contract: probeAsContract(registry.probe), schema: probeSchema(registry.probe), sources: registry.sources.get(registry.probe.source) ?? [] }] : []),
  ];
}
