/**
 * The HTTP answer to a report the store could not take, so every server
 * answers alike: `503` with `Retry-After` while the database is unreachable
 * or the license's data key cannot be had (a key-encryption key this process
 * lacks: the uploader keeps the window and sends it again), a final `422` when the
 * database refused a value of the report itself (sending it again cannot
 * help), `500` for anything else. The body is the wire's error shape and holds
 * no value of the report.
 */
import { isReportRefusal, isTransientDatabaseError } from './database-errors.js';
import { StoreError } from './database.js';
import { wireError } from '../contract/wire-errors.js';

/** Seconds an uploader is asked to wait while the database is unreachable: about what a restart or a failover takes. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export interface StoreFailureResponse {
  readonly status: 503 | 422 | 500;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * What to answer when `put` (or any store call for a request) threw `error`.
 *
 * @example
 * try { const { status } = await store.put(result); … } catch (error) { const a = storeFailureResponse(error); res.writeHead(a.status, a.headers).end(a.body); }
 */
export function storeFailureResponse(error: unknown): StoreFailureResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  const rule = error instanceof StoreError ? error.rule : undefined;
  if (rule === 'unavailable' || (rule === undefined && isTransientDatabaseError(error))) {
    return {
      status: 503,
      headers: { ...headers, 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      body: JSON.stringify({ error: wireError('server', 'cannot reach its database; the report was not stored, send it again later', 'database-unavailable') }),
    };
  }
  if (rule === 'key-unavailable') {
    return {
      status: 503,
      headers: { ...headers, 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      body: JSON.stringify({ error: wireError('server', 'cannot encrypt this report for storage right now; the report was not stored, send it again later', 'key-lookup-failed') }),
    };
  }
  if (rule === 'constraint' || rule === 'value' || (rule === undefined && isReportRefusal(error))) {
    return {
      status: 422,
      headers,
      body: JSON.stringify({
        error: wireError('body', 'holds a value the server\'s storage refuses although the contract accepts it; sending it again will not help, report this to the vendor', 'unstorable'),
      }),
    };
  }
  return { status: 500, headers, body: JSON.stringify({ error: wireError('server', 'internal error', 'internal') }) };
}
