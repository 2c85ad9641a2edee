#!/usr/bin/env node
/** The `telemetry-keys` command of the package (its `bin`); see ./keys-cli.ts. */
import { runKeysCli } from './keys-cli.js';

process.exitCode = await runKeysCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
});
