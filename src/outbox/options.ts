/**
 * What `openOutbox` takes: the options, their defaults and checks, and the
 * settings outbox.json keeps (an option given wins over the saved value).
 */
import type { LicenseRecord } from '../contract/license.js';
import { type AddressOptions, checkIngestAddress } from '../uploader/address.js';
import type { FetchLike } from '../uploader/send.js';
import { senderIdentity } from '../uploader/sender.js';
import { REPORTING_SCHEDULES, type ReportingFrequency } from '../uploader/windows.js';
import { encryptionKeyId } from '../wire/jwe.js';
import { receiptKeyId } from '../wire/receipt.js';
import { parseSecret } from '../wire/signature.js';
import { OutboxError } from './errors.js';
import type { OutboxSettings } from './file-storage.js';
import type { OutboxStorage } from './storage.js';

/** The local retention settings an operator chooses from, in days. */
export const RETENTION_DAYS = [7, 30, 90, 365] as const;
export type RetentionDays = (typeof RETENTION_DAYS)[number];
export const DEFAULT_RETENTION_DAYS: RetentionDays = 30;
/** Windows that may wait (pending or refused) before `enqueue` refuses more. */
export const DEFAULT_MAX_PENDING = 1000;
/** Attempts after the first within one flush; the outbox keeps the window for the next flush anyway. */
export const DEFAULT_OUTBOX_RETRIES = 2;
/** How long `retry` waits for a running flush to end. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

export interface OutboxOptions extends AddressOptions {
  /** The outbox folder (created 0700). Give this or `storage`. */
  readonly dir?: string;
  /** Another storage than a folder, e.g. the application's database (see `OutboxStorage`). */
  readonly storage?: OutboxStorage;

  /**
   * The license record as the vendor ships it with the license: the license id, the legal entity and the
   * features a report may name. `enqueue` and `preview` refuse counts naming another feature
   * (`feature-not-licensed`) before anything is queued. Give it, or (as before it existed) `licenseId`
   * and `customer`, with which nothing checks the features on this side.
   */
  readonly license?: LicenseRecord;
  /** The license id, from the license. Needed by `enqueue`; taken from `license` when that is given. */
  readonly licenseId?: string;
  /** The legal entity name from the license; stored and sent percent-encoded, or masked. Needed by `enqueue`; taken from `license` when that is given. */
  readonly customer?: string;
  /** `whsec_` secret(s), newest first. Kept in memory only; needed by `enqueue` and `flush`. */
  readonly signingSecrets?: string | readonly string[];
  /** As for `createTelemetryRequest`: mask the customer (default: the environment variable decides). */
  readonly maskCustomer?: boolean;
  readonly maskEnvVariable?: string;
  readonly maskKey?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Versions the server accepts; see `createTelemetryRequest` and `sendTelemetry`. */
  readonly acceptedVersions?: readonly number[];
  /**
   * Send every window encrypted (a JWE, see `createTelemetryRequest`). The outbox keeps the window's JSON
   * as built, and encrypts it afresh, with a new IV, each time it sends it; the key stays in memory.
   */
  readonly encrypt?: boolean;
  /** The 32-byte `whsec_` key to encrypt with; default derived from the first signing secret. */
  readonly encryptionKey?: string;

  /**
   * The reporting schedule `enqueueDue` follows: `daily`, `weekly` (Mondays), `twice-monthly` (the 1st
   * and the 15th, the default) or `monthly` (the 1st). See `dueWindows`.
   */
  readonly frequency?: ReportingFrequency;

  /**
   * The ingest server's origin, e.g. `https://telemetry.vendor.example`: only `https:`, except a loopback
   * address with `allowHttpLoopback` (development). Needed by `flush`; kept in outbox.json for the CLI,
   * with `allowHttpLoopback` when it is set.
   */
  readonly baseUrl?: string;
  /**
   * The vendor's public receipt keys (`ed25519:…`, shipped with the license; several during a rotation):
   * what a bundle's receipt must be signed with. Needed by `importReceipt` and `supersede`; kept in
   * outbox.json. An installation with receipt keys and no `baseUrl` delivers by offline bundles only.
   */
  readonly receiptKeys?: readonly string[];
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Attempts after the first within one flush; default {@link DEFAULT_OUTBOX_RETRIES}. */
  readonly retries?: number;
  readonly delays?: (retry: number) => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly timeoutMs?: number;

  /** Days the log and delivered windows are kept: 7, 30 (default), 90 or 365. Waiting windows are never purged. */
  readonly retentionDays?: RetentionDays;
  /** Most windows waiting (pending or refused); default {@link DEFAULT_MAX_PENDING}. */
  readonly maxPending?: number;
  /** False switches telemetry off: nothing is queued or sent. Default true. */
  readonly enabled?: boolean;
  /** Health turns to `warning` after this many days without a delivery; default 7. */
  readonly warnAfterDays?: number;
  /** A lock untouched this long is taken over; default 60 s. */
  readonly lockStaleMs?: number;
  /** How long `retry` waits for a running flush; default 10 s. */
  readonly lockWaitMs?: number;
  /** Clock in milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** Keep baseUrl, retentionDays, maxPending and enabled in outbox.json for the operator CLI (folder storage only); default true. */
  readonly saveSettings?: boolean;
}

export function invalidOption(name: string, what: string): OutboxError {
  return new OutboxError(`openOutbox: ${name} ${what} (invalid-option)`, 'invalid-option');
}

/** The address checked as every uploader checks it (https: only; no user name or password, since outbox.json keeps it in the clear). */
function checkBaseUrl(value: unknown, where: string, allowHttpLoopback: boolean): string {
  const problem = checkIngestAddress(value, { allowHttpLoopback }, where);
  if (problem !== undefined) throw new OutboxError(`openOutbox: ${problem.message}`, problem.rule);
  return String(value);
}

export interface Settings {
  readonly baseUrl?: string;
  readonly allowHttpLoopback: boolean;
  readonly retentionDays: RetentionDays;
  readonly maxPending: number;
  readonly enabled: boolean;
}

export function resolveSettings(options: OutboxOptions, saved: OutboxSettings | undefined, where: string): Settings {
  const baseUrl = options.baseUrl ?? saved?.baseUrl;
  const allowHttpLoopback = options.allowHttpLoopback ?? saved?.allowHttpLoopback ?? false;
  const retentionDays = options.retentionDays ?? saved?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!(RETENTION_DAYS as readonly number[]).includes(retentionDays)) {
    throw invalidOption(options.retentionDays === undefined ? `retentionDays in ${where}` : 'retentionDays', `must be one of ${RETENTION_DAYS.join(', ')}, got ${String(retentionDays)}`);
  }
  const maxPending = options.maxPending ?? saved?.maxPending ?? DEFAULT_MAX_PENDING;
  if (!Number.isSafeInteger(maxPending) || maxPending < 1 || maxPending > 1_000_000) throw invalidOption('maxPending', `must be an integer from 1 to 1000000, got ${String(maxPending)}`);
  return {
    ...(baseUrl === undefined ? {} : { baseUrl: checkBaseUrl(baseUrl, options.baseUrl === undefined ? `baseUrl in ${where}` : 'baseUrl', allowHttpLoopback) }),
    allowHttpLoopback,
    retentionDays: retentionDays as RetentionDays,
    maxPending,
    enabled: options.enabled ?? saved?.enabled ?? true,
  };
}

/** Checks the options; returns the signing secrets as a list. */
export function checkOptions(options: OutboxOptions): readonly string[] {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  if ((options.dir === undefined) === (options.storage === undefined)) throw invalidOption('dir', 'or storage: give exactly one, where the outbox keeps its windows');
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) throw invalidOption('dir', 'must be a folder path');
  const secrets = options.signingSecrets === undefined ? [] : typeof options.signingSecrets === 'string' ? [options.signingSecrets] : [...options.signingSecrets];
  if (options.signingSecrets !== undefined && (secrets.length === 0 || secrets.length > 8)) throw invalidOption('signingSecrets', `must hold 1 to 8 secrets, got ${secrets.length}`);
  for (const secret of secrets) {
    try {
      parseSecret(secret);
    } catch (error) {
      throw invalidOption('signingSecrets', (error as Error).message.replace(/^secret: /, ''));
    }
  }
  if (options.encryptionKey !== undefined) {
    try {
      encryptionKeyId(options.encryptionKey);
    } catch (error) {
      throw invalidOption('encryptionKey', (error as Error).message.replace(/^(secret|encryptionKey): /, ''));
    }
  }
  if (options.frequency !== undefined && !Object.hasOwn(REPORTING_SCHEDULES, options.frequency)) {
    throw invalidOption('frequency', `must be one of ${Object.keys(REPORTING_SCHEDULES).join(', ')}, got ${typeof options.frequency === 'string' ? JSON.stringify(options.frequency) : `a ${typeof options.frequency}`}`);
  }
  if (options.receiptKeys !== undefined) {
    if (!Array.isArray(options.receiptKeys) || options.receiptKeys.length > 8) throw invalidOption('receiptKeys', 'must be a list of at most 8 public receipt keys ("ed25519:…")');
    for (const key of options.receiptKeys) {
      try {
        receiptKeyId(key);
      } catch (error) {
        throw invalidOption('receiptKeys', (error as Error).message.replace(/^receiptKeys: /, ''));
      }
    }
  }
  if (options.warnAfterDays !== undefined && !(Number.isSafeInteger(options.warnAfterDays) && options.warnAfterDays >= 1)) throw invalidOption('warnAfterDays', 'must be a whole number of days, at least 1');
  if (options.retries !== undefined && !(Number.isSafeInteger(options.retries) && options.retries >= 0 && options.retries <= 100)) throw invalidOption('retries', 'must be an integer from 0 to 100');
  return secrets;
}

/**
 * The options with `licenseId` and `customer` taken from the license record, when one is given;
 * an OutboxError (`invalid-option`) for a record that is not one, or that the two contradict.
 */
export function withLicense<O extends OutboxOptions>(options: O): O {
  if (typeof options !== 'object' || options === null || options.license === undefined) return options;
  const identity = senderIdentity(options);
  if (!identity.ok) throw new OutboxError(`openOutbox: ${identity.error.message.replace(/\([a-z-]+\)$/, '(invalid-option)')}`, 'invalid-option');
  return { ...options, licenseId: identity.licenseId, customer: identity.customer };
}
