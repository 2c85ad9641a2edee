/** The HTTP paths of the protocol, shared by both sides. */

/** Where uploaders POST reports. */
export const TELEMETRY_PATH = '/api/v1/telemetry';
/** Where the JSON Schema is served (`?version=N` for another version). */
export const SCHEMA_PATH = '/api/v1/telemetry/schema';
