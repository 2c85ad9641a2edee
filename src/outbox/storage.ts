/**
 * Where an outbox keeps its windows and its transmission log. The default is
 * a folder (`fileStorage`); an uploader team that keeps state in its own
 * database implements this interface instead (see docs/outbox.md for an
 * adapter). Every write must be durable when its promise resolves: the
 * outbox returns a message id, or marks a window delivered, only after it.
 * Methods throw on storage failures; the outbox turns that into a
 * `storage-read` / `storage-write` error with the message.
 */
import type { LogEntry } from './transmission-log.js';
import type { OutboxRecord } from './record.js';

/** Who holds the outbox's lock, as far as the storage knows. */
export interface LockHolder {
  readonly pid?: number;
  readonly host?: string;
  /** When the holder took the lock (ISO 8601). */
  readonly since?: string;
}

/** The exclusive lock of one flush. */
export interface HeldLock {
  /** False once another process took the lock over (this one was judged dead): stop sending. */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export type LockResult = { readonly ok: true; readonly lock: HeldLock } | { readonly ok: false; readonly holder: LockHolder };

/** A stored record that could not be read: where it is and what is wrong. */
export interface UnreadableRecord {
  /** The storage's name for it (a file name, a row id). */
  readonly name: string;
  /** `<name>: <what is wrong> (record-corrupt)`. */
  readonly message: string;
}

export interface RecordList {
  readonly records: readonly OutboxRecord[];
  /** Records that could not be read, where they are. */
  readonly unreadable: readonly UnreadableRecord[];
  /** Unreadable records already set aside and still kept (within retention); optional. */
  readonly setAside?: readonly UnreadableRecord[];
}

export interface OutboxStorage {
  /** Where the outbox lives, for messages: a folder, a table. */
  readonly location: string;
  /** Every record, and those that could not be read. */
  list(): Promise<RecordList>;
  /** One record by message id, or undefined (also when it cannot be read: `list` reports that). */
  get(messageId: string): Promise<OutboxRecord | undefined>;
  /**
   * Stores a new record unless one with its message id exists: undefined when
   * stored, otherwise the stored record (which stays as it is). Atomic:
   * of two inserts of one window, one stores and the other gets the record.
   */
  insert(record: OutboxRecord): Promise<OutboxRecord | undefined>;
  /** Replaces a stored record (a change of state). */
  replace(record: OutboxRecord): Promise<void>;
  /** Removes records (delivered ones past retention). */
  remove(messageIds: readonly string[]): Promise<void>;
  /** Appends entries to the transmission log. */
  appendLog(entries: readonly LogEntry[]): Promise<void>;
  /** The whole log, oldest first, and how many stored entries could not be read. */
  readLog(): Promise<{ readonly entries: readonly LogEntry[]; readonly unreadable: number }>;
  /** Drops log entries older than `before` (ISO 8601); returns how many went. */
  pruneLog(before: string): Promise<number>;
  /** Takes the lock one flush holds, or says who holds it; a lock left by a dead holder must be taken over. */
  lock(): Promise<LockResult>;
  /** Sets unreadable records aside so they stop being listed; optional. */
  setAside?(names: readonly string[]): Promise<void>;
}
