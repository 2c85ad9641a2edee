#!/usr/bin/env node
/** The `telemetry-outbox` command of the package (its `bin`); see ./cli.ts. */
import { runOutboxCli } from './cli.js';

/** Standard input, up to a byte past the 64 KiB `enqueue` reads: enough to tell that it is too large. */
async function stdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 64 * 1024) break;
  }
  return new Uint8Array(Buffer.concat(chunks));
}

process.exitCode = await runOutboxCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  stdin,
});
