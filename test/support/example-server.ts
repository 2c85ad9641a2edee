/**
 * The example server as an operator runs it (`npx tsx examples/server.ts`),
 * as a child process with the environment given: its URL once it listens,
 * everything it printed, and a way to stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers.js';

export interface RunningServer {
  readonly url: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<number | null>;
}

const children = new Set<ChildProcess>();
/** Kills what is still running; for afterAll. */
export function killExampleServers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Starts the example server; rejects with its output when it exits before listening. */
export function startExampleServer(env: Record<string, string>, cwd = repoRoot): Promise<RunningServer> {
  // node with tsx's loader, as `npx tsx examples/server.ts` runs it, minus the wrapper process.
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, join(repoRoot, 'examples/server.ts')], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const listening = () => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      if (url === undefined) return;
      child.stdout!.off('data', listening);
      resolve({
        url,
        output: () => out,
        stop: async () => {
          child.kill('SIGTERM');
          const code = await exited;
          children.delete(child);
          return code;
        },
      });
    };
    child.stdout!.on('data', listening);
    void exited.then((code) => {
      children.delete(child);
      reject(Object.assign(new Error(`examples/server.ts exited with ${code} before listening`), { code, output: out }));
    });
  });
}
