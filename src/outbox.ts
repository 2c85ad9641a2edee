/**
 * telemetry-contract/outbox: the durable uploader for Node.js. Windows are
 * stored in an outbox folder before anything is sent and leave it only when
 * the server has them; a transmission log, a health state and an operator
 * CLI (`telemetry-outbox`) come with it. Uses `node:fs`, unlike the
 * WebCrypto-only entries.
 *
 * @example
 * import { openOutbox } from 'telemetry-contract/outbox';
 * const license = JSON.parse(readFileSync('/etc/aster/license.json', 'utf8')); // the record shipped with the license
 * const outbox = await openOutbox({ dir: '/var/lib/aster/telemetry', version: 1, license, signingSecrets: [secret], baseUrl });
 * await outbox.enqueue(counts);
 * setInterval(() => void outbox.flush(), 60 * 60 * 1000);
 */
export {
  DEFAULT_LOCK_WAIT_MS,
  DEFAULT_MAX_PENDING,
  DEFAULT_OUTBOX_RETRIES,
  DEFAULT_RETENTION_DAYS,
  type DueResult,
  type EnqueueDueResult,
  type EnqueueResult,
  type ExportResult,
  type FlushResult,
  type FlushedWindow,
  type ImportResult,
  type ImportedWindow,
  type OfflineWindow,
  type OpenReport,
  type Outbox,
  OutboxError,
  type OutboxFailure,
  type OutboxOptions,
  type OutboxStatus,
  type QueuedWindow,
  RETENTION_DAYS,
  type RetentionDays,
  type ResolveResult,
  type RetryResult,
  type WindowCounts,
  openOutbox,
} from './outbox/outbox.js';
export { DEFAULT_WARN_AFTER_DAYS, HEALTH_STATES, type Health, type HealthState } from './outbox/health.js';
export { RECORD_FORMAT, type Delivery, type OutboxRecord, type RecordProblem, type RecordState, type Window } from './outbox/record.js';
export type { LogEntry, LoggedAttempt, Outcome } from './outbox/transmission-log.js';
export type { HeldLock, LockHolder, LockResult, OutboxStorage, RecordList, UnreadableRecord } from './outbox/storage.js';
export { type FileStorage, type FileStorageOptions, type FolderReport, type OutboxSettings, fileStorage } from './outbox/file-storage.js';
export type { PreviewResult, ShowResult } from './outbox/inspect.js';
export type { ShownState, WindowView } from './outbox/show.js';
export type { ConnectionDiagnosis, ConnectionTestResult, VersionFallback } from './uploader/connection-test.js';
export type { CurrentVersion, KnownVersion, TelemetryCounts } from './uploader/payload.js';
export type { DueWindow, ReportingFrequency, ReportingWindow } from './uploader/windows.js';
export { type LicenseRecord, validateLicenseRecord } from './contract/license.js';
export type { WireError } from './contract/wire-errors.js';
