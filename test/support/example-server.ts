/**
 * The example server as an operator runs it (`npx tsx examples/server.ts`),
 * as a child process with only the environment given: its URL once it
 * listens, everything it printed, and a way to stop it.
 */
import type { ChildProcess } from 'node:child_process';
import { type ServerProcess, startServerProcess } from '../../scripts/dev/server-process.js';
import { repoRoot } from '../helpers.js';

export type RunningServer = Pick<ServerProcess, 'url' | 'output' | 'stop'>;

const children = new Set<ChildProcess>();
/** Kills what is still running; for afterAll. */
export function killExampleServers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Starts the example server; rejects with its exit `code` and `output` when it exits before listening. */
export function startExampleServer(env: Record<string, string>, cwd = repoRoot): Promise<RunningServer> {
  return startServerProcess(cwd, env, children, 'examples/server.ts', true);
}
