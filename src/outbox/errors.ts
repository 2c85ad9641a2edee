/**
 * The outbox's errors: what `openOutbox` and the reading methods throw
 * (`OutboxError`), what the other methods return (`OutboxFailure`), and a
 * storage failure said in one line with what to do about it.
 */
import type { WireError } from '../contract/wire-errors.js';
import type { LockHolder } from './storage.js';
import { oneLine } from './transmission-log.js';

/** Thrown by `openOutbox` (bad options, a folder that cannot be used) and by the reading methods when the storage fails. */
export class OutboxError extends Error {
  override name = 'OutboxError';
  constructor(
    message: string,
    /** The broken rule: `invalid-option`, `storage-read`, `storage-write`, `settings-file`. */
    readonly rule: string,
  ) {
    super(message);
  }
}

/** An outbox operation that did not happen, and why: `<where>: <what is wrong> (<rule>)`. */
export interface OutboxFailure extends WireError {
  /** The window concerned, when there is one. */
  readonly messageId?: string;
  /** Who holds the lock, on `busy`. */
  readonly holder?: LockHolder;
}

/** The errno code of a failed file operation, if it has one. */
export const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

/** A storage failure as one line: what failed and what to do. Nothing queued is lost, since every write is atomic. */
export function storageFailure(location: string, error: unknown, doing: 'read' | 'write'): OutboxFailure {
  const code = errnoOf(error);
  const what =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'EDQUOT'
            ? 'the disk quota is used up'
            : oneLine((error as Error)?.message ?? String(error));
  const fix = doing === 'write' ? '; make it writable for the user the uploader runs as. Windows already queued are kept' : '';
  return { rule: `storage-${doing}`, message: `${location}: cannot ${doing} the outbox: ${what}${code ? `, ${code}` : ''} (storage-${doing})${fix}` };
}
