/**
 * What an administrator does with a window the server refused for good, so
 * that the outbox's health recovers: besides `retry` (the cause is fixed),
 * `discard` (give the window up, with a reason kept in the transmission log)
 * and `supersede` (after `409 window-conflict`: send the window as a reviewed
 * correction of the report the server stored, which replaces it where the
 * vendor's server takes corrections, recorded on both sides).
 */
import { wireError } from '../contract/wire-errors.js';
import type { OutboxFailure } from './errors.js';
import type { OfflineContext } from './offline.js';
import { type OutboxRecord, type RecordState, type Window, isMessageId } from './record.js';
import { entryOf, oneLine } from './transmission-log.js';

export type ResolveResult =
  | { readonly ok: true; readonly messageId: string; readonly window: Window; readonly state: RecordState; readonly supersedes?: string }
  | { readonly ok: false; readonly error: OutboxFailure };

/** The administrator's reason: one line of 1 to 500 characters, kept in the log. */
function reasonOf(reason: unknown, doing: string): string | OutboxFailure {
  const text = typeof reason === 'string' ? oneLine(reason) : '';
  if (text === '' || text.length > 500) return wireError(doing, 'needs a reason of 1 to 500 characters, kept in the transmission log (what was reviewed, by whom)', 'reason-required');
  return text;
}

/** The refused window `messageId`, or why there is none to act on. */
async function refusedWindow(ctx: OfflineContext, messageId: string, doing: string): Promise<{ ok: true; record: OutboxRecord } | { ok: false; error: OutboxFailure }> {
  if (!isMessageId(messageId)) return { ok: false, error: wireError(doing, 'the message id must be msg_ followed by 64 lowercase hex digits, as status and history show it', 'unknown-window') };
  const found = await ctx.guarded('read', () => ctx.storage.get(messageId));
  if (!found.ok) return found;
  const record = found.value;
  if (record === undefined) return { ok: false, error: { ...wireError(messageId, `no window with this id in ${ctx.location}`, 'unknown-window'), messageId } };
  if (record.state !== 'failed') {
    return { ok: false, error: { ...wireError(messageId, `is ${record.state === 'pending' ? 'waiting' : record.state}, not refused; only a window the server refused for good is ${doing === 'discard' ? 'discarded' : 'superseded'}`, 'not-failed'), messageId } };
  }
  return { ok: true, record };
}

/**
 * Gives up a refused window: it leaves the queue (and the health's count of
 * refused windows) as `discarded`, and the log keeps when, the reason and the
 * server's last answer. Kept for the retention period like a delivered one.
 * The caller holds the lock.
 */
export async function discardWindow(ctx: OfflineContext, messageId: string, reason: unknown): Promise<ResolveResult> {
  const why = reasonOf(reason, 'discard');
  if (typeof why !== 'string') return { ok: false, error: why };
  const found = await refusedWindow(ctx, messageId, 'discard');
  if (!found.ok) return found;
  const { record } = found;
  const at = new Date(ctx.now()).toISOString();
  const { supersedes: _supersedes, exported: _exported, ...base } = record;
  const written = await ctx.guarded('write', async () => {
    await ctx.storage.appendLog([entryOf(record, 'discarded', at, record.failure ? { rule: record.failure.rule, message: `discarded after ${record.failure.status ?? 'no answer'} ${record.failure.rule}` } : undefined, { reason: why })]);
    await ctx.storage.replace({ ...base, state: 'discarded', discarded: { at, reason: why } });
  });
  if (!written.ok) return written;
  return { ok: true, messageId, window: record.window, state: 'discarded' };
}

/**
 * Puts a window the server refused with `409 window-conflict` back in the
 * queue as a correction of the report the server stored (the digest its
 * answer named): the next flush posts it to the server's bundle endpoint, or
 * the next export carries it. The server replaces the stored report only if
 * it takes corrections and still holds exactly that report; its signed
 * receipt says what it did. Needs the receipt keys, to read that answer.
 * The caller holds the lock.
 */
export async function supersedeWindow(ctx: OfflineContext, messageId: string, reason: unknown, canReadReceipts: boolean): Promise<ResolveResult> {
  const why = reasonOf(reason, 'supersede');
  if (typeof why !== 'string') return { ok: false, error: why };
  if (!canReadReceipts) {
    return { ok: false, error: wireError('supersede', 'needs receiptKeys (the vendor\'s public receipt key, "ed25519:…", shipped with the license): the server answers a correction with a signed receipt', 'not-configured') };
  }
  const found = await refusedWindow(ctx, messageId, 'supersede');
  if (!found.ok) return found;
  const { record } = found;
  const failure = record.failure;
  if (failure?.rule !== 'window-conflict') {
    return { ok: false, error: { ...wireError(messageId, `was refused with ${failure?.status ?? 'no answer'} ${failure?.rule ?? 'an unknown rule'}, not window-conflict; only a window the server holds another report of is superseded. Retry it once the cause is fixed, or discard it`, 'not-a-conflict'), messageId } };
  }
  if (failure.storedDigest === undefined) {
    return { ok: false, error: { ...wireError(messageId, 'was refused as a conflict, but the server did not name the report it holds (storedDigest); a correction must name what it replaces. Ask the vendor, or discard the window', 'stored-digest-unknown'), messageId } };
  }
  const at = new Date(ctx.now()).toISOString();
  const { failure: _failure, ...base } = record;
  const written = await ctx.guarded('write', async () => {
    await ctx.storage.appendLog([entryOf(record, 'requeued', at, { rule: failure.rule, message: `requeued as a correction of the stored report ${failure.storedDigest}` }, { reason: why, supersedes: failure.storedDigest! })]);
    await ctx.storage.replace({ ...base, state: 'pending', lastError: failure, supersedes: failure.storedDigest! });
  });
  if (!written.ok) return written;
  return { ok: true, messageId, window: record.window, state: 'pending', supersedes: failure.storedDigest };
}
