/**
 * An outbox storage adapter: the whole OutboxStorage interface over two Maps
 * and an array. A team that keeps the queue in its own database writes the
 * same nine methods over its tables (docs/outbox.md maps each to SQL). This
 * one keeps nothing across a restart: a model for adapters and tests, not for
 * production.
 */
import type { LogEntry, OutboxRecord, OutboxStorage } from '../src/outbox.js';

export function memoryStorage(): OutboxStorage {
  const records = new Map<string, OutboxRecord>();
  const log: LogEntry[] = [];
  let holder: { since: string } | undefined;
  return {
    location: 'memory',
    list: async () => ({ records: [...records.values()], unreadable: [] }),
    get: async (messageId) => records.get(messageId),
    // Insert-if-absent: a database does it in one statement (INSERT … ON CONFLICT DO NOTHING).
    insert: async (record) => {
      const existing = records.get(record.messageId);
      if (existing === undefined) records.set(record.messageId, record);
      return existing;
    },
    replace: async (record) => void records.set(record.messageId, record),
    remove: async (messageIds) => messageIds.forEach((id) => records.delete(id)),
    appendLog: async (entries) => void log.push(...entries),
    readLog: async () => ({ entries: [...log], unreadable: 0 }),
    pruneLog: async (before) => {
      const kept = log.filter((entry) => entry.time >= before);
      const dropped = log.length - kept.length;
      log.splice(0, log.length, ...kept);
      return dropped;
    },
    // One flusher at a time. A database adapter takes an advisory lock; a dead holder's session ends and frees it.
    lock: async () => {
      if (holder !== undefined) return { ok: false, holder };
      const mine = { since: new Date().toISOString() };
      holder = mine;
      return {
        ok: true,
        lock: { stillHeld: async () => holder === mine, release: async () => void (holder === mine && (holder = undefined)) },
      };
    },
  };
}
