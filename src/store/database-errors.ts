/**
 * Which failures of a database call are the database's and pass (it is
 * restarting, failing over, out of connections, or a connection was killed),
 * as opposed to the report's (a value the table refuses) or a configuration
 * error. The store turns the first kind into `StoreError` rule `unavailable`,
 * which a server answers `503` with `Retry-After`: the uploader keeps the
 * window and sends it again, and nothing is lost.
 */

/**
 * SQLSTATE classes and codes that go away by themselves: 08 connection
 * exception, 53 insufficient resources (too many connections, disk full),
 * 57P01-57P05 shutdown and start-up (admin shutdown, crash shutdown, cannot
 * connect now, …), 57014 a cancelled statement (statement_timeout), 40001 and
 * 40P01 a serialization failure or deadlock, 55P03 lock_timeout, 58000/58030
 * system and I/O errors, 25006 a read-only transaction (a standby that has not
 * been promoted yet).
 */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-5]$|57014$|40001$|40P01$|55P03$|58000$|58030$|25006$)/;

/** Node's socket errors: the server is not there (yet), or the connection broke. */
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * node-postgres reports a broken connection with these messages and no code:
 * "Connection terminated unexpectedly", "Connection terminated due to
 * connection timeout", "timeout exceeded when trying to connect", "Query read
 * timeout", "Client has encountered a connection error and is not queryable".
 */
const TRANSIENT_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

/**
 * True when `error`, thrown by a database client's `query`, says the database
 * cannot be reached right now rather than that the statement or its values are
 * wrong: try the same statement again later.
 *
 * @example
 * try { await pool.query(sql, params); } catch (error) { if (isTransientDatabaseError(error)) answer503(); else throw error; }
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_ERRNO.has(code))) return true;
  // An AggregateError (a host with several addresses, each refusing) carries the socket errors inside.
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0 && inner.every(isTransientDatabaseError)) return true;
  return typeof message === 'string' && TRANSIENT_MESSAGE.test(message);
}

/** True when the database refused a value of the report (SQLSTATE class 22 data exception, 23 integrity constraint). */
export function isReportRefusal(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^2[23]/.test(code);
}
