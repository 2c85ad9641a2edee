// generated from schema/license.ts by `npm run generate`; do not edit

/**
 * What a license allows a report to say: shipped with the license to the installation, and held by the vendor's license store.
 */
export interface LicenseRecord {
  /**
   * The license id, exactly as the x-telemetry-license-id header of every report of this license carries it.
   */
  licenseId: string;
  /**
   * The legal entity the license is granted to, as named in the license agreement. The customer header of every report is this name, percent-encoded as encodeURIComponent writes it, or its mask anon-<hex>-<length>. A sole trader's name is a person's name: the vendor's license store keeps it encrypted.
   */
  legalEntity: string;
  /**
   * The features the license grants: a report names only these in featuresUsed; any other name is refused by the uploader before it is queued, and by the ingest endpoint.
   *
   * @maxItems 256
   */
  features: string[];
  /**
   * The instant the contract ends, a UTC midnight (the first day it no longer covers). Fields kept "until the contract ends" are erased the stated time after it. Absent while the contract has no end date.
   */
  contractEnd?: string;
  /**
   * The data region agreed with the customer (eu, us-east…). The vendor's store stamps it on every report of the license; it is never read from a request.
   */
  dataRegion: string;
}

/** Where a report names features, as JSON Pointers into the payload of any version that has them: each name there must be one of the record's `features`. */
export const featurePaths = ["/featuresUsed"] as const;
