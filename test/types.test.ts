import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type { TelemetryV1 as GeneratedTelemetryV1 } from '../generated/v1/types.js';
import type { TelemetryV1 as SchemaTelemetryV1 } from '../schema/v1.js';
import { TelemetryV1 } from '../schema/v1.js';
import { type Telemetry, validateTelemetry } from '../src/index.js';

// These assertions are checked by `tsc --noEmit` (part of `npm test`); at run time they are no-ops.
describe('types', () => {
  it('the generated TelemetryV1 and Static<typeof TelemetryV1> are the same type, both ways', () => {
    expectTypeOf<GeneratedTelemetryV1>().toEqualTypeOf<Static<typeof TelemetryV1>>();
    expectTypeOf<Static<typeof TelemetryV1>>().toEqualTypeOf<GeneratedTelemetryV1>();
    expectTypeOf<SchemaTelemetryV1>().toEqualTypeOf<GeneratedTelemetryV1>();
  });

  it('a type that differs in one optional field is told apart', () => {
    type Widened = Omit<GeneratedTelemetryV1, 'nodeVersion'> & { nodeVersion?: number };
    // @ts-expect-error the assertion must fail to compile: nodeVersion is a string in the contract
    expectTypeOf<Widened>().toEqualTypeOf<Static<typeof TelemetryV1>>();
  });

  it('schemaVersion is the literal 1 and optional fields are optional', () => {
    expectTypeOf<GeneratedTelemetryV1['schemaVersion']>().toEqualTypeOf<1>();
    expectTypeOf<GeneratedTelemetryV1>().toHaveProperty('appVersion').toEqualTypeOf<string | undefined>();
  });

  it('validateTelemetry narrows to the payload type', () => {
    const result = validateTelemetry({});
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<Telemetry>();
  });
});
