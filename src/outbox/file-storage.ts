/**
 * The outbox in a folder, the default storage:
 *
 *   <dir>/             0700
 *     outbox.json      settings the application opened it with, for the operator CLI (no secret)
 *     records/         one file per window, msg_<64 hex>.json, 0600
 *     log.jsonl        the transmission log, one JSON entry per line
 *     flush.lock       present while a flush runs
 *     tmp/             files being written; left-overs of killed processes are removed on open
 *     corrupt/         record files that could not be read, set aside for inspection
 *
 * Every write goes through a temporary file in tmp/ (fsync, then rename or
 * link, then fsync of the folder), so a process killed at any moment leaves
 * every file whole.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { DIR_MODE, appendLines, tempWriter, writeDurably } from './durable-file.js';
import { acquireFolderLock, lockPath, processAlive } from './folder-lock.js';
import { type OutboxRecord, isMessageId, parseRecord, serializeRecord } from './record.js';
import type { OutboxStorage, RecordList, UnreadableRecord } from './storage.js';
import { type LogEntry, parseLogLine } from './transmission-log.js';

/** A temporary file older than this is a left-over even if a process with its writer's id is alive (ids are reused). */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
const RECORD_FILE = /^(msg_[0-9a-f]{64})\.json$/;
/** Files read at once while listing: enough to keep the disk busy, far below any open-files limit. */
const READ_BATCH = 64;

/** The settings kept in outbox.json: what the operator CLI needs besides the secrets. */
export interface OutboxSettings {
  readonly baseUrl?: string;
  /** The application sends over plain http: to a loopback address (development): the command may too. */
  readonly allowHttpLoopback?: boolean;
  readonly retentionDays?: number;
  readonly maxPending?: number;
  readonly enabled?: boolean;
  /** How many signing secrets the application signs with (never the secrets): health needs to know that it can sign. */
  readonly signingKeys?: number;
  /** The license id, and the customer header as the application sends it (the mask when masking is on): the command's connection test sends them. */
  readonly licenseId?: string;
  readonly customerHeader?: string;
  /** The schema version the application builds, and whether it sends encrypted: the command tests and shows windows as the application sends them. */
  readonly schemaVersion?: number;
  readonly encrypt?: boolean;
  /** The key id (public) of an encryption key the application was given, so the command asks for that key instead of deriving another. */
  readonly encryptionKeyId?: string;
  /** The vendor's public receipt keys (`ed25519:…`): what a bundle's receipt is verified with. */
  readonly receiptKeys?: readonly string[];
  /**
   * The features the license record declares (never the record's legal entity), when the application
   * opened the outbox with its record: the command's `enqueue` refuses any other, as the library does.
   */
  readonly licensedFeatures?: readonly string[];
}

export interface FileStorageOptions {
  /** A lock untouched for this long is taken over; default 60 s. */
  readonly lockStaleMs?: number;
}

/** What opening the folder found and did. */
export interface FolderReport {
  /** False when the folder can be read but not written (a read-only mount, another owner). */
  readonly writable: boolean;
  /** Temporary files of killed writers that were removed. */
  readonly tempFilesRemoved: number;
}

export interface FileStorage extends OutboxStorage {
  readonly dir: string;
  /** Creates the folders (0700) and removes the temporary files of writers that are gone. */
  prepare(): Promise<FolderReport>;
  readSettings(): Promise<OutboxSettings | undefined>;
  writeSettings(settings: OutboxSettings): Promise<void>;
  /** Removes set-aside record files older than `before` (ISO 8601); returns how many. */
  pruneSetAside(before: string): Promise<number>;
}

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function makeDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
  const info = await stat(path);
  // An existing folder of this user loses what others may do (the queue holds the customer header); what the owner may do is the owner's choice.
  if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.()) await chmod(path, info.mode & 0o700);
}

/**
 * The default storage: an outbox folder.
 *
 * @example
 * const outbox = await openOutbox({ storage: fileStorage('/var/lib/aster/telemetry'), ...options });
 */
export function fileStorage(dir: string, options: FileStorageOptions = {}): FileStorage {
  const records = join(dir, 'records');
  const tmpDir = join(dir, 'tmp');
  const corrupt = join(dir, 'corrupt');
  const logFile = join(dir, 'log.jsonl');
  const settingsFile = join(dir, 'outbox.json');
  const recordFile = (messageId: string) => join(records, `${messageId}.json`);

  const readRecord = async (name: string): Promise<{ record?: OutboxRecord; unreadable?: UnreadableRecord } | undefined> => {
    const text = await readIfExists(join(records, name));
    if (text === undefined) return undefined;
    const parsed = parseRecord(text, `records/${name}`, RECORD_FILE.exec(name)?.[1]);
    return parsed.ok ? { record: parsed.record } : { unreadable: { name, message: parsed.message } };
  };

  const setAside = async (names: readonly string[]): Promise<void> => {
    await mkdir(corrupt, { recursive: true, mode: DIR_MODE });
    for (const name of names) {
      try {
        const aside = join(corrupt, `${new Date().toISOString().replace(/[-:.]/g, '')}-${name}`);
        await rename(join(records, name), aside);
        // Retention counts from the day it was set aside, not from the record's last write.
        await utimes(aside, new Date(), new Date());
      } catch (error) {
        if (code(error) !== 'ENOENT') throw error;
      }
    }
  };

  return {
    dir,
    location: dir,

    async prepare() {
      try {
        await makeDir(dir);
        for (const sub of [records, tmpDir, corrupt]) await makeDir(sub);
      } catch (error) {
        // A folder that exists but cannot be written is still readable: status and history work.
        if (!['EACCES', 'EPERM', 'EROFS'].includes(code(error) ?? '')) throw error;
        await access(dir, constants.R_OK);
      }
      const writable = await Promise.all([dir, records, tmpDir].map((path) => access(path, constants.W_OK).then(() => true, () => false))).then((all) => all.every(Boolean));
      let tempFilesRemoved = 0;
      if (writable) {
        for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
          const path = join(tmpDir, name);
          const writer = tempWriter(name);
          const info = await stat(path).catch(() => undefined);
          if (info === undefined) continue;
          // A live writer's file may be mid-write; only a dead writer's (or a very old one) is a left-over.
          const alive = writer !== undefined && (writer === process.pid || processAlive(writer));
          if (alive && Date.now() - info.mtimeMs < TEMP_MAX_AGE_MS) continue;
          await unlink(path).then(() => tempFilesRemoved++, () => undefined);
        }
      }
      return { writable, tempFilesRemoved };
    },

    async list(): Promise<RecordList> {
      let names: string[];
      try {
        names = (await readdir(records)).filter((name) => RECORD_FILE.test(name)).sort();
      } catch (error) {
        if (code(error) === 'ENOENT') return { records: [], unreadable: [] };
        throw error;
      }
      const found: OutboxRecord[] = [];
      const unreadable: UnreadableRecord[] = [];
      for (let i = 0; i < names.length; i += READ_BATCH) {
        for (const read of await Promise.all(names.slice(i, i + READ_BATCH).map(readRecord))) {
          if (read?.record) found.push(read.record);
          if (read?.unreadable) unreadable.push(read.unreadable);
        }
      }
      // Set-aside files stay in the count until retention removes them, so health keeps saying so.
      const setAside: UnreadableRecord[] = [];
      for (const name of (await readdir(corrupt).catch(() => [] as string[])).sort()) {
        const text = await readIfExists(join(corrupt, name));
        if (text === undefined) continue;
        const parsed = parseRecord(text, `corrupt/${name}`);
        setAside.push({ name: `corrupt/${name}`, message: parsed.ok ? `corrupt/${name}: was set aside (record-corrupt)` : parsed.message });
      }
      return { records: found, unreadable, setAside };
    },

    async get(messageId) {
      if (!isMessageId(messageId)) return undefined;
      // An unreadable record is list()'s to report; insert() sets it aside when its window comes again.
      return (await readRecord(`${messageId}.json`))?.record;
    },

    async insert(record) {
      const path = recordFile(record.messageId);
      for (let round = 0; round < 2; round++) {
        if (await writeDurably(path, serializeRecord(record), { tmpDir, replace: false })) return undefined;
        const read = await readRecord(`${record.messageId}.json`);
        if (read?.record) return read.record;
        // The name is taken by a file that cannot be read: set it aside, the new record takes its place.
        if (read?.unreadable) await setAside([read.unreadable.name]);
      }
      throw new Error(`records/${record.messageId}.json: could not be written, another process keeps replacing it (storage-write)`);
    },

    async replace(record) {
      await writeDurably(recordFile(record.messageId), serializeRecord(record), { tmpDir, replace: true });
    },

    async remove(messageIds) {
      for (const id of messageIds) await unlink(recordFile(id)).catch((error: unknown) => (code(error) === 'ENOENT' ? undefined : Promise.reject(error)));
    },

    async appendLog(entries: readonly LogEntry[]) {
      await appendLines(logFile, entries.map((entry) => JSON.stringify(entry)));
    },

    async readLog() {
      const text = (await readIfExists(logFile)) ?? '';
      const entries: LogEntry[] = [];
      let unreadable = 0;
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const entry = parseLogLine(line);
        if (entry) entries.push(entry);
        else unreadable++;
      }
      return { entries, unreadable };
    },

    async pruneLog(before) {
      const text = await readIfExists(logFile);
      if (text === undefined) return 0;
      const cutoff = Date.parse(before);
      const kept: string[] = [];
      let dropped = 0;
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const entry = parseLogLine(line);
        // Lines cut short by a crash go with the first pruning.
        if (entry !== undefined && Date.parse(entry.time) >= cutoff) kept.push(line);
        else dropped++;
      }
      if (dropped > 0) await writeDurably(logFile, kept.map((line) => `${line}\n`).join(''), { tmpDir, replace: true });
      return dropped;
    },

    lock() {
      return acquireFolderLock(lockPath(dir), { tmpDir, ...(options.lockStaleMs !== undefined ? { staleMs: options.lockStaleMs } : {}) });
    },

    setAside,

    async pruneSetAside(before) {
      const cutoff = Date.parse(before);
      let removed = 0;
      for (const name of await readdir(corrupt).catch(() => [] as string[])) {
        const info = await stat(join(corrupt, name)).catch(() => undefined);
        if (info !== undefined && info.mtimeMs < cutoff) await unlink(join(corrupt, name)).then(() => removed++, () => undefined);
      }
      return removed;
    },

    async readSettings() {
      const text = await readIfExists(settingsFile);
      if (text === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error(`${settingsFile}: is not valid JSON (settings-file)`);
      }
      return checkSettings(value, settingsFile);
    },

    async writeSettings(settings) {
      await writeDurably(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { tmpDir, replace: true });
    },
  };
}

const SETTING_KEYS = ['baseUrl', 'allowHttpLoopback', 'retentionDays', 'maxPending', 'enabled', 'signingKeys', 'licenseId', 'customerHeader', 'schemaVersion', 'encrypt', 'encryptionKeyId', 'receiptKeys', 'licensedFeatures'] as const;

/** outbox.json as settings; anything else in it (a secret above all) is refused, not ignored. */
export function checkSettings(value: unknown, where: string): OutboxSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: must be a JSON object (settings-file)`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw new Error(`${where}: "${key}" is not a setting (settings-file); allowed: ${SETTING_KEYS.join(', ')}. Secrets never go in this file: pass them in TELEMETRY_SIGNING_SECRETS`);
    }
  }
  if (record['baseUrl'] !== undefined && typeof record['baseUrl'] !== 'string') throw new Error(`${where}: baseUrl must be a string (settings-file)`);
  for (const key of ['enabled', 'encrypt', 'allowHttpLoopback'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'boolean') throw new Error(`${where}: ${key} must be true or false (settings-file)`);
  }
  for (const [key, max] of [['licenseId', 128], ['customerHeader', 768], ['encryptionKeyId', 16]] as const) {
    if (record[key] !== undefined && (typeof record[key] !== 'string' || record[key].length > max)) throw new Error(`${where}: ${key} must be a string of at most ${max} characters (settings-file)`);
  }
  const receiptKeys = record['receiptKeys'];
  if (receiptKeys !== undefined && !(Array.isArray(receiptKeys) && receiptKeys.length <= 8 && receiptKeys.every((k) => typeof k === 'string' && /^ed25519:[A-Za-z0-9_-]{43}$/.test(k)))) {
    throw new Error(`${where}: receiptKeys must be a list of at most 8 public receipt keys, "ed25519:" and 43 base64url characters (settings-file)`);
  }
  const features = record['licensedFeatures'];
  if (features !== undefined && !(Array.isArray(features) && features.length <= 256 && features.every((f) => typeof f === 'string' && /^[a-z][a-z0-9._-]{0,63}$/.test(f)))) {
    throw new Error(`${where}: licensedFeatures must be a list of at most 256 feature names (settings-file)`);
  }
  for (const key of ['retentionDays', 'maxPending', 'signingKeys', 'schemaVersion'] as const) {
    if (record[key] !== undefined && !Number.isSafeInteger(record[key])) throw new Error(`${where}: ${key} must be an integer (settings-file)`);
  }
  return record as OutboxSettings;
}
