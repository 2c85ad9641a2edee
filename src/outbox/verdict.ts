/**
 * What a server's answer means for a window in the outbox: delivered, failed
 * for good (waits for retry), or pending (sent again by the next flush); and
 * whether the windows after it should wait for the next flush too.
 */
import type { SendResult } from '../uploader/send.js';

/** Statuses that say the connection or the credentials are wrong, not the window: it stays pending and the round stops. */
export const CONNECTION_STATUSES: readonly number[] = [401, 403, 404, 405, 407];

/**
 * What one answer's status means for a window, when no retry is left to make: delivered (2xx), failed
 * for good (a 4xx that is about the window), or pending (the connection, the credentials, the server).
 * A bundle's receipt gives a status per window; it is read the same way.
 */
export function classifyStatus(status: number): 'delivered' | 'failed' | 'pending' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 400 && status < 500 && !CONNECTION_STATUSES.includes(status) && ![408, 425, 429].includes(status)) return 'failed';
  return 'pending';
}

/** What a send result means for the window, and whether the next windows should wait for the next flush. */
export function classifySend(result: SendResult): { readonly outcome: 'delivered' | 'failed' | 'pending'; readonly stopRound: boolean } {
  if (result.ok) return { outcome: 'delivered', stopRound: false };
  const status = result.status;
  if (result.error.rule === 'retries-exhausted') {
    // 500 may be this window only; no answer, overload or a gateway problem is the same for every window.
    return { outcome: 'pending', stopRound: status !== 500 };
  }
  if (status === undefined) return { outcome: 'failed', stopRound: false };
  if (status >= 400 && status < 500 && !CONNECTION_STATUSES.includes(status)) return { outcome: 'failed', stopRound: false };
  return { outcome: 'pending', stopRound: true };
}
