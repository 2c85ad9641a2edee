import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, type Io, runCommand } from '../../scripts/cli/command.js';
import { repoRoot } from '../helpers.js';

/** What a repo copy needs for generate and check: the contract, the runtime it inlines, and the outputs. */
const COPIED = ['schema', 'src', 'generated', 'docs'];

export interface RepoCopy {
  readonly root: string;
  read(path: string): string;
  write(path: string, content: string): void;
  /** Replaces one exact occurrence of `from`; fails loudly if the text is not there once. */
  edit(path: string, from: string, to: string): void;
  run(command: Command, ...args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Commits everything in the copy (making it a git repository on first use); returns the commit id. */
  commit(message: string): string;
  remove(): void;
}

/**
 * A throwaway copy of this repository's contract and outputs, sharing node_modules by symlink.
 * `extra` copies more (examples/, tsup.config.ts, tsconfig.json: what a build needs); `from`, another
 * copy to start from (a state several tests share, made once), instead of this repository.
 */
export function copyRepo(extra: readonly string[] = [], from: string = repoRoot): RepoCopy {
  const root = mkdtempSync(join(tmpdir(), 'telemetry-contract-repo-'));
  for (const dir of [...COPIED, ...extra]) cpSync(join(from, dir), join(root, dir), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  // The tests are read, never written: check finds there the tests the audit document's promises name.
  if (!extra.includes('test')) symlinkSync(join(repoRoot, 'test'), join(root, 'test'), 'dir');
  writeFileSync(join(root, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const write = (path: string, content: string) => writeFileSync(join(root, path), content);
  return {
    root,
    read,
    write,
    edit(path, from, to) {
      const text = read(path);
      if (text.split(from).length !== 2) throw new Error(`${path}: expected exactly one occurrence of ${JSON.stringify(from)}`);
      write(path, text.replace(from, () => to)); // a function, so "$" in `to` is taken literally
    },
    async run(command, ...args) {
      let out = '';
      let err = '';
      const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, cwd: root };
      const code = await runCommand(command, [...args, '--root', root], io);
      return { code, out, err };
    },
    commit(message) {
      // stderr piped: the first rev-parse fails on purpose, and git's "not a git repository" is no news.
      const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        git('rev-parse', '--git-dir');
      } catch {
        git('init', '-q', '-b', 'main');
        writeFileSync(join(root, '.gitignore'), 'node_modules\ndist\n');
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
