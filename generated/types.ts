// generated from schema/index.ts by `npm run generate`; do not edit
export type { TelemetryV1, TelemetryV1Headers, Telemetry, TelemetryByVersion } from './index.js';
