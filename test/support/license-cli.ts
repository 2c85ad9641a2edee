/**
 * License records set as an operator sets them: the record written to a file
 * and stored with `telemetry-keys set-license`, in the database the
 * environment names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LicenseRecord } from '../../src/contract/license.js';
import { runKeysCli } from '../../src/store/keys-cli.js';

/** `telemetry-keys <args>` with `env`: its exit code and what it printed. */
export async function keysCli(args: readonly string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runKeysCli(args, { out: (t) => void (out += t), err: (t) => void (err += t), env });
  return { code, out, err };
}

/** Stores `record` with `telemetry-keys set-license <file>`; throws with what the command said when it refuses. */
export async function setLicenseWithCli(record: LicenseRecord, env: Record<string, string | undefined>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-license-'));
  try {
    const file = join(dir, `${record.licenseId}.json`);
    writeFileSync(file, JSON.stringify(record));
    const result = await keysCli(['set-license', file], env);
    if (result.code !== 0) throw new Error(result.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
