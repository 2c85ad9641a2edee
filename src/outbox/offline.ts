/**
 * The outbox without a network: the waiting windows exported into an offline
 * bundle (../wire/bundle.ts) that an administrator reads and carries to the
 * vendor, and the vendor's signed receipt (../wire/receipt.ts) imported back
 * to mark exactly the windows it names. The same receipt handling serves a
 * flush that posts a correction to the server's bundle endpoint.
 *
 * An installation that is online now and then may take either path for a
 * window, or both: a window stays pending until a receipt or a live answer
 * says the server has it, both paths send the same bytes under the same
 * message id, and the server stores a window once. So an exported window a
 * flush sends before the receipt comes back is answered 200 (stored from the
 * bundle) or 201 (the bundle never arrived), and the receipt imported after
 * it finds the window delivered and changes nothing.
 */
import { wireError } from '../contract/wire-errors.js';
import { BUNDLE_FORMAT, BUNDLE_KIND, BUNDLE_MEDIA_TYPE, type Bundle, type BundleWindow, DEFAULT_MAX_BUNDLE_BYTES, MAX_BUNDLE_WINDOWS, bundleIdOf, bundleManifest, serializeBundle, signBundle } from '../wire/bundle.js';
import { utf8 } from '../wire/bytes.js';
import { JSON_MEDIA_TYPE } from '../wire/content-type.js';
import { CONTRACT_HEADERS, runtimeHeaders } from '../wire/contract-headers.js';
import { BUNDLE_PATH } from '../wire/paths.js';
import { type ReceiptPayload, type ReceiptWindow, verifyReceipt } from '../wire/receipt.js';
import { SIGNATURE_HEADERS } from '../wire/signature.js';
import { type AddressOptions, checkIngestAddress } from '../uploader/address.js';
import { type FetchLike, deadline, joinUrl, readLimited, serverError } from '../uploader/send.js';
import type { OutboxFailure } from './errors.js';
import type { OutboxRecord, RecordProblem, Window } from './record.js';
import type { OutboxStorage } from './storage.js';
import { type LogEntry, type Outcome, entryOf, oneLine } from './transmission-log.js';
import { classifyStatus } from './verdict.js';

/** What the offline operations need of an open outbox. */
export interface OfflineContext {
  readonly location: string;
  readonly storage: OutboxStorage;
  readonly now: () => number;
  readonly byAge: (a: OutboxRecord, b: OutboxRecord) => number;
  /** Storage work with its failure as an OutboxFailure. */
  readonly guarded: <T>(doing: 'read' | 'write', work: () => Promise<T>) => Promise<{ ok: true; value: T } | { ok: false; error: OutboxFailure }>;
}

/** A window of an export, a receipt or a correction, as the operator sees it. */
export interface OfflineWindow {
  readonly messageId: string;
  readonly window: Window;
  /** A correction: the digest of the stored report it supersedes. */
  readonly supersedes?: string;
}

export type ExportResult =
  | {
      readonly ok: true;
      /** The bundle, or none when no window waits. */
      readonly bundle?: Bundle;
      /** The bundle's file text (indented JSON), what an administrator reads and carries. */
      readonly text?: string;
      readonly bundleId?: string;
      readonly windows: readonly OfflineWindow[];
      /** Windows that still wait beyond this bundle's limits: export again after importing its receipt. */
      readonly left: number;
    }
  | { readonly ok: false; readonly error: OutboxFailure };

/** What a receipt did to one window of the outbox. */
export interface ImportedWindow extends Partial<OfflineWindow> {
  readonly messageId: string;
  /**
   * `delivered`, `failed` (refused for good: retry, supersede or discard it), `pending` (the server could
   * not take it now: it waits for the next export or flush), `unchanged` (the outbox already knew), or
   * `unknown` (not in this outbox, or not with these bytes: nothing changed).
   */
  readonly outcome: 'delivered' | 'failed' | 'pending' | 'unchanged' | 'unknown';
  readonly status: number;
  readonly rule?: string;
  readonly message?: string;
}

export type ImportResult =
  | { readonly ok: true; readonly bundleId: string; readonly receivedAt: string; readonly windows: readonly ImportedWindow[] }
  | { readonly ok: false; readonly error: OutboxFailure };

const iso = (ms: number) => new Date(ms).toISOString();
const secondsIso = (ms: number) => `${iso(ms).slice(0, 19)}Z`;

/** A record as a window of a bundle: its headers as a live request carries them, its exact body, what it corrects. */
export function bundleWindowOf(record: OutboxRecord): BundleWindow {
  return {
    headers: {
      'content-type': JSON_MEDIA_TYPE,
      [SIGNATURE_HEADERS.id]: record.messageId,
      [CONTRACT_HEADERS.customer]: record.customer,
      [CONTRACT_HEADERS.licenseId]: record.licenseId,
      [CONTRACT_HEADERS.schemaVersion]: String(record.schemaVersion),
    } as BundleWindow['headers'],
    body: record.body,
    ...(record.supersedes !== undefined ? { supersedes: record.supersedes } : {}),
  };
}

const offlineWindow = (record: OutboxRecord): OfflineWindow => ({ messageId: record.messageId, window: record.window, ...(record.supersedes !== undefined ? { supersedes: record.supersedes } : {}) });

/**
 * Builds the bundle of the waiting windows of `licenseId`, oldest first, at
 * most {@link MAX_BUNDLE_WINDOWS} and {@link DEFAULT_MAX_BUNDLE_BYTES}, signed
 * with the secrets; `write` keeps its text (a file), and only then is each
 * window marked exported and logged. Windows stay pending: a receipt, or a
 * live answer, settles them. The caller holds the lock.
 */
export async function exportWindows(
  ctx: OfflineContext,
  sender: { readonly licenseId: string; readonly signingSecrets: readonly string[] },
  write: (text: string) => Promise<void>,
): Promise<ExportResult> {
  const listed = await ctx.guarded('read', () => ctx.storage.list());
  if (!listed.ok) return listed;
  const waiting = listed.value.records.filter((r) => r.state === 'pending' && r.licenseId === sender.licenseId).sort(ctx.byAge);
  if (waiting.length === 0) return { ok: true, windows: [], left: 0 };
  const createdAt = secondsIso(ctx.now());
  const chosen: OutboxRecord[] = [];
  // The file grows by about each window's JSON; the limit the server reads by default is kept with room to spare.
  let size = 1024;
  for (const record of waiting) {
    const grows = JSON.stringify(bundleWindowOf(record), null, 2).length + 16;
    if (chosen.length === MAX_BUNDLE_WINDOWS || size + grows > DEFAULT_MAX_BUNDLE_BYTES) break;
    chosen.push(record);
    size += grows;
  }
  const bundle = await signBundle({ bundle: BUNDLE_KIND, format: BUNDLE_FORMAT, licenseId: sender.licenseId, createdAt, windows: chosen.map(bundleWindowOf) }, sender.signingSecrets);
  const bundleId = bundleIdOf(bundleManifest(bundle));
  const text = serializeBundle(bundle);
  const written = await ctx.guarded('write', () => write(text));
  if (!written.ok) return written;
  const at = iso(ctx.now());
  // After the file: a log that says "exported" always names a bundle that exists. A crash before the marks loses nothing:
  // the windows are pending either way.
  const marked = await ctx.guarded('write', async () => {
    await ctx.storage.appendLog(chosen.map((record) => entryOf(record, 'exported', at, undefined, { bundleId, ...(record.supersedes !== undefined ? { supersedes: record.supersedes } : {}) })));
    for (const record of chosen) await ctx.storage.replace({ ...record, exported: { at, bundleId } });
  });
  if (!marked.ok) return marked;
  return { ok: true, bundle, text, bundleId, windows: chosen.map(offlineWindow), left: waiting.length - chosen.length };
}

/** What one window of a verified receipt does to its record: the new record and the log entry, or nothing. */
export function applyReceiptWindow(record: OutboxRecord, answer: ReceiptWindow, receipt: Pick<ReceiptPayload, 'bundleId'>, at: string): { readonly update?: OutboxRecord; readonly entry?: LogEntry; readonly outcome: ImportedWindow['outcome'] } {
  if (record.bodySha256 !== answer.bodySha256) return { outcome: 'unknown' };
  const outcome = classifyStatus(answer.status);
  if (record.state === 'delivered' || record.state === 'discarded') return { outcome: 'unchanged' };
  if (outcome === 'failed' && record.state === 'failed' && record.failure?.status === answer.status && record.failure.rule === answer.rule) return { outcome: 'unchanged' };
  const { lastError: _lastError, failure: _failure, exported: _exported, supersedes, ...base } = record;
  if (outcome === 'delivered') {
    const update: OutboxRecord = {
      ...base,
      state: 'delivered',
      delivered: { at, status: answer.status, schemaVersion: record.schemaVersion, bundleId: receipt.bundleId, ...(answer.superseded !== undefined ? { superseded: answer.superseded } : {}) },
    };
    return { update, entry: entryOf(record, 'delivered', at, undefined, { status: answer.status, bundleId: receipt.bundleId, ...(answer.superseded !== undefined ? { supersedes: answer.superseded } : {}) }), outcome };
  }
  const problem: RecordProblem = {
    at,
    status: answer.status,
    rule: answer.rule ?? `http-${answer.status}`,
    message: oneLine(answer.message ?? `the server answered ${answer.status} for this window of bundle ${receipt.bundleId}`),
    ...(answer.storedDigest !== undefined ? { storedDigest: answer.storedDigest } : {}),
  };
  // A refused correction stays a correction to review; a window the server could not take now waits as it was.
  const kept = { ...base, ...(supersedes !== undefined && outcome === 'pending' ? { supersedes } : {}) };
  const update: OutboxRecord = outcome === 'failed' ? { ...kept, state: 'failed', failure: problem } : { ...kept, state: 'pending', lastError: problem };
  return { update, entry: entryOf(record, outcome, at, problem, { status: answer.status, bundleId: receipt.bundleId }), outcome };
}

/**
 * Imports a receipt (the parsed JSON file the server answered): verified with
 * the receipt keys the license shipped, for this outbox's license; then each
 * window it names is marked as the server answered, if the outbox holds it
 * with the very bytes the receipt speaks of. Importing it again changes
 * nothing more. The caller holds the lock.
 */
export async function importReceipt(ctx: OfflineContext, document: unknown, trust: { readonly licenseId?: string; readonly receiptKeys: readonly string[] }): Promise<ImportResult> {
  if (trust.receiptKeys.length === 0) {
    return { ok: false, error: wireError('import-receipt', 'no receipt key to verify the receipt with: give receiptKeys (the vendor\'s public receipt key, "ed25519:…", shipped with the license; telemetry-outbox init --receipt-key)', 'not-configured') };
  }
  const verified = await verifyReceipt(document, trust.receiptKeys);
  if (!verified.ok) return verified;
  const receipt = verified.receipt;
  if (trust.licenseId !== undefined && receipt.licenseId !== trust.licenseId) {
    return { ok: false, error: wireError('receipt', `is for license ${receipt.licenseId}, and this outbox sends for ${trust.licenseId}; import it where that license's windows wait`, 'receipt-license-mismatch') };
  }
  const windows: ImportedWindow[] = [];
  for (const answer of receipt.windows) {
    const summary = { messageId: answer.messageId, status: answer.status, ...(answer.rule !== undefined ? { rule: answer.rule } : {}), ...(answer.message !== undefined ? { message: answer.message } : {}) };
    const found = await ctx.guarded('read', () => ctx.storage.get(answer.messageId));
    if (!found.ok) return found;
    const record = found.value;
    if (record === undefined) {
      windows.push({ ...summary, outcome: 'unknown' });
      continue;
    }
    const applied = applyReceiptWindow(record, answer, receipt, iso(ctx.now()));
    if (applied.update !== undefined && applied.entry !== undefined) {
      const { update, entry } = applied;
      // The log first, as a flush does: what the receipt said is on record even if the state change does not land.
      const written = await ctx.guarded('write', async () => {
        await ctx.storage.appendLog([entry]);
        await ctx.storage.replace(update);
      });
      if (!written.ok) return written;
    }
    windows.push({ ...summary, ...offlineWindow(record), outcome: applied.outcome });
  }
  return { ok: true, bundleId: receipt.bundleId, receivedAt: receipt.receivedAt, windows };
}

/** What a flush's post of one correction came to: the window's new record and log entry, and whether the round should stop. */
export interface CorrectionSent {
  readonly update: OutboxRecord;
  readonly entry: LogEntry;
  readonly outcome: Exclude<Outcome, 'requeued' | 'exported' | 'discarded'>;
  readonly problem?: RecordProblem;
  readonly stopRound: boolean;
}

/**
 * Sends a pending correction as a flush does, but through the server's bundle
 * endpoint (a live request cannot carry one): a bundle of this one window,
 * posted once; the answer is a receipt, verified and applied as an imported
 * one. No answer, or any answer but a verified receipt, leaves it pending.
 */
export async function sendCorrection(
  record: OutboxRecord,
  options: { readonly signingSecrets: readonly string[]; readonly receiptKeys: readonly string[]; readonly baseUrl: string; readonly fetch?: FetchLike; readonly timeoutMs?: number; readonly now: () => number } & AddressOptions,
): Promise<CorrectionSent> {
  const started = options.now();
  const bundle = await signBundle({ bundle: BUNDLE_KIND, format: BUNDLE_FORMAT, licenseId: record.licenseId, createdAt: secondsIso(started), windows: [bundleWindowOf(record)] }, options.signingSecrets);
  const stay = (problem: RecordProblem, stopRound: boolean): CorrectionSent => ({
    update: { ...record, state: 'pending', attempts: record.attempts + 1, lastAttemptAt: iso(started), lastError: problem },
    entry: { ...entryOf(record, 'pending', problem.at, problem, problem.status !== undefined ? { status: problem.status } : {}), attempts: [{ at: iso(started), ...(problem.status !== undefined ? { status: problem.status } : {}), rule: problem.rule, schemaVersion: record.schemaVersion }] },
    outcome: 'pending',
    problem,
    stopRound,
  });
  // As every request of the uploader: to an https: address only, with the contract's transport headers and no runtime defaults.
  const address = checkIngestAddress(options.baseUrl, options);
  if (address !== undefined) return stay({ at: iso(started), rule: address.rule, message: oneLine(address.message) }, true);
  const limit = deadline(options.timeoutMs ?? 30_000);
  let status: number;
  let text: string;
  try {
    const response = await (options.fetch ?? (globalThis.fetch as unknown as FetchLike))(joinUrl(options.baseUrl, BUNDLE_PATH), {
      method: 'POST',
      headers: { ...runtimeHeaders(record.schemaVersion), 'content-type': BUNDLE_MEDIA_TYPE },
      body: utf8(serializeBundle(bundle)),
      redirect: 'manual',
      signal: limit.signal,
    });
    status = response.status;
    text = await readLimited(response);
  } catch {
    const rule = limit.timedOut() ? 'timeout' : 'network-error';
    return stay({ at: iso(options.now()), rule, message: `the correction could not be posted to ${BUNDLE_PATH}: no answer (${rule})` }, true);
  } finally {
    limit.clear();
  }
  const at = iso(options.now());
  if (status !== 200) {
    const error = serverError(text);
    const problem: RecordProblem = { at, status, rule: error.rule ?? `http-${status}`, message: oneLine(error.message ?? `the bundle endpoint answered ${status}`) };
    // The bundle as a whole was refused: a correction is final only on the receipt's word for the window.
    return stay(problem, status >= 500 || status === 401 || status === 403 || status === 404 || status === 501);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  const verified = await verifyReceipt(document, options.receiptKeys);
  const answer = verified.ok ? verified.receipt.windows.find((w) => w.messageId === record.messageId) : undefined;
  if (!verified.ok || answer === undefined) {
    return stay({ at, status, rule: verified.ok ? 'receipt-incomplete' : verified.error.rule, message: verified.ok ? 'the receipt does not name the correction' : verified.error.message }, true);
  }
  const counted = { ...record, attempts: record.attempts + 1, lastAttemptAt: iso(started) };
  const applied = applyReceiptWindow(counted, answer, verified.receipt, at);
  if (applied.update === undefined || applied.entry === undefined) {
    return stay({ at, status: answer.status, rule: 'receipt-incomplete', message: 'the receipt speaks of other bytes than this window' }, false);
  }
  const outcome = applied.outcome === 'delivered' || applied.outcome === 'failed' ? applied.outcome : 'pending';
  return { update: applied.update, entry: applied.entry, outcome, ...(applied.update.failure ? { problem: applied.update.failure } : applied.update.lastError ? { problem: applied.update.lastError } : {}), stopRound: false };
}
