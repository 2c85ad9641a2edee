/**
 * The outbox's answers to an administrator: what a window looks like on the
 * wire (`show`, `showNext`), what `enqueue` would store and send (`preview`),
 * and whether the connection is right (`testConnection`). None of them writes
 * to the storage or sends a report.
 */
import { type ConnectionTestResult, runConnectionTest } from '../uploader/connection-test.js';
import { assembleProbe } from '../uploader/probe-request.js';
import { type TelemetryCounts, versionRequired } from '../uploader/payload.js';
import { type CreateRequestOptions, createTelemetryRequest } from '../uploader/request.js';
import { customerHeaderOf } from '../uploader/sender.js';
import type { FetchLike } from '../uploader/send.js';
import { wireError } from '../contract/wire-errors.js';
import type { OutboxFailure } from './errors.js';
import { type OutboxRecord, isMessageId, recordOf } from './record.js';
import { type WindowView, windowView } from './show.js';
import type { OutboxStorage } from './storage.js';

/** A window shown, or why not. */
export type ShowResult = { readonly ok: true; readonly view: WindowView } | { readonly ok: false; readonly error: OutboxFailure };

/** What `enqueue` would do with the counts, without doing it: the window as it would be stored and sent. */
export type PreviewResult =
  | {
      readonly ok: true;
      readonly view: WindowView;
      /** True when the outbox already holds this window with these very bytes: `enqueue` would change nothing. */
      readonly duplicate: boolean;
    }
  | { readonly ok: false; readonly error: OutboxFailure };

/** What the inspecting operations need of an open outbox. */
export interface InspectContext {
  readonly location: string;
  readonly storage: OutboxStorage;
  readonly encrypt: boolean;
  readonly read: <T>(work: () => Promise<T>) => Promise<{ ok: true; value: T } | { ok: false; error: OutboxFailure }>;
  /** The build options of enqueue, or the names of what is missing. */
  readonly buildOptions: () => CreateRequestOptions | { readonly missing: readonly string[] };
  readonly version?: number;
  readonly byAge: (a: OutboxRecord, b: OutboxRecord) => number;
  readonly now: () => number;
}

export async function showWindow(ctx: InspectContext, messageId: string): Promise<ShowResult> {
  if (!isMessageId(messageId)) return { ok: false, error: wireError('show', 'the message id must be msg_ followed by 64 lowercase hex digits, as status and history show it', 'unknown-window') };
  const found = await ctx.read(() => ctx.storage.get(messageId));
  if (!found.ok) return found;
  if (found.value === undefined) return { ok: false, error: { ...wireError(messageId, `no window with this id in ${ctx.location}; delivered windows are kept for the retention period only`, 'unknown-window'), messageId } };
  return { ok: true, view: windowView(found.value, { encrypt: ctx.encrypt }) };
}

/** The window the next flush sends first (the oldest pending one), or undefined when none waits. */
export async function showNext(ctx: InspectContext): Promise<{ readonly ok: true; readonly view?: WindowView } | { readonly ok: false; readonly error: OutboxFailure }> {
  const listed = await ctx.read(() => ctx.storage.list());
  if (!listed.ok) return listed;
  const next = listed.value.records.filter((r) => r.state === 'pending').sort(ctx.byAge)[0];
  return next === undefined ? { ok: true } : { ok: true, view: windowView(next, { encrypt: ctx.encrypt }) };
}

export async function previewWindow(ctx: InspectContext, counts: unknown): Promise<PreviewResult> {
  const options = ctx.buildOptions();
  if ('missing' in options) return { ok: false, error: wireError('preview', `${options.missing.join(', ')} must be given to openOutbox to build a window`, 'not-configured') };
  if (ctx.version === undefined) return { ok: false, error: versionRequired('openOutbox') };
  const built = await createTelemetryRequest(counts as TelemetryCounts<1>, { ...options, version: ctx.version as 1 });
  if (!built.ok) return { ok: false, error: built.error };
  const record = recordOf(built.request, new Date(ctx.now()).toISOString());
  // As enqueue finds it: by its message id, or by its window when it was queued under the other customer form.
  const existing = await ctx.read(async () => (await ctx.storage.get(record.messageId)) ?? (await ctx.storage.list()).records.find((r) => r.dedupeKey === record.dedupeKey));
  if (!existing.ok) return existing;
  if (existing.value !== undefined && existing.value.bodySha256 !== record.bodySha256) {
    return {
      ok: false,
      error: {
        rule: 'window-conflict',
        message: `${record.dedupeKey}: this window is already in the outbox (${existing.value.messageId}, ${existing.value.state}) with other counts (window-conflict); enqueue would refuse these counts`,
        messageId: record.messageId,
      },
    };
  }
  return { ok: true, view: windowView(record, { encrypt: ctx.encrypt, preview: true }), duplicate: existing.value !== undefined };
}

/** Who the connection test sends as, from the options or what the application saved; the names of what is missing otherwise. */
export interface TestSender {
  readonly licenseId?: string;
  /** Given the customer, the header is worked out as enqueue does; else the header the application saved. */
  readonly customer?: Pick<CreateRequestOptions, 'maskCustomer' | 'maskEnvVariable' | 'maskKey' | 'env'> & { readonly customer: string };
  readonly customerHeader?: string;
  readonly signingSecrets: readonly string[];
  readonly version?: number;
  readonly encrypt: boolean;
  readonly encryptionKey?: string;
  /** What this process lacks besides, in words (the application's own encryption key). */
  readonly lacking?: string;
  readonly baseUrl?: string;
  readonly allowHttpLoopback?: boolean;
  readonly fetch?: FetchLike;
  readonly timeoutMs?: number;
  readonly now: () => number;
}

export async function testOutboxConnection(sender: TestSender): Promise<ConnectionTestResult> {
  const customerHeader = sender.customer !== undefined && sender.signingSecrets.length > 0 ? await customerHeaderOf(sender.customer, sender.signingSecrets).catch(() => undefined) : sender.customerHeader;
  const missing = [
    ...(sender.baseUrl === undefined ? ['baseUrl'] : []),
    ...(sender.licenseId === undefined ? ['licenseId'] : []),
    ...(customerHeader === undefined ? ['customer'] : []),
    ...(sender.signingSecrets.length === 0 ? ['signingSecrets'] : []),
    ...(sender.version === undefined ? ['version'] : []),
    ...(sender.lacking !== undefined ? [sender.lacking] : []),
  ];
  if (missing.length > 0 || sender.licenseId === undefined || customerHeader === undefined || sender.version === undefined) {
    return {
      ok: false,
      diagnosis: 'not-configured',
      message: `testConnection: ${missing.join(', ')} must be known to test the connection; the application saves all but the secrets in outbox.json when it opens the outbox (not-configured)`,
      url: sender.baseUrl ?? '(no address)',
      at: new Date(sender.now()).toISOString(),
      schemaVersion: sender.version ?? 0,
      encrypted: sender.encrypt,
    };
  }
  const built = await assembleProbe({
          licenseId: sender.licenseId,
          customerHeader,
          signingSecrets: sender.signingSecrets,
          encrypt: sender.encrypt,
          now: sender.now,
          version: sender.version,
          ...(sender.encryptionKey !== undefined ? { encryptionKey: sender.encryptionKey } : {}),
        });
  return runConnectionTest(built, {
    baseUrl: sender.baseUrl ?? '',
    ...(sender.allowHttpLoopback !== undefined ? { allowHttpLoopback: sender.allowHttpLoopback } : {}),
    now: sender.now,
    encrypted: sender.encrypt,
    schemaVersion: sender.version,
    ...(sender.fetch ? { fetch: sender.fetch } : {}),
    ...(sender.timeoutMs !== undefined ? { timeoutMs: sender.timeoutMs } : {}),
  });
}
