/**
 * outbox/: the durable uploader for uploader teams on Node.js: the outbox
 * (this file, its main one), its folder on disk, its transmission log, its
 * health, and the `telemetry-outbox` command (./bin.ts, ./cli.ts). Imports
 * uploader/, wire/ and contract/; imported by the `telemetry-contract/outbox`
 * entry; never imports server/ or store/.
 *
 * The durable uploader: windows go into an outbox before anything is sent,
 * and leave it only when the server has them (or has refused them for good).
 * A scheduler calls `flush`; a restart, a dead network or a killed process
 * loses nothing, because every window is on the disk before `enqueue`
 * returns its message id and the server stores a window once, however often
 * it arrives.
 */
import type { ConnectionTestResult } from '../uploader/connection-test.js';
import { encryptionKeyId } from '../wire/jwe.js';
import { checkCustomerName } from '../wire/mask.js';
import { type KnownVersion, type TelemetryCounts, versionRequired } from '../uploader/payload.js';
import { type CreateRequestOptions, createRequestAs, createTelemetryRequest, restoreTelemetryRequest } from '../uploader/request.js';
import { customerHeaderOf } from '../uploader/sender.js';
import { sendTelemetry } from '../uploader/send.js';
import { DEFAULT_FREQUENCY, type DueWindow, dueWindows } from '../uploader/windows.js';
import { compareInstantTexts } from '../contract/instant.js';
import { messageId as messageIdOf } from '../wire/dedupe.js';
import { wireError } from '../contract/wire-errors.js';
import { writeNewFile } from './durable-file.js';
import { OutboxError, type OutboxFailure, errnoOf, storageFailure } from './errors.js';
import { type FileStorage, type FolderReport, type OutboxSettings, fileStorage } from './file-storage.js';
import { type Health, assessHealth } from './health.js';
import { type InspectContext, type PreviewResult, type ShowResult, previewWindow, showNext, showWindow, testOutboxConnection } from './inspect.js';
import type { WindowView } from './show.js';
import { DEFAULT_LOCK_WAIT_MS, DEFAULT_OUTBOX_RETRIES, type OutboxOptions, type RetentionDays, checkOptions, invalidOption, resolveSettings, withLicense } from './options.js';
import { type OutboxRecord, type RecordProblem, type RecordState, type Window, isFormFixed, isMessageId, newestWindow, recordOf, windowsOverlap } from './record.js';
import type { HeldLock, LockHolder, OutboxStorage, RecordList, UnreadableRecord } from './storage.js';
import { type LogEntry, type Outcome, entryOf, entryOfSend, oneLine } from './transmission-log.js';
import { type ExportResult, type ImportResult, type OfflineContext, exportWindows, importReceipt, sendCorrection } from './offline.js';
import { type ResolveResult, discardWindow, supersedeWindow } from './resolve.js';
import { classifySend } from './verdict.js';

export { OutboxError, type OutboxFailure } from './errors.js';
export type { ExportResult, ImportResult, ImportedWindow, OfflineWindow } from './offline.js';
export type { ResolveResult } from './resolve.js';
export {
  DEFAULT_LOCK_WAIT_MS,
  DEFAULT_MAX_PENDING,
  DEFAULT_OUTBOX_RETRIES,
  DEFAULT_RETENTION_DAYS,
  type OutboxOptions,
  RETENTION_DAYS,
  type RetentionDays,
} from './options.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type EnqueueResult =
  | {
      readonly ok: true;
      readonly messageId: string;
      readonly window: Window;
      /** True when the outbox already held this window with the same bytes: nothing changed. */
      readonly duplicate: boolean;
      readonly state: RecordState;
    }
  | { readonly ok: false; readonly error: OutboxFailure };

/** What the application measured for one window: its counts without the window's bounds, which the schedule decides. */
export type WindowCounts<V extends KnownVersion> = Omit<TelemetryCounts<V>, 'periodStart' | 'periodEnd'>;

/** A window `enqueueDue` queued: the window and its send moment, its message id, and whether the outbox already held it. */
export interface QueuedWindow {
  readonly window: DueWindow;
  readonly messageId: string;
  readonly duplicate: boolean;
}

export type EnqueueDueResult =
  | {
      readonly ok: true;
      /** The windows due, oldest first, each now in the outbox (none when nothing is due). */
      readonly queued: readonly QueuedWindow[];
      /** The next window of the schedule and its send moment: call `enqueueDue` again then. */
      readonly next: DueWindow;
    }
  | {
      readonly ok: false;
      /** The windows queued before the failure; the rest stay due and are queued by the next call. */
      readonly queued: readonly QueuedWindow[];
      readonly error: OutboxFailure;
    };

/** The windows due now and the next one (`dueWindows`), or why they cannot be told. */
export type DueResult = { readonly ok: true; readonly windows: readonly DueWindow[]; readonly next: DueWindow } | { readonly ok: false; readonly error: OutboxFailure };

/** A window as a flush left it. */
export interface FlushedWindow {
  readonly messageId: string;
  readonly window: Window;
  readonly outcome: Outcome;
  readonly status?: number;
  readonly rule?: string;
  readonly message?: string;
}

export interface FlushResult {
  /** True when every waiting window was delivered (or nothing waited). */
  readonly ok: boolean;
  readonly delivered: readonly FlushedWindow[];
  /** Refused for good by this flush: see `retry`. */
  readonly failed: readonly FlushedWindow[];
  /** Still pending: not delivered this time, or not tried because the round stopped. */
  readonly pending: readonly FlushedWindow[];
  /** Why the flush did not run or stopped: `busy`, `disabled`, `not-configured`, `storage-write`, `lock-lost`… */
  readonly error?: OutboxFailure;
}

export type RetryResult = { readonly ok: true; readonly messageId: string; readonly window: Window; readonly state: RecordState } | { readonly ok: false; readonly error: OutboxFailure };

export interface OutboxStatus {
  readonly location: string;
  readonly enabled: boolean;
  readonly pending: number;
  readonly failed: number;
  /** Delivered windows still kept (within the retention period). */
  readonly delivered: number;
  /** Windows an administrator discarded, still kept (within the retention period). */
  readonly discarded: number;
  /** Pending windows exported in an offline bundle whose receipt has not been imported yet (they are pending too). */
  readonly exported: number;
  /** Record files that could not be read (file storage: set aside in corrupt/ and kept for the retention period). */
  readonly unreadable: number;
  /** Each of them: where it is and what is wrong, `<name>: <what is wrong> (record-corrupt)`. */
  readonly unreadableRecords: readonly UnreadableRecord[];
  readonly retentionDays: RetentionDays;
  readonly maxPending: number;
  readonly baseUrl?: string;
  /** The last delivery the outbox remembers. */
  readonly lastSuccess?: { readonly at: string; readonly messageId: string; readonly window: Window };
  /** The newest transmission log entry. */
  readonly lastAttempt?: { readonly time: string; readonly messageId: string; readonly outcome: Outcome; readonly status?: number; readonly rule?: string };
  readonly oldestPending?: { readonly messageId: string; readonly window: Window; readonly enqueuedAt: string; readonly attempts: number; readonly lastError?: RecordProblem };
  /** Every refused window, oldest first: what `retry` takes. */
  readonly failedWindows: ReadonlyArray<{ readonly messageId: string; readonly window: Window; readonly failure?: RecordProblem }>;
}

/** What opening found and did. */
export interface OpenReport {
  readonly writable: boolean;
  /** Temporary files of killed writers, removed. */
  readonly tempFilesRemoved: number;
  /** Record files that could not be read, set aside (file storage: moved to corrupt/). */
  readonly setAside: readonly string[];
  readonly purged: { readonly records: number; readonly logEntries: number };
}

/** An open outbox; `V` is the version its windows are built in (`never` when the application named none: it cannot enqueue). */
export interface Outbox<V extends KnownVersion = never> {
  /** The folder, or the storage's own location. */
  readonly location: string;
  /** What opening found: left-over temporary files removed, unreadable records set aside, entries purged. */
  readonly opened: OpenReport;
  /**
   * Builds the window exactly as `createTelemetryRequest` does (validation,
   * masking) and stores it durably before returning its message id. The same
   * window with the same bytes again changes nothing (`duplicate: true`); with
   * other counts it is refused (`window-conflict`).
   */
  enqueue(counts: NoInfer<TelemetryCounts<V>>): Promise<EnqueueResult>;
  /**
   * Queues every window of the schedule (`frequency`) now due, oldest first, with the counts
   * `countsFor` gives for each: from the end of the newest window in the outbox (queued, refused or
   * delivered), one window per missed period, older ones in one catch-up window beyond 31, and
   * each only once its send moment has come (02:00 UTC on the day it ends, plus this license's
   * offset within the hour). Stops at the first window that cannot be queued; that one and the
   * rest are due again at the next call. What a scheduler calls, then `flush`.
   */
  enqueueDue(countsFor: (window: DueWindow) => NoInfer<WindowCounts<V>> | Promise<NoInfer<WindowCounts<V>>>): Promise<EnqueueDueResult>;
  /**
   * The windows `enqueueDue` would queue now, and the next one, without queuing anything or asking for
   * counts: for a scheduler that sleeps until `next.sendAt`, or an application that builds its windows
   * elsewhere. Needs the license id (given, or saved in outbox.json).
   */
  due(): Promise<DueResult>;
  /** Sends the waiting windows, oldest first ("send now"; what a scheduler calls). Never throws. */
  flush(): Promise<FlushResult>;
  /** Puts a refused window back in the queue for the next flush. */
  retry(messageId: string): Promise<RetryResult>;
  /**
   * Gives up a refused window, with a reason kept in the transmission log (1 to 500 characters): it is
   * `discarded`, counts no longer as refused, and health recovers.
   */
  discard(messageId: string, options: { readonly reason: string }): Promise<ResolveResult>;
  /**
   * Puts a window refused with `409 window-conflict` back as a reviewed correction of the report the
   * server stored (the digest its answer named), with a reason kept in the log. The next flush posts it
   * to the server's bundle endpoint, or the next export carries it; the server's signed receipt says
   * whether it took it. Needs `receiptKeys`.
   */
  supersede(messageId: string, options: { readonly reason: string }): Promise<ResolveResult>;
  /**
   * The waiting windows, oldest first (at most 1,000), as an offline bundle signed with the signing
   * secrets: its text, written to `file` (a new file) when given. The windows stay pending and are marked
   * exported; `importReceipt` settles them, and a flush may still send them (the server stores a window once).
   */
  exportBundle(options?: { readonly file?: string }): Promise<ExportResult>;
  /**
   * Imports the receipt the vendor's server answered to a bundle (its parsed JSON): verified with
   * `receiptKeys`, then exactly the windows it names are marked delivered, refused, or left waiting.
   */
  importReceipt(receipt: unknown): Promise<ImportResult>;
  /** The transmission log, newest first: entries from `since` on, at most `limit` (default 100). */
  history(options?: { readonly since?: Date | string | number; readonly limit?: number }): Promise<readonly LogEntry[]>;
  /** One of five states and the reason. */
  health(now?: Date | number): Promise<Health>;
  /** Counts of waiting and refused windows, the last success, the refused windows. */
  status(): Promise<OutboxStatus>;
  /**
   * What `enqueue` would store and send for these counts, without storing anything: the body exactly as
   * sent and every header but the signature. For an application's own settings page ("what do we send?").
   */
  preview(counts: NoInfer<TelemetryCounts<V>>): Promise<PreviewResult>;
  /** A window of the outbox as it travels (body, headers but the signature), and where it stands. */
  show(messageId: string): Promise<ShowResult>;
  /** The window the next flush sends first, or no `view` when none waits. */
  showNext(): Promise<{ readonly ok: true; readonly view?: WindowView } | { readonly ok: false; readonly error: OutboxFailure }>;
  /**
   * "Is the connection right?": one signed probe, sent as this outbox sends its windows (address, license,
   * customer header, secrets, version, encryption); the server verifies it like a report and stores nothing.
   * Needs the signing secrets. Never throws; the result names the cause (`connected`, `unreachable`,
   * `signature-refused`, `clock-skew`, `version-not-accepted`, `deprecated`…).
   */
  testConnection(): Promise<ConnectionTestResult>;
}

const unreadableOf = (listed: RecordList): UnreadableRecord[] => [...listed.unreadable, ...(listed.setAside ?? [])];

/** Oldest queued first; of windows queued in one millisecond (enqueueDue catching up), the earlier window first. */
const byAge = (a: OutboxRecord, b: OutboxRecord) => a.enqueuedAt.localeCompare(b.enqueuedAt) || (compareInstantTexts(a.window.start, b.window.start) ?? 0) || a.messageId.localeCompare(b.messageId);

/**
 * Opens (or creates) an outbox. Throws an `OutboxError` for bad options or a
 * folder that cannot be used; removes temporary files of killed writers, sets
 * unreadable records aside, and purges what is past retention. Windows are
 * built in the version the application names (`version`), or else in the one
 * the folder was created with (outbox.json): never in a default that moves
 * when the package is upgraded. Without either, `enqueue` refuses
 * (`version-required`).
 *
 * @example
 * const outbox = await openOutbox({ dir: '/var/lib/aster/telemetry', version: 1, license, signingSecrets: [secret], baseUrl });
 * const queued = await outbox.enqueue(counts); // durable once it resolves
 * if (!queued.ok) log.error(queued.error.message);
 * // the scheduler, every tick:
 * const sent = await outbox.flush();
 */
export async function openOutbox<V extends KnownVersion = never>(given: OutboxOptions & { readonly version?: V }): Promise<Outbox<V>> {
  const options = withLicense(given);
  const secrets = checkOptions(options);
  const storage: OutboxStorage = options.storage ?? fileStorage(options.dir!, options.lockStaleMs !== undefined ? { lockStaleMs: options.lockStaleMs } : {});
  const files = options.storage === undefined ? (storage as FileStorage) : undefined;
  const location = storage.location;
  const now = options.now ?? Date.now;
  const iso = (ms = now()) => new Date(ms).toISOString();

  let folder: FolderReport = { writable: true, tempFilesRemoved: 0 };
  let saved: OutboxSettings | undefined;
  if (files !== undefined) {
    try {
      folder = await files.prepare();
    } catch (error) {
      const failure = storageFailure(location, error, 'write');
      throw new OutboxError(failure.message, failure.rule);
    }
    try {
      saved = await files.readSettings();
    } catch (error) {
      throw new OutboxError((error as Error).message, errnoOf(error) ? 'storage-read' : 'settings-file');
    }
  }
  const settings = resolveSettings(options, saved, files ? `${location}/outbox.json` : 'the options');
  let storageProblem: string | undefined;
  // Whether the installation can sign, for health in a process that holds no secret (the operator CLI): a count, never a secret.
  const signingKeys = secrets.length > 0 ? secrets.length : (saved?.signingKeys ?? 0);
  // Who sends, as sent (the customer's mask when masking is on): the command tests the connection as the application.
  const customerHeader =
    options.customer !== undefined && secrets.length > 0 && checkCustomerName(options.customer) === undefined ? await customerHeaderOf({ ...options, customer: options.customer }, secrets) : saved?.customerHeader;
  const licenseId = options.licenseId ?? saved?.licenseId;
  const encrypt = options.encrypt ?? saved?.encrypt ?? false;
  // The installation's version: what the application names, else what the folder was created with. Never a default.
  const sendsVersion: number | undefined = options.version ?? saved?.schemaVersion;
  const receiptKeys: readonly string[] = options.receiptKeys ?? saved?.receiptKeys ?? [];
  // Kept for the command: the features the record declares, so its enqueue refuses the others (the legal entity stays out of the folder).
  const licensedFeatures = options.license !== undefined ? [...options.license.features] : options.licenseId === undefined ? saved?.licensedFeatures : undefined;
  // An application given an encryption key of its own leaves the key's id in outbox.json: another process (the command)
  // must bring that very key, not derive one from the signing secret, which the server would not decrypt.
  const givenKeyId = options.encryptionKey !== undefined ? encryptionKeyId(options.encryptionKey) : undefined;
  if (options.encrypt === undefined && givenKeyId !== undefined && saved?.encryptionKeyId !== undefined && givenKeyId !== saved.encryptionKeyId) {
    throw invalidOption('encryptionKey', `is not the key the application encrypts with (its key id is ${saved.encryptionKeyId}, this one's ${givenKeyId})`);
  }
  const lacksOwnKey = encrypt && givenKeyId === undefined && saved?.encryptionKeyId !== undefined ? `encryptionKey (the application's own, key id ${saved.encryptionKeyId})` : undefined;
  const persisted: OutboxSettings = {
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.allowHttpLoopback ? { allowHttpLoopback: true } : {}),
    retentionDays: settings.retentionDays,
    maxPending: settings.maxPending,
    enabled: settings.enabled,
    ...(signingKeys > 0 ? { signingKeys } : {}),
    ...(licenseId !== undefined ? { licenseId } : {}),
    ...(customerHeader !== undefined ? { customerHeader } : {}),
    ...(sendsVersion !== undefined ? { schemaVersion: sendsVersion } : {}),
    ...(encrypt ? { encrypt } : {}),
    ...(encrypt && givenKeyId !== undefined ? { encryptionKeyId: givenKeyId } : encrypt && saved?.encryptionKeyId !== undefined ? { encryptionKeyId: saved.encryptionKeyId } : {}),
    ...(receiptKeys.length > 0 ? { receiptKeys: [...receiptKeys] } : {}),
    ...(licensedFeatures !== undefined ? { licensedFeatures } : {}),
  };
  if (files !== undefined && folder.writable && options.saveSettings !== false && JSON.stringify(persisted) !== JSON.stringify(saved)) {
    await files.writeSettings(persisted).catch((error: unknown) => {
      storageProblem = storageFailure(location, error, 'write').message;
    });
  }

  const buildOptions = (): CreateRequestOptions => ({
    licenseId: options.licenseId!,
    customer: options.customer!,
    ...(options.license !== undefined ? { license: options.license } : {}),
    signingSecrets: secrets,
    ...(options.maskCustomer !== undefined ? { maskCustomer: options.maskCustomer } : {}),
    ...(options.maskEnvVariable !== undefined ? { maskEnvVariable: options.maskEnvVariable } : {}),
    ...(options.maskKey !== undefined ? { maskKey: options.maskKey } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.acceptedVersions !== undefined ? { acceptedVersions: options.acceptedVersions } : {}),
    now,
  });

  /**
   * What this process lacks to send; for health, secrets another process of the installation holds count,
   * and an installation with receipt keys but no address delivers by offline bundles.
   */
  const missingToSend = (installation = false): string[] => [
    ...(settings.baseUrl === undefined && !(installation && receiptKeys.length > 0) ? [installation ? 'baseUrl (or receiptKeys, to deliver by offline bundles)' : 'baseUrl'] : []),
    ...(secrets.length === 0 && !(installation && signingKeys > 0) ? ['signingSecrets'] : []),
    ...(lacksOwnKey !== undefined && !installation ? [lacksOwnKey] : []),
  ];

  /** Runs storage work, turning a thrown failure into an OutboxFailure and remembering write failures for health. */
  async function guarded<T>(doing: 'read' | 'write', work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: OutboxFailure }> {
    try {
      const value = await work();
      if (doing === 'write') storageProblem = undefined;
      return { ok: true, value };
    } catch (error) {
      const failure = storageFailure(location, error, doing);
      if (doing === 'write') storageProblem = failure.message;
      return { ok: false, error: failure };
    }
  }

  /** Deletes what is past retention and sets unreadable records aside; the caller holds the lock. */
  async function housekeeping(): Promise<{ setAside: string[]; records: number; logEntries: number }> {
    const cutoff = now() - settings.retentionDays * DAY_MS;
    const listed = await storage.list();
    // The newest window stays whatever its age: the schedule resumes where it ends (enqueueDue), even after a long downtime.
    const newest = newestWindow(listed.records);
    const settledAt = (r: OutboxRecord) => (r.state === 'delivered' ? r.delivered?.at : r.state === 'discarded' ? r.discarded?.at : undefined);
    const expired = listed.records.filter((r) => r !== newest && settledAt(r) !== undefined && Date.parse(settledAt(r) ?? r.enqueuedAt) < cutoff).map((r) => r.messageId);
    if (expired.length > 0) await storage.remove(expired);
    const logEntries = await storage.pruneLog(iso(cutoff));
    const setAside = listed.unreadable.map((u) => u.name);
    if (setAside.length > 0 && storage.setAside) await storage.setAside(setAside);
    if (files !== undefined) await files.pruneSetAside(iso(cutoff));
    return { setAside, records: expired.length, logEntries };
  }

  // Opening cleans up when nobody else is flushing; otherwise the flusher does it.
  let opened: OpenReport = { writable: folder.writable, tempFilesRemoved: folder.tempFilesRemoved, setAside: [], purged: { records: 0, logEntries: 0 } };
  if (folder.writable) {
    const cleaned = await guarded('write', async () => {
      const taken = await storage.lock();
      if (!taken.ok) return undefined;
      try {
        return await housekeeping();
      } finally {
        await taken.lock.release();
      }
    });
    if (cleaned.ok && cleaned.value) opened = { ...opened, setAside: cleaned.value.setAside, purged: { records: cleaned.value.records, logEntries: cleaned.value.logEntries } };
  }

  // One operation at a time per outbox object; across processes the lock decides.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const busy = (holder: LockHolder): OutboxFailure => ({
    rule: 'busy',
    message: `${location}: another flush is running${holder.pid !== undefined ? ` (process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.since ? ` since ${holder.since}` : ''})` : ''} (busy); it sends the waiting windows, try again when it ends`,
    holder,
  });

  // A folder set up for an application that is not Node.js (`telemetry-outbox init`) says who sends: the license id, the
  // customer header as masking made it (never the name) and the version; the process brings only the secrets.
  const savedSender = options.licenseId === undefined && options.customer === undefined && saved?.licenseId !== undefined && saved.customerHeader !== undefined && saved.schemaVersion !== undefined
      ? { licenseId: saved.licenseId, customerHeader: saved.customerHeader, ...(saved.licensedFeatures !== undefined ? { licensedFeatures: saved.licensedFeatures } : {}) }
      : undefined;

  // Queuing runs one at a time per outbox object, apart from flushes: the overlap check and the insert it guards must not interleave.
  let queuing: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queuing.then(work, work);
    queuing = next.catch(() => undefined);
    return next;
  };

  /** Why no window can be built now, if so. */
  function cannotBuild(where: string): OutboxFailure | undefined {
    if (!settings.enabled) return wireError(location, 'telemetry is switched off (enabled: false); nothing was queued', 'disabled');
    const missing = [...(options.licenseId === undefined && savedSender === undefined ? ['licenseId'] : []), ...(options.customer === undefined && savedSender === undefined ? ['customer'] : []), ...(secrets.length === 0 ? ['signingSecrets'] : [])];
    if (missing.length > 0) return wireError(where, `${missing.join(', ')} must be given to openOutbox to build a window`, 'not-configured');
    if (sendsVersion === undefined) return versionRequired('openOutbox');
    return undefined;
  }

  async function enqueueOnce(counts: NoInfer<TelemetryCounts<V>>): Promise<EnqueueResult> {
    const blocked = cannotBuild('enqueue');
    if (blocked !== undefined) return { ok: false, error: blocked };
    const built =
      savedSender !== undefined
        ? await createRequestAs(savedSender, counts, { version: sendsVersion!, signingSecrets: secrets, now })
        : await createTelemetryRequest(counts as TelemetryCounts<1>, { ...buildOptions(), version: sendsVersion as 1 });
    if (!built.ok) return { ok: false, error: built.error };
    const record = recordOf(built.request, iso());
    const stored = await guarded('write', async () => {
      const existing = await storage.get(record.messageId);
      if (existing !== undefined) return existing;
      const listed = await storage.list();
      // The same window queued under the other customer form (masking was switched since) is the same window.
      const sameWindow = listed.records.find((r) => r.dedupeKey === record.dedupeKey);
      if (sameWindow !== undefined) return sameWindow;
      // Another window sharing an instant with this one is refused; the same window is the insert's to decide, atomically.
      // A discarded window is neither queued nor delivered: its time may be reported again.
      const overlapping = listed.records.find((r) => r.messageId !== record.messageId && r.state !== 'discarded' && windowsOverlap(r.window, record.window));
      if (overlapping !== undefined) return { overlapping };
      const waiting = listed.records.filter((r) => r.state !== 'delivered').length;
      if (waiting >= settings.maxPending) return 'full' as const;
      return storage.insert(record);
    });
    if (!stored.ok) return { ok: false, error: { ...stored.error, messageId: record.messageId } };
    const existing = stored.value;
    if (existing === 'full') {
      return {
        ok: false,
        error: {
          rule: 'queue-full',
          message: `${location}: ${settings.maxPending} windows already wait, pending or refused, the limit (queue-full); nothing was added. Flush (is the server reachable?), retry or inspect refused windows, or raise maxPending`,
          messageId: record.messageId,
        },
      };
    }
    if (existing !== undefined && 'overlapping' in existing) {
      const other = existing.overlapping;
      return {
        ok: false,
        error: {
          rule: 'window-overlap',
          message: `${record.dedupeKey}: overlaps the window ${other.window.start} to ${other.window.end} already in the outbox (${other.messageId}, ${other.state}) (window-overlap); nothing was queued. Windows are half-open and never share an instant: report only the time no window covers`,
          messageId: record.messageId,
        },
      };
    }
    if (existing === undefined) return { ok: true, messageId: record.messageId, window: record.window, duplicate: false, state: 'pending' };
    if (existing.bodySha256 === record.bodySha256) return { ok: true, messageId: existing.messageId, window: record.window, duplicate: true, state: existing.state };
    const since = existing.state === 'delivered' ? `delivered ${existing.delivered?.at ?? ''}` : `${existing.state} since ${existing.enqueuedAt}`;
    return {
      ok: false,
      error: {
        rule: 'window-conflict',
        message: `${record.dedupeKey}: this window is already in the outbox (${existing.messageId}, ${since}) with other counts (window-conflict); the server keeps the first copy of a window and refuses another (409 window-conflict). Report the difference in a later window`,
        messageId: existing.messageId,
      },
    };
  }

  /** The windows of the schedule due now after the newest window in the outbox, and the next one. */
  async function dueNow(where: string): Promise<DueResult> {
    if (licenseId === undefined) return { ok: false, error: wireError(where, 'licenseId must be given to openOutbox (or saved in outbox.json by the application) to place the installation\'s send moment', 'not-configured') };
    const listed = await guarded('read', () => storage.list());
    if (!listed.ok) return listed;
    const last = newestWindow(listed.value.records);
    const due = dueWindows({
      frequency: options.frequency ?? DEFAULT_FREQUENCY,
      licenseId,
      ...(last !== undefined ? { last: { periodStart: last.window.start, periodEnd: last.window.end } } : {}),
      now: now(),
    });
    if (due.ok) return due;
    return { ok: false, error: { rule: due.error.rule, message: `${location}: the newest window in the outbox (${last!.messageId}) ends ${JSON.stringify(last!.window.end)}, which is no UTC date-time, so no window of the schedule can follow it (${due.error.rule}); the record is damaged: discard it` } };
  }

  async function enqueueDueOnce(countsFor: (window: DueWindow) => NoInfer<WindowCounts<V>> | Promise<NoInfer<WindowCounts<V>>>): Promise<EnqueueDueResult> {
    const queued: QueuedWindow[] = [];
    const stop = (error: OutboxFailure): EnqueueDueResult => ({ ok: false, queued, error });
    const blocked = cannotBuild('enqueueDue');
    if (blocked !== undefined) return stop(blocked);
    const due = await dueNow('enqueueDue');
    if (!due.ok) return stop(due.error);
    for (const window of due.windows) {
      let counts: WindowCounts<V>;
      try {
        counts = await countsFor(window);
      } catch (error) {
        return stop(wireError('countsFor', `threw for the window ${window.periodStart} to ${window.periodEnd}: ${oneLine((error as Error)?.message ?? String(error))}; it is due again at the next call`, 'counts-callback'));
      }
      const result = await enqueueOnce({ ...counts, periodStart: window.periodStart, periodEnd: window.periodEnd } as unknown as TelemetryCounts<V>);
      if (!result.ok) return stop(result.error);
      queued.push({ window, messageId: result.messageId, duplicate: result.duplicate });
    }
    return { ok: true, queued, next: due.next };
  }

  /**
   * The customer header the masking setting asks for now: worked out afresh from the options (the
   * environment is read now), or, in a process without the customer's name (the command), the header
   * the application saved when it opened the outbox.
   */
  const customerHeaderNow = async (): Promise<string | undefined> =>
    options.customer !== undefined && secrets.length > 0 && checkCustomerName(options.customer) === undefined ? customerHeaderOf({ ...options, customer: options.customer }, secrets) : customerHeader;

  /**
   * Fixes a window's customer header for good, just before its first send: the header the masking
   * setting asks for now, written to the storage before anything goes out, so no window ever travels
   * in two forms. A window queued in the other form gets the new one and, as the message id binds the
   * header, a new message id; the log says so (`re-formed`). Undefined when the window is already
   * queued under the new id: that record is sent instead, and this one removed.
   */
  async function fixForm(record: OutboxRecord): Promise<OutboxRecord | undefined> {
    const at = iso();
    const form = (await customerHeaderNow()) ?? record.customer;
    if (form === record.customer) {
      const fixed = { ...record, formFixedAt: at };
      await storage.replace(fixed);
      return fixed;
    }
    const id = await messageIdOf(record.dedupeKey, form);
    const fixed: OutboxRecord = { ...record, messageId: id, customer: form, formFixedAt: at };
    await storage.appendLog([
      entryOf(record, 're-formed', at, {
        rule: 'masking-changed',
        message: `queued ${record.enqueuedAt} under the customer header of that time; the masking setting now asks for the other form, so the window goes out in it, as ${id}`,
      }),
    ]);
    const existing = await storage.insert(fixed);
    await storage.remove([record.messageId]);
    return existing === undefined ? fixed : undefined;
  }

  async function flushOnce(): Promise<FlushResult> {
    const empty = { delivered: [], failed: [], pending: [] };
    if (!settings.enabled) return { ok: false, ...empty, error: wireError(location, 'telemetry is switched off (enabled: false); nothing was sent', 'disabled') };
    const missing = missingToSend();
    if (missing.length > 0) return { ok: false, ...empty, error: wireError('flush', `${missing.join(' and ')} must be given to send`, 'not-configured') };
    const taken = await guarded('write', () => storage.lock());
    if (!taken.ok) return { ok: false, ...empty, error: taken.error };
    if (!taken.value.ok) return { ok: false, ...empty, error: busy(taken.value.holder) };
    const lock: HeldLock = taken.value.lock;
    const delivered: FlushedWindow[] = [];
    const failed: FlushedWindow[] = [];
    const pending: FlushedWindow[] = [];
    const flushed = (record: OutboxRecord, outcome: Outcome, detail: { status?: number; rule?: string; message?: string } = {}): FlushedWindow => ({
      messageId: record.messageId,
      window: record.window,
      outcome,
      ...(detail.status !== undefined ? { status: detail.status } : {}),
      ...(detail.rule !== undefined ? { rule: detail.rule } : {}),
      ...(detail.message !== undefined ? { message: detail.message } : {}),
    });
    let stopped: OutboxFailure | undefined;
    try {
      const cleaned = await guarded('write', housekeeping);
      if (!cleaned.ok) return { ok: false, ...empty, error: cleaned.error };
      const listed = await guarded('read', () => storage.list());
      if (!listed.ok) return { ok: false, ...empty, error: listed.error };
      const waiting = listed.value.records.filter((r) => r.state === 'pending').sort(byAge);
      let index = 0;
      for (; index < waiting.length; index++) {
        let record = waiting[index]!;
        if (!(await lock.stillHeld())) {
          stopped = { rule: 'lock-lost', message: `${location}: another process took the flush lock over, this one was judged dead (lock-lost); the rest is left to it` };
          break;
        }
        if (!isFormFixed(record)) {
          const fixed = await guarded('write', () => fixForm(record));
          if (!fixed.ok) {
            stopped = fixed.error;
            break;
          }
          // Queued again under the new form meanwhile: that record is the window now, and is sent in its turn.
          if (fixed.value === undefined) continue;
          record = fixed.value;
        }
        const time = () => iso();
        let update: OutboxRecord;
        let entry: LogEntry;
        let stopRound = false;
        if (record.supersedes !== undefined) {
          // A correction cannot travel as a live request: it goes to the bundle endpoint, and the signed receipt answers.
          if (receiptKeys.length === 0) {
            const problem: RecordProblem = { at: time(), rule: 'not-configured', message: 'a correction needs receiptKeys to read the server\'s signed answer; it waits' };
            update = { ...record, lastError: problem };
            entry = entryOf(record, 'pending', problem.at, problem);
            pending.push(flushed(record, 'pending', problem));
          } else {
            const sent = await sendCorrection(record, {
              signingSecrets: secrets,
              receiptKeys,
              baseUrl: settings.baseUrl!,
              allowHttpLoopback: settings.allowHttpLoopback,
              now,
              ...(options.fetch ? { fetch: options.fetch } : {}),
              ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
            });
            ({ update, entry, stopRound } = sent);
            (sent.outcome === 'delivered' ? delivered : sent.outcome === 'failed' ? failed : pending).push(flushed(record, sent.outcome, sent.problem ?? (sent.update.delivered ? { status: sent.update.delivered.status } : {})));
          }
        } else {
          const restored = await restoreTelemetryRequest(
            { body: new TextEncoder().encode(record.body), licenseId: record.licenseId, customerHeader: record.customer },
            { signingSecrets: secrets, now, ...(encrypt ? { encrypt: true } : {}), ...(options.encryptionKey !== undefined ? { encryptionKey: options.encryptionKey } : {}) },
          );
          if (!restored.ok) {
            // A stored window this package can no longer send as it is (a retired version, say): refused here, kept for retry after an upgrade.
            const failure: RecordProblem = { at: time(), rule: restored.error.rule, message: oneLine(restored.error.message) };
            update = { ...record, state: 'failed', failure };
            entry = entryOf(record, 'failed', failure.at, failure);
            failed.push(flushed(record, 'failed', failure));
          } else {
            const result = await sendTelemetry(restored.request, {
              baseUrl: settings.baseUrl!,
              allowHttpLoopback: settings.allowHttpLoopback,
              retries: options.retries ?? DEFAULT_OUTBOX_RETRIES,
              now,
              ...(options.fetch ? { fetch: options.fetch } : {}),
              ...(options.delays ? { delays: options.delays } : {}),
              ...(options.sleep ? { sleep: options.sleep } : {}),
              ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
              ...(options.acceptedVersions ? { acceptedVersions: options.acceptedVersions } : {}),
            });
            const at = time();
            const verdict = classifySend(result);
            stopRound = verdict.stopRound;
            entry = entryOfSend(record, result, verdict.outcome, at);
            const counted = { ...record, attempts: record.attempts + result.attempts.length, ...(result.attempts.length > 0 ? { lastAttemptAt: result.attempts[result.attempts.length - 1]!.at } : {}) };
            const { lastError: _lastError, failure: _failure, exported, ...base } = counted;
            if (result.ok) {
              update = {
                ...base,
                state: 'delivered',
                delivered: {
                  at,
                  status: result.status,
                  schemaVersion: result.schemaVersion,
                  ...(result.projection ? { projection: result.projection } : {}),
                  ...(result.deprecation ? { deprecation: result.deprecation } : {}),
                },
              };
              delivered.push(flushed(record, 'delivered', { status: result.status }));
            } else {
              const problem: RecordProblem = {
                at,
                ...(result.status !== undefined ? { status: result.status } : {}),
                rule: result.error.rule,
                message: oneLine(result.error.message),
                ...(result.error.storedDigest !== undefined ? { storedDigest: result.error.storedDigest } : {}),
              };
              // A window exported and not yet answered by a receipt stays marked so while it waits.
              update = verdict.outcome === 'failed' ? { ...base, state: 'failed', failure: problem } : { ...base, ...(exported ? { exported } : {}), state: 'pending', lastError: problem };
              (verdict.outcome === 'failed' ? failed : pending).push(flushed(record, verdict.outcome, problem));
            }
          }
        }
        // The log first: an attempt that happened is on record even if the process dies before the state changes (the window is then sent again, and the server answers 200).
        const written = await guarded('write', async () => {
          await storage.appendLog([entry]);
          await storage.replace(update);
        });
        if (!written.ok) {
          stopped = written.error;
          if (update.state !== 'pending') {
            // The state did not reach the disk: the window stays pending there.
            (update.state === 'delivered' ? delivered : failed).pop();
            pending.push(flushed(record, 'pending', { rule: written.error.rule, message: written.error.message }));
          }
          index++;
          break;
        }
        if (stopRound) {
          index++;
          break;
        }
      }
      for (const record of waiting.slice(index)) pending.push(flushed(record, 'pending', { rule: 'not-tried', message: 'not tried in this flush: an earlier window found the server unreachable or the flush stopped' }));
    } finally {
      await lock.release();
    }
    return {
      ok: stopped === undefined && failed.length === 0 && pending.length === 0,
      delivered,
      failed,
      pending,
      ...(stopped ? { error: stopped } : {}),
    };
  }

  /** Runs `work` holding the flush lock, waiting up to `lockWaitMs` for a running flush to end. */
  async function withLock<T>(work: () => Promise<T>): Promise<T | { readonly ok: false; readonly error: OutboxFailure }> {
    const deadline = Date.now() + (options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    let lock: HeldLock | undefined;
    for (;;) {
      const taken = await guarded('write', () => storage.lock());
      if (!taken.ok) return { ok: false, error: taken.error };
      if (taken.value.ok) {
        lock = taken.value.lock;
        break;
      }
      if (Date.now() >= deadline) return { ok: false, error: busy(taken.value.holder) };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }

  async function retryOnce(messageId: string): Promise<RetryResult> {
    if (!isMessageId(messageId)) return { ok: false, error: wireError('retry', 'the message id must be msg_ followed by 64 lowercase hex digits, as status and history show it', 'unknown-window') };
    return withLock(async () => {
      const found = await guarded('read', () => storage.get(messageId));
      if (!found.ok) return { ok: false, error: found.error };
      const record = found.value;
      if (record === undefined) return { ok: false, error: { ...wireError(messageId, `no window with this id in ${location}`, 'unknown-window'), messageId } };
      if (record.state === 'pending') return { ok: true, messageId, window: record.window, state: 'pending' };
      if (record.state === 'delivered') {
        return { ok: false, error: { ...wireError(messageId, `was delivered ${record.delivered?.at ?? ''}; there is nothing to retry`, 'not-failed'), messageId } };
      }
      const { failure, ...rest } = record;
      const requeued: OutboxRecord = { ...rest, state: 'pending', ...(failure ? { lastError: failure } : {}) };
      const written = await guarded('write', async () => {
        await storage.appendLog([entryOf(record, 'requeued', iso(), failure ? { rule: failure.rule, message: `requeued by an operator after ${failure.status ?? 'no answer'} ${failure.rule}` } : undefined)]);
        await storage.replace(requeued);
      });
      if (!written.ok) return { ok: false, error: written.error };
      return { ok: true, messageId, window: record.window, state: 'pending' } as const;
    });
  }

  const offline: OfflineContext = { location, storage, now, byAge, guarded };

  async function exportOnce(file: string | undefined): Promise<ExportResult> {
    const signer = licenseId;
    if (secrets.length === 0 || signer === undefined) {
      return { ok: false, error: wireError('export', `${[...(signer === undefined ? ['licenseId'] : []), ...(secrets.length === 0 ? ['signingSecrets'] : [])].join(' and ')} must be given to sign a bundle`, 'not-configured') };
    }
    return withLock(async () => {
      // A bundle carries a window to the server as a send does: its customer header is fixed first, the same way.
      const forms = await guarded('write', async () => {
        for (const record of (await storage.list()).records) if (record.state === 'pending' && record.licenseId === signer && !isFormFixed(record)) await fixForm(record);
      });
      if (!forms.ok) return forms;
      return exportWindows(offline, { licenseId: signer, signingSecrets: secrets }, file === undefined ? async () => {} : (text) => writeNewFile(file, text));
    });
  }

  const readOrThrow = async <T>(work: () => Promise<T>): Promise<T> => {
    const read = await guarded('read', work);
    if (!read.ok) throw new OutboxError(read.error.message, read.error.rule);
    return read.value;
  };

  async function history(query: { readonly since?: Date | string | number; readonly limit?: number } = {}): Promise<readonly LogEntry[]> {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new OutboxError(`history: limit must be a positive integer, got ${String(limit)} (invalid-option)`, 'invalid-option');
    const since = query.since === undefined ? Number.NEGATIVE_INFINITY : new Date(query.since).getTime();
    if (Number.isNaN(since)) throw new OutboxError('history: since must be a date, an ISO 8601 time or milliseconds (invalid-option)', 'invalid-option');
    const { entries } = await readOrThrow(() => storage.readLog());
    return entries
      .filter((e) => Date.parse(e.time) >= since)
      .reverse()
      .slice(0, limit);
  }

  async function snapshot() {
    return readOrThrow(async () => ({ listed: await storage.list(), log: (await storage.readLog()).entries }));
  }

  async function health(at?: Date | number): Promise<Health> {
    const { listed, log } = await snapshot();
    return assessHealth({
      now: at === undefined ? now() : new Date(at).getTime(),
      enabled: settings.enabled,
      missing: missingToSend(true),
      records: listed.records,
      unreadable: unreadableOf(listed).length,
      ...(storageProblem !== undefined ? { storageProblem } : {}),
      log,
      ...(options.warnAfterDays !== undefined ? { warnAfterDays: options.warnAfterDays } : {}),
    });
  }

  async function status(): Promise<OutboxStatus> {
    const { listed, log } = await snapshot();
    const records = listed.records;
    const count = (state: RecordState) => records.filter((r) => r.state === state).length;
    const lastDelivered = records.filter((r) => r.delivered).sort((a, b) => Date.parse(b.delivered!.at) - Date.parse(a.delivered!.at))[0];
    const lastLogged = [...log].reverse().find((e) => e.outcome === 'delivered');
    const lastSuccess =
      lastDelivered && (!lastLogged || Date.parse(lastDelivered.delivered!.at) >= Date.parse(lastLogged.time))
        ? { at: lastDelivered.delivered!.at, messageId: lastDelivered.messageId, window: lastDelivered.window }
        : lastLogged
          ? { at: lastLogged.time, messageId: lastLogged.messageId, window: lastLogged.window }
          : undefined;
    const last = log[log.length - 1];
    const oldest = records.filter((r) => r.state === 'pending').sort(byAge)[0];
    return {
      location,
      enabled: settings.enabled,
      pending: count('pending'),
      failed: count('failed'),
      delivered: count('delivered'),
      discarded: count('discarded'),
      exported: records.filter((r) => r.state === 'pending' && r.exported !== undefined).length,
      unreadable: unreadableOf(listed).length,
      unreadableRecords: unreadableOf(listed),
      retentionDays: settings.retentionDays,
      maxPending: settings.maxPending,
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      ...(lastSuccess ? { lastSuccess } : {}),
      ...(last
        ? { lastAttempt: { time: last.time, messageId: last.messageId, outcome: last.outcome, ...(last.status !== undefined ? { status: last.status } : {}), ...(last.rule ? { rule: last.rule } : {}) } }
        : {}),
      ...(oldest
        ? { oldestPending: { messageId: oldest.messageId, window: oldest.window, enqueuedAt: oldest.enqueuedAt, attempts: oldest.attempts, ...(oldest.lastError ? { lastError: oldest.lastError } : {}) } }
        : {}),
      failedWindows: records
        .filter((r) => r.state === 'failed')
        .sort(byAge)
        .map((r) => ({ messageId: r.messageId, window: r.window, ...(r.failure ? { failure: r.failure } : {}) })),
    };
  }

  const inspecting: InspectContext = {
    location,
    storage,
    encrypt,
    read: (work) => guarded('read', work),
    buildOptions: () => {
      const missing = [...(options.licenseId === undefined ? ['licenseId'] : []), ...(options.customer === undefined ? ['customer'] : []), ...(secrets.length === 0 ? ['signingSecrets'] : [])];
      return missing.length > 0 ? { missing } : buildOptions();
    },
    ...(sendsVersion !== undefined ? { version: sendsVersion } : {}),
    byAge,
    now,
  };

  return {
    location,
    opened,
    preview: (counts) => previewWindow(inspecting, counts),
    show: (messageId) => showWindow(inspecting, messageId),
    showNext: () => showNext(inspecting),
    testConnection: () =>
      testOutboxConnection({
        ...(licenseId !== undefined ? { licenseId } : {}),
        ...(options.customer !== undefined ? { customer: { ...options, customer: options.customer } } : {}),
        ...(customerHeader !== undefined ? { customerHeader } : {}),
        signingSecrets: secrets,
        ...(sendsVersion !== undefined ? { version: sendsVersion } : {}),
        encrypt,
        ...(options.encryptionKey !== undefined ? { encryptionKey: options.encryptionKey } : {}),
        ...(lacksOwnKey !== undefined ? { lacking: lacksOwnKey } : {}),
        ...(settings.baseUrl !== undefined ? { baseUrl: settings.baseUrl } : {}),
        allowHttpLoopback: settings.allowHttpLoopback,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        now,
      }),
    enqueue: (counts) => oneAtATime(() => enqueueOnce(counts)),
    enqueueDue: (countsFor) => oneAtATime(() => enqueueDueOnce(countsFor)),
    due: () => dueNow('due'),
    flush: () => serial(flushOnce),
    retry: (messageId) => serial(() => retryOnce(messageId)),
    discard: (messageId, { reason }) => serial(() => withLock(() => discardWindow(offline, messageId, reason))),
    supersede: (messageId, { reason }) => serial(() => withLock(() => supersedeWindow(offline, messageId, reason, receiptKeys.length > 0))),
    exportBundle: (exported = {}) => serial(() => exportOnce(exported.file)),
    importReceipt: (receipt) => serial(() => withLock(() => importReceipt(offline, receipt, { ...(licenseId !== undefined ? { licenseId } : {}), receiptKeys }))),
    history,
    health,
    status,
  };
}
