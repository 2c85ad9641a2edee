/** The HTTP paths of the protocol, shared by both sides. */

/** Where uploaders POST reports. */
export const TELEMETRY_PATH = '/api/v1/telemetry';
/** Where the JSON Schema is served (`?version=N` for another version). */
export const SCHEMA_PATH = '/api/v1/telemetry/schema';
/** Where an offline bundle is uploaded (by hand, or by a flush that sends a correction). */
export const BUNDLE_PATH = '/api/v1/telemetry/bundles';
