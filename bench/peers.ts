/**
 * The usual ways to validate the same contract, each held to the same verdicts
 * as the shipped validator, cross-field rules included: TypeBox's TypeCompiler
 * on the TypeBox schema itself, zod 4 with an equivalent strict schema, and
 * ajv compiling the generated JSON Schema at run time.
 */
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { z } from 'zod';
import { UTC_DATE_TIME_PATTERN } from '../schema/types.js';
import { TelemetryV1, v1 } from '../schema/v1.js';
import { createAjv } from '../scripts/emit/ajv.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { isDateTime } from '../src/contract/formats.js';
import { compareInstants, parseInstant } from '../src/contract/instant.js';
import { compareCodePoints, compileRules } from '../src/contract/rules.js';

/** The contract's own compiled rules, the shipped ones, so every peer checks the cross-field rules exactly as shipped and as fast. */
const rulesHold = compileRules(v1.rules);

// The same format function the generated validators inline, so a calendar date means the same everywhere.
FormatRegistry.Set('date-time', isDateTime);
const typeboxCheck = TypeCompiler.Compile(TelemetryV1);
export const typeboxIs = (value: unknown): boolean => typeboxCheck.Check(value) && rulesHold(value);

// The repo's one ajv configuration (all errors, strict, the x- vocabulary), compiled in this process.
const ajvCheck = createAjv().compile(toJsonSchema(v1));
export const ajvRuntimeIs = (value: unknown): boolean => ajvCheck(value) && rulesHold(value);

const utc = z.string().min(20).max(30).regex(new RegExp(UTC_DATE_TIME_PATTERN)).refine(isDateTime);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const feature = z.string().max(64).regex(/^[a-z][a-z0-9._-]{0,63}$/);
const zodSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    periodStart: utc,
    periodEnd: utc,
    activeSeats: count,
    policiesActive: count,
    policyExecutionsCount: count,
    totalProvisionedSeats: count,
    seatLimitHit: z.boolean(),
    featuresUsed: z
      .array(feature)
      .max(256)
      // Strictly ascending is both rules at once: uniqueItems and features-sorted.
      .refine((list) => list.every((item, i) => i === 0 || compareCodePoints(list[i - 1]!, item) < 0)),
    appVersion: z.string().min(7).max(40).regex(/^[0-9a-f]{7,40}$/).optional(),
    nodeVersion: z.string().max(3).regex(/^[1-9][0-9]{0,2}$/).optional(),
  })
  // An unreadable date is its field's error, not this rule's (as in src/contract/rules.ts).
  .refine((p) => {
    const [start, end] = [parseInstant(p.periodStart), parseInstant(p.periodEnd)];
    return start === undefined || end === undefined || compareInstants(start, end) < 0;
  });
export const zodIs = (value: unknown): boolean => zodSchema.safeParse(value).success;
