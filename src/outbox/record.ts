/**
 * The record of one window in the outbox: what was built (body bytes, the
 * license id and the customer header as sent; never a secret), where it
 * stands (pending, failed, delivered), and what happened to it. One JSON
 * document per window; the body is kept as the exact text that is sent and
 * its SHA-256, so a damaged record is recognised instead of sent.
 */
import { compareInstantTexts } from '../contract/instant.js';
import type { Deprecation } from '../contract/lifecycle.js';
import type { ProjectionReport } from '../contract/projection.js';
import type { TelemetryRequest } from '../uploader/request.js';
import { sha256, toHex, utf8 } from '../wire/bytes.js';

/** The version of the record format, written into every record. */
export const RECORD_FORMAT = 1;

/**
 * `pending` waits to be sent (live, or in a bundle); `failed` was refused for good and waits for an
 * administrator (retry, supersede, discard); `delivered` the server has; `discarded` an administrator
 * gave up on, with a reason.
 */
export type RecordState = 'pending' | 'failed' | 'delivered' | 'discarded';

/** A report window: its bounds as canonical UTC instants, as in the dedupe key. */
export interface Window {
  readonly start: string;
  readonly end: string;
}

/** Why a window left the queue without being delivered, or why its last flush did not deliver it. */
export interface RecordProblem {
  readonly at: string;
  /** The HTTP status, absent when no answer came. */
  readonly status?: number;
  readonly rule: string;
  readonly message: string;
  /** On `window-conflict`: the digest of the report the server stored, which a correction supersedes. */
  readonly storedDigest?: string;
}

export interface Delivery {
  readonly at: string;
  /** 201 stored, 200 already stored (any 2xx). */
  readonly status: number;
  /** The version the server received (another than the record's when it was projected). */
  readonly schemaVersion: number;
  readonly projection?: ProjectionReport;
  readonly deprecation?: Deprecation & { readonly version: number };
  /** Delivered in an offline bundle: its id, from the signed receipt that said so. */
  readonly bundleId?: string;
  /** Delivered as a correction: the digest of the stored report it replaced. */
  readonly superseded?: string;
}

export interface OutboxRecord {
  readonly format: typeof RECORD_FORMAT;
  /** `webhook-id`: `msg_` + the SHA-256 of the dedupe key and the customer header; also the record's name. */
  readonly messageId: string;
  readonly dedupeKey: string;
  readonly window: Window;
  readonly licenseId: string;
  /** The `x-telemetry-customer` value as sent: the percent-encoded name, or its mask when masking is on. */
  readonly customer: string;
  readonly schemaVersion: number;
  /** The body exactly as sent: UTF-8 JSON text. */
  readonly body: string;
  /** Lowercase hex SHA-256 of the body's bytes. */
  readonly bodySha256: string;
  /** The body's size in bytes. */
  readonly bytes: number;
  readonly enqueuedAt: string;
  /**
   * When the customer header was fixed for good: written just before the first attempt to send the
   * window, from the masking setting in force then. Until then a flush gives the window the header the
   * setting asks for (a new message id with it); from then on the window is only ever sent in this form.
   * A record with attempts but without it (written by an earlier version) counts as fixed.
   */
  readonly formFixedAt?: string;
  readonly state: RecordState;
  /** Attempts over every flush so far. */
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  /** Set while pending after a flush that did not deliver it. */
  readonly lastError?: RecordProblem;
  /** Set when failed: the server's final refusal. */
  readonly failure?: RecordProblem;
  /** Set when delivered. */
  readonly delivered?: Delivery;
  /**
   * Set while pending as a reviewed correction: the digest of the stored report it is to supersede.
   * Such a window travels in a bundle (exported, or posted by flush), never as a live request.
   */
  readonly supersedes?: string;
  /** The last bundle the window was exported in, while no receipt has said what became of it. */
  readonly exported?: { readonly at: string; readonly bundleId: string };
  /** Set when discarded: when, and the administrator's reason. */
  readonly discarded?: { readonly at: string; readonly reason: string };
}

const MESSAGE_ID = /^msg_[0-9a-f]{64}$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

export function bodyDigest(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/** The window of a dedupe key `<licenseId>/<start>/<end>` (a license id holds no `/`). */
export function windowOf(dedupeKey: string): Window {
  const [, start = '', end = ''] = dedupeKey.split('/');
  return { start, end };
}

/** A new pending record of a built request. */
export function recordOf(request: TelemetryRequest, enqueuedAt: string): OutboxRecord {
  return {
    format: RECORD_FORMAT,
    messageId: request.messageId,
    dedupeKey: request.dedupeKey,
    window: windowOf(request.dedupeKey),
    licenseId: request.headers['x-telemetry-license-id']!,
    customer: request.headers['x-telemetry-customer']!,
    schemaVersion: request.schemaVersion,
    body: new TextDecoder().decode(request.body),
    bodySha256: bodyDigest(request.body),
    bytes: request.body.byteLength,
    enqueuedAt,
    state: 'pending',
    attempts: 0,
  };
}

/** Whether the window's customer header is fixed: it was (about to be) sent in it, or written into a bundle. */
export function isFormFixed(record: OutboxRecord): boolean {
  return record.formFixedAt !== undefined || record.attempts > 0 || record.exported !== undefined;
}

/** The record as stored: one line of JSON with the fields in a fixed order. */
export function serializeRecord(record: OutboxRecord): string {
  return `${JSON.stringify(record)}\n`;
}

const STATES: readonly string[] = ['pending', 'failed', 'delivered', 'discarded'];
const isString = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is string => isString(value) && !Number.isNaN(Date.parse(value));
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function problemOk(value: unknown): boolean {
  return value === undefined || (isObject(value) && isTime(value['at']) && isString(value['rule']) && isString(value['message']) && (value['status'] === undefined || isCount(value['status'])));
}

/**
 * Reads a stored record, checking its shape and its body against the digest.
 * `name` is where it came from, for the message; the error reads
 * `<name>: <what is wrong> (record-corrupt)`.
 */
export function parseRecord(text: string, name: string, expectedId?: string): { readonly ok: true; readonly record: OutboxRecord } | { readonly ok: false; readonly message: string } {
  const corrupt = (what: string) => ({ ok: false as const, message: `${name}: ${what} (record-corrupt)` });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return corrupt(text.trim() === '' ? 'is empty' : 'is not valid JSON (cut short?)');
  }
  if (!isObject(value)) return corrupt('is not a JSON object');
  if (value['format'] !== RECORD_FORMAT) return corrupt(`has format ${JSON.stringify(value['format'])}, this package reads format ${RECORD_FORMAT}`);
  if (!isMessageId(value['messageId'])) return corrupt('has no valid messageId');
  if (expectedId !== undefined && value['messageId'] !== expectedId) return corrupt('holds another window than its name says');
  for (const field of ['dedupeKey', 'licenseId', 'customer', 'body', 'bodySha256'] as const) if (!isString(value[field])) return corrupt(`has no ${field}`);
  if (!isObject(value['window']) || !isString(value['window']['start']) || !isString(value['window']['end'])) return corrupt('has no window');
  if (!Number.isSafeInteger(value['schemaVersion']) || (value['schemaVersion'] as number) < 1) return corrupt('has no schemaVersion');
  if (!isCount(value['bytes']) || !isCount(value['attempts'])) return corrupt('has no byte or attempt count');
  if (!isTime(value['enqueuedAt'])) return corrupt('has no enqueuedAt time');
  if (value['formFixedAt'] !== undefined && !isTime(value['formFixedAt'])) return corrupt('has a malformed formFixedAt time');
  if (!STATES.includes(value['state'] as string)) return corrupt(`has an unknown state`);
  if (!problemOk(value['lastError']) || !problemOk(value['failure'])) return corrupt('has a malformed error');
  if (value['state'] === 'delivered' && !(isObject(value['delivered']) && isTime(value['delivered']['at']))) return corrupt('is delivered but says not when');
  if (value['state'] === 'discarded' && !(isObject(value['discarded']) && isTime(value['discarded']['at']) && isString(value['discarded']['reason']))) return corrupt('is discarded but says not when or why');
  if (value['supersedes'] !== undefined && !(isString(value['supersedes']) && /^[0-9a-f]{64}$/.test(value['supersedes']))) return corrupt('has a malformed supersedes digest');
  const bytes = utf8(value['body'] as string);
  if (bytes.byteLength !== value['bytes'] || bodyDigest(bytes) !== value['bodySha256']) return corrupt('has a body that does not match its SHA-256');
  return { ok: true, record: value as unknown as OutboxRecord };
}

/** Whether two half-open windows `[start, end)` share an instant; bounds compared exactly, to the nanosecond. */
export function windowsOverlap(a: Window, b: Window): boolean {
  return (compareInstantTexts(a.start, b.end) ?? 0) < 0 && (compareInstantTexts(b.start, a.end) ?? 0) < 0;
}

/** The record whose window ends last (the earlier-queued one of a tie): where the schedule resumes. */
export function newestWindow(records: readonly OutboxRecord[]): OutboxRecord | undefined {
  let newest: OutboxRecord | undefined;
  for (const record of records) if (newest === undefined || (compareInstantTexts(record.window.end, newest.window.end) ?? 0) > 0) newest = record;
  return newest;
}
