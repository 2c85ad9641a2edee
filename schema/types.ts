import { Type, type IntegerOptions, type SchemaOptions, type StringOptions, type TLiteral } from '@sinclair/typebox';
import { UTC_MIDNIGHT_PATTERN } from './patterns.js';

export { UTC_MIDNIGHT_PATTERN } from './patterns.js';

/**
 * RFC 3339 date-time, UTC only (`Z`), optional fractional seconds (up to
 * nanoseconds). The pattern pins the shape and the field ranges (no hour 24,
 * no second 60); the `date-time` format rejects dates that do not exist
 * (2026-02-30).
 */
export const UTC_DATE_TIME_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?Z$';

export const UtcDateTime = (options: StringOptions) =>
  Type.String({ format: 'date-time', pattern: UTC_DATE_TIME_PATTERN, minLength: 20, maxLength: 30, ...options });

/**
 * A window bound: a UTC midnight, `YYYY-MM-DDT00:00:00Z`, of a year from 2000
 * to 2099 (see {@link UTC_MIDNIGHT_PATTERN}); exactly 20 characters.
 */
export const UtcMidnight = (options: StringOptions) =>
  Type.String({ format: 'date-time', pattern: UTC_MIDNIGHT_PATTERN, minLength: 20, maxLength: 20, ...options });

/** A non-negative count that stays exact in every JSON parser (IEEE 754 doubles). */
export const Count = (options: IntegerOptions) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });

/**
 * The `schemaVersion` field: exactly `version`. TypeBox's Literal says
 * `"type": "number"` whatever the options; the contract says integer.
 */
export const Version = <V extends number>(version: V, options: SchemaOptions): TLiteral<V> => ({
  ...Type.Literal(version, options),
  type: 'integer',
});
