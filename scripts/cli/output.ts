/**
 * The only place that touches generated files on disk. `generate` and `check`
 * both start from the same in-memory artifacts; this module either compares
 * them with the disk or writes them.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { type Artifacts, GENERATED_DIRS } from '../emit/artifacts.js';

export interface Drift {
  readonly path: string;
  /** changed: differs from what generate writes; missing: not on disk; stale: on disk but no longer generated. */
  readonly kind: 'changed' | 'missing' | 'stale';
  /** Unified diff from what is on disk to what generate would write. */
  readonly diff: string;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Repo-relative paths (with `/`) of every file under the generated folders. */
async function listGeneratedFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const dir of GENERATED_DIRS) {
    let entries;
    try {
      entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      // `parentPath` is Node 20.12+; `path` is the older name of the same thing.
      const parent = (entry as { parentPath?: string }).parentPath ?? entry.path;
      files.push(relative(root, join(parent, entry.name)).split(sep).join('/'));
    }
  }
  return files.sort();
}

/**
 * Beyond this many changed lines a diff says nothing a reader would go
 * through, and computing it grows with the product of file size and change
 * (a regenerated validator of a big contract took minutes).
 */
export const MAX_DIFF_EDITS = 400;

function unifiedDiff(path: string, actual: string, expected: string): string {
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, actual, expected, 'committed', 'generated', { context: 3, maxEditLength: MAX_DIFF_EDITS });
  return patch ?? `--- a/${path}\n+++ b/${path}\n(more than ${MAX_DIFF_EDITS} lines differ, too many to show; run \`npm run generate\` and read \`git diff -- ${path}\`)\n`;
}

/** Every difference between the artifacts and the disk, in path order. */
/** Every difference between the disk and the artifacts; `withDiffs: false` skips the diffs (generate only needs the paths). */
export async function findDrift(root: string, artifacts: Artifacts, { withDiffs = true } = {}): Promise<Drift[]> {
  const drift: Drift[] = [];
  const diff = (path: string, actual: string, expected: string) => (withDiffs ? unifiedDiff(path, actual, expected) : '');
  for (const path of [...artifacts.keys()].sort()) {
    const expected = artifacts.get(path)!;
    const actual = await readIfExists(join(root, path));
    if (actual === undefined) drift.push({ path, kind: 'missing', diff: diff(path, '', expected) });
    else if (actual !== expected) drift.push({ path, kind: 'changed', diff: diff(path, actual, expected) });
  }
  for (const path of await listGeneratedFiles(root)) {
    if (!artifacts.has(path)) {
      drift.push({ path, kind: 'stale', diff: diff(path, (await readIfExists(join(root, path))) ?? '', '') });
    }
  }
  return drift;
}

export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Writes the artifacts that differ from the disk and removes stale generated
 * files. Each file is written in full to a temporary folder first and then
 * renamed into place, so no reader ever sees a half-written file.
 */
export async function writeArtifacts(root: string, artifacts: Artifacts): Promise<WriteResult> {
  const drift = await findDrift(root, artifacts, { withDiffs: false });
  const toWrite = drift.filter((d) => d.kind !== 'stale').map((d) => d.path);
  const toRemove = drift.filter((d) => d.kind === 'stale').map((d) => d.path);
  if (toWrite.length > 0) {
    const staging = await mkdtemp(join(root, '.generate-'));
    try {
      for (const path of toWrite) {
        const staged = join(staging, path);
        await mkdir(dirname(staged), { recursive: true });
        await writeFile(staged, artifacts.get(path)!, 'utf8');
      }
      for (const path of toWrite) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await rename(join(staging, path), join(root, path));
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  for (const path of toRemove) await unlink(join(root, path));
  return { written: toWrite, removed: toRemove };
}
