import { Type, type Static } from '@sinclair/typebox';
import { HeadersV1 } from './headers.js';
import { TelemetryV1 } from './v1.js';

/**
 * The license record: what a license allows a report to say. The vendor
 * keeps it in its license store and ships it with the license, as JSON, to
 * the installation, so both sides read the same record: an uploader refuses
 * to build a report that names a feature outside it, and the ingest endpoint
 * refuses such a report, and a customer header that is neither the legal
 * entity below nor its mask.
 *
 * It belongs to the contract although it never travels with a report: an
 * uploader in another language receives it with its license and must read it
 * exactly as this package does, so its JSON Schema is published
 * (generated/license.schema.json, `telemetry-contract/schemas/license.json`).
 * Nothing in it is sent to the vendor, which issued it; its personal part (a
 * sole trader's legal entity is a person's name) is kept encrypted by the
 * vendor's license store.
 */

/** The contract's own license id, as the `x-telemetry-license-id` header carries it. */
const licenseIdHeader = HeadersV1.properties['x-telemetry-license-id'];
/** The names a report's `featuresUsed` may hold. */
const featureName = TelemetryV1.properties.featuresUsed.items;

/** A UTC midnight spelled `YYYY-MM-DDT00:00:00Z`, as the contract spells window bounds. */
const UTC_MIDNIGHT_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$';

export const LicenseRecord = Type.Object(
  {
    licenseId: Type.String({
      pattern: licenseIdHeader.pattern,
      maxLength: licenseIdHeader.maxLength,
      description: 'The license id, exactly as the x-telemetry-license-id header of every report of this license carries it.',
    }),
    legalEntity: Type.String({
      // Any printable text of at most 256 characters: no control character, no lone surrogate.
      pattern: '^[^\\p{Cc}\\p{Cs}]*$',
      minLength: 1,
      maxLength: 256,
      description:
        'The legal entity the license is granted to, as named in the license agreement. The customer header of every report is this name, percent-encoded as encodeURIComponent writes it, or its mask anon-<hex>-<length>. A sole trader\'s name is a person\'s name: the vendor\'s license store keeps it encrypted.',
    }),
    features: Type.Array(Type.String({ pattern: featureName.pattern, maxLength: featureName.maxLength }), {
      maxItems: 256,
      uniqueItems: true,
      description: 'The features the license grants: a report names only these in featuresUsed; any other name is refused by the uploader before it is queued, and by the ingest endpoint.',
    }),
    contractEnd: Type.Optional(
      Type.String({
        format: 'date-time',
        pattern: UTC_MIDNIGHT_PATTERN,
        minLength: 20,
        maxLength: 20,
        description:
          'The instant the contract ends, a UTC midnight (the first day it no longer covers). Fields kept "until the contract ends" are erased the stated time after it. Absent while the contract has no end date.',
      }),
    ),
    dataRegion: Type.String({
      pattern: '^[a-z][a-z0-9]{1,15}(-[a-z0-9]{1,16}){0,3}$',
      maxLength: 64,
      description: 'The data region agreed with the customer (eu, us-east…). The vendor\'s store stamps it on every report of the license; it is never read from a request.',
    }),
  },
  {
    additionalProperties: false,
    title: 'LicenseRecord',
    description: 'What a license allows a report to say: shipped with the license to the installation, and held by the vendor\'s license store.',
  },
);

export type LicenseRecord = Static<typeof LicenseRecord>;

/** What the contract says about the license record: its schema, and where a report names features. */
export const license = {
  source: 'schema/license.ts',
  record: LicenseRecord,
  /**
   * JSON Pointers to the lists of feature names in a report, of any version that has them: each name
   * there must be one of the record's `features`.
   */
  featurePaths: ['/featuresUsed'],
} as const;
