#!/usr/bin/env node
/** The `telemetry-outbox` command of the package (its `bin`); see ./cli.ts. */
import { runOutboxCli } from './cli.js';

process.exitCode = await runOutboxCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
});
