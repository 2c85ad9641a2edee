/**
 * Writing files so that a crash at any moment leaves either the old content
 * or the new, never a part: the text goes to a temporary file in the same
 * file system, is flushed to the disk (fsync), and only then takes the final
 * name; the folder is flushed too, so the new name survives a power cut.
 * Files are created 0600: only the owner reads what the outbox keeps.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** A temporary file name that says which process wrote it, so recovery knows whether its writer is gone. */
export function tempName(tmpDir: string, suffix: string): string {
  return join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.${suffix}`);
}

/** The writer's process id from a temporary file's name, or undefined. */
export function tempWriter(name: string): number | undefined {
  const match = /^([1-9][0-9]{0,9})-[0-9a-f]{16}\.[a-z]+$/.exec(basename(name));
  return match === null ? undefined : Number(match[1]);
}

/** Flushes a folder's entries (new and renamed names) to the disk. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a folder (EINVAL, EISDIR on a few platforms); the file itself is synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `text` to a new temporary file and flushes it to the disk (unless `sync: false`); returns its path. */
export async function writeTemp(tmpDir: string, text: string, suffix = 'tmp', { sync = true } = {}): Promise<string> {
  const path = tempName(tmpDir, suffix);
  const handle = await open(path, 'wx', FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    if (sync) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return path;
}

/**
 * Writes `text` to `path` durably. `replace: false` never overwrites: it
 * returns false when `path` exists (a hard link, unlike rename, refuses an
 * existing name, atomically, even against another process).
 */
export async function writeDurably(path: string, text: string, { tmpDir, replace }: { readonly tmpDir: string; readonly replace: boolean }): Promise<boolean> {
  const temp = await writeTemp(tmpDir, text);
  try {
    if (replace) {
      await rename(temp, path);
    } else {
      try {
        await link(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(dirname(path));
  return true;
}

/**
 * Writes a new file durably next to where it goes (a USB stick is another
 * file system than the outbox): the text in a temporary file in the same
 * folder, flushed, then linked to `path`, which must not exist yet. A crash
 * leaves no file or the whole file. Throws an EEXIST error for an existing path.
 */
export async function writeNewFile(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(8).toString('hex')}.partial`);
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(dirname(path));
}

/**
 * Appends one or more lines in a single write and flushes them. When the file
 * does not end with a newline (a writer was killed mid-line), the new text
 * starts on a line of its own, so the broken line stays one unreadable line
 * instead of spoiling the next one.
 */
export async function appendLines(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const handle = await open(path, 'a+', FILE_MODE);
  try {
    const { size } = await handle.stat();
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) lead = '\n';
    }
    await handle.write(`${lead}${lines.join('\n')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (lines.length > 0) await syncDirOnce(path);
}

const synced = new Set<string>();
/** A new file's name must reach the disk once; appends after that only need the file synced. */
async function syncDirOnce(path: string): Promise<void> {
  if (synced.has(path)) return;
  await syncDir(dirname(path));
  synced.add(path);
}
