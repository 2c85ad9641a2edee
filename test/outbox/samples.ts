/**
 * The outputs docs/outbox.md and the README show for `telemetry-outbox show`
 * and `telemetry-outbox test`, produced for real: an outbox opened as the
 * README's application opens it (with a public test secret and a fixed clock,
 * so the bytes repeat), and the example server. The docs tests compare the
 * documents with these outputs; the address and the milliseconds, which
 * change from run to run, are written as in the documents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTelemetryServer } from '../../examples/server.js';
import { openOutbox } from '../../src/outbox.js';
import { runOutboxCli } from '../../src/outbox/cli.js';
import { KEY_A } from '../wire/support.js';
import { countingStore } from './processes.js';

/** The address and round trip the documents show in place of the ones of a run. */
export const DOC_URL = 'https://telemetry.vendor.example';
export const DOC_MS = 38;

/** The README's window, queued 2026-11-15T00:05:00Z. */
export const SAMPLE_COUNTS = {
  periodStart: '2026-11-01T00:00:00Z',
  periodEnd: '2026-11-15T00:00:00Z',
  activeSeats: 42,
  policiesActive: 7,
  policyExecutionsCount: 1200,
  totalProvisionedSeats: 50,
  seatLimitHit: false,
  featuresUsed: ['sso', 'audit-log', 'sso'],
};

/** A run's output in the documents' terms: their address for the server's, their milliseconds for the measured ones. */
export function asDocumented(text: string, url: string): string {
  return text.replaceAll(url, DOC_URL).replace(/\b\d+ ms\b/g, `${DOC_MS} ms`);
}

export async function sampleOutputs(): Promise<{ show: string; test: string }> {
  const parent = mkdtempSync(join(tmpdir(), 'telemetry-samples-'));
  const server = await startTelemetryServer({ store: countingStore().store, licenseKeys: new Map([['lic-2026-0042', [{ id: '2026-11', secret: KEY_A }]]]), acceptedVersions: [1], purgeIntervalMs: 0 });
  try {
    const dir = join(parent, 'outbox');
    const outbox = await openOutbox({
      dir,
      version: 1,
      licenseId: 'lic-2026-0042',
      customer: 'Müller Werkzeugbau GmbH',
      signingSecrets: [KEY_A],
      maskCustomer: true,
      baseUrl: server.url,
      allowHttpLoopback: true,
      now: () => Date.UTC(2026, 10, 15, 0, 5, 0),
    });
    const queued = await outbox.enqueue(SAMPLE_COUNTS);
    if (!queued.ok) throw new Error(queued.error.message);
    const run = async (args: string[]) => {
      let out = '';
      await runOutboxCli([...args, '--dir', dir], { out: (t) => void (out += t), err: (t) => void (out += t), env: { TELEMETRY_SIGNING_SECRETS: KEY_A } });
      return asDocumented(out, server.url);
    };
    return { show: await run(['show', '--next']), test: await run(['test']) };
  } finally {
    await server.close();
    rmSync(parent, { recursive: true, force: true });
  }
}
