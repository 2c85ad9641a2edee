import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchLike } from '../../src/uploader/send.js';
import { type OutboxOptions, openOutbox } from '../../src/outbox.js';
import { KEY_A } from '../wire/support.js';
import { CUSTOMER, LICENSE } from './windows.js';

export { KEY_A, KEY_B } from '../wire/support.js';

export { CUSTOMER, LICENSE, windowCounts } from './windows.js';

/** A fresh folder for one test, removed by the returned cleanup. */
export function scratchDir(label = 'outbox'): { parent: string; dir: string; cleanup: () => void } {
  const parent = mkdtempSync(join(tmpdir(), `telemetry-${label}-`));
  return { parent, dir: join(parent, 'outbox'), cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

export type Call = { url: string; headers: Record<string, string>; body: Uint8Array };
export type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | Error;

/** A fetch that answers from a script (one entry per call, the last repeated) and records each call. */
export function scriptedFetch(script: Answer[] | ((call: Call, index: number) => Answer)): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call = { url, headers: init.headers, body: init.body ?? new Uint8Array() };
    calls.push(call);
    const next = typeof script === 'function' ? script(call, calls.length - 1) : script[Math.min(calls.length - 1, script.length - 1)]!;
    if (next instanceof Error) throw next;
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status, headers: next.headers ?? {} });
  };
  return { fetch, calls };
}

export const stored = (): Answer => ({ status: 201, body: { duplicate: false } });
export const noWait = { sleep: async () => {}, delays: () => 0 } as const;

/** An outbox with the test license, customer and key, and a fetch that stores everything unless `fetch` is given. */
export function testOutbox(dir: string, overrides: Partial<OutboxOptions> = {}) {
  return openOutbox({
    dir,
    version: 1,
    licenseId: LICENSE,
    customer: CUSTOMER,
    signingSecrets: [KEY_A],
    maskCustomer: true,
    baseUrl: 'https://telemetry.vendor.example',
    // Tests that pass a local server's http: address ask for loopback http: by name, as a developer would.
    allowHttpLoopback: true,
    fetch: scriptedFetch([stored()]).fetch,
    ...noWait,
    ...overrides,
  });
}
