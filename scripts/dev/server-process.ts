/**
 * A server as an operator runs it (`npx tsx examples/server.ts`, minus the
 * npx wrapper process), in a child process: started, watched and stopped by
 * the tests that need a real process (restarts, database faults) and by the
 * bench (the example server against a bare one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  readonly stderr: () => string;
  /** Everything the server wrote to stdout and stderr so far, in the order it came. */
  readonly output: () => string;
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>;
  /** The most memory the process has held resident so far, in bytes (Linux's VmHWM); undefined where /proc does not say. */
  readonly peakResidentBytes: () => number | undefined;
}

/** A process's peak resident set size from /proc/<pid>/status, for the bench's memory figures. */
function peakResident(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Starts `script` (a path from the repository root; default examples/server.ts)
 * in `cwd` with `env` on top of this process's (or, `isolated`, on top of
 * nothing but PATH, so no variable of the caller's reaches it), and waits for
 * its "listening on http://127.0.0.1:<port>/" line. When it exits before, the
 * promise rejects with an error carrying its exit `code` and its `output`.
 */
export function startServerProcess(
  cwd: string,
  env: Readonly<Record<string, string>>,
  children?: Set<ChildProcess>,
  script = 'examples/server.ts',
  isolated = false,
): Promise<ServerProcess> {
  const inherited = isolated ? { PATH: process.env['PATH'] ?? '' } : process.env;
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, join(repoRoot, script)], {
    cwd,
    env: { ...inherited, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children?.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let all = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk;
      all += chunk;
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      all += chunk;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      if (url === undefined) return;
      resolve({
        url,
        child,
        stderr: () => err,
        output: () => all,
        peakResidentBytes: () => peakResident(child.pid),
        stop: async () => {
          child.kill('SIGTERM');
          const code = await exited;
          children?.delete(child);
          return code;
        },
      });
    });
    void exited.then((code) => {
      children?.delete(child);
      reject(Object.assign(new Error(`${script} exited with ${code} before listening: ${err.trim() || out.trim()}`), { code, output: all }));
    });
  });
}
