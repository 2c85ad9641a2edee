/**
 * The 02:00 herd, simulated: a fleet of installations, each with a license of
 * its own in the license store, sends its window at the moment the reporting
 * schedule gives it (src/uploader/windows.ts: 02:00 UTC plus the license's
 * offset within the hour), through the package's own `sendTelemetry` and its
 * retries, against one or more ingest servers. Used by the herd test (a few
 * thousand installations) and the bench (100,000).
 *
 * Time: only the schedule is compressed. The hour of the send interval passes
 * `scale` times faster, so a fleet of thousands arrives as densely as a much
 * larger one would; everything else is real: the servers' Retry-After, the
 * uploader's waits, the per-attempt time limit.
 *
 * One machine plays the whole fleet, and its ports bound how many exchanges
 * can be open at once (`maxOpen`): an installation whose moment has come waits
 * for a free connection, as behind a busy gateway. That wait counts in the
 * time until the last window is stored, not in the attempt's time limit,
 * which runs from when the exchange starts, as on an installation's own machine.
 */
import { request as httpRequest } from 'node:http';
import type { QueryClient } from '../../src/store/database.js';
import { dataKeys } from '../../src/store/data-keys.js';
import { kekInForce } from '../../src/store/kek-in-force.js';
import type { Keyring } from '../../src/store/keyring.js';
import { createLicenseStore } from '../../src/store/license-store.js';
import { licenseTables } from '../../src/store/license-tables.js';
import { type FetchLike, sendTelemetry } from '../../src/uploader/send.js';
import { createTelemetryRequest } from '../../src/uploader/request.js';
import type { TelemetryRequest } from '../../src/uploader/request.js';
import { type ReportingWindow, SEND_DELAY_MS, dueWindows } from '../../src/uploader/windows.js';

const FEATURES = ['audit-log', 'sso'] as const;

/** One installation: its license and the secret it signs with. */
export interface Installation {
  readonly licenseId: string;
  readonly legalEntity: string;
  readonly secret: string;
}

/**
 * Stores `count` licenses through the license store, `concurrency` at a time:
 * the fleet the servers look up. Each gets a record, a signing key, and the
 * data key its reports are sealed under, as on any day after its first
 * report (a license's first report ever creates that key; a herd on the 1st
 * of the month is of licenses that have reported before).
 */
export async function provisionHerd(client: QueryClient, keyring: Keyring, count: number, options: { readonly prefix?: string; readonly concurrency?: number } = {}): Promise<Installation[]> {
  const prefix = options.prefix ?? 'herd';
  const keys = createLicenseStore(client, { keyring });
  await keys.migrate();
  const tables = licenseTables(client, { keyring }, 'herd');
  const reportKeys = dataKeys(tables, kekInForce(tables));
  const out: Installation[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const licenseId = `${prefix}-${String(i).padStart(6, '0')}`;
      const legalEntity = `Herd Customer ${i} GmbH`;
      await keys.setLicense({ licenseId, legalEntity, features: [...FEATURES], dataRegion: 'eu' });
      const { secret } = await keys.issue(licenseId);
      await reportKeys.keyFor('herd', licenseId, 'reports');
      out[i] = { licenseId, legalEntity, secret };
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return out;
}

/** An installation's window and its moment within the send interval. */
export interface Planned {
  readonly installation: Installation;
  readonly window: ReportingWindow;
  /** Milliseconds after the schedule's send time (02:00 UTC on the day the window ends). */
  readonly offsetMs: number;
}

/**
 * Each installation's due window on a twice-monthly schedule at `now`, after
 * it reported `last`: exactly one window each, and its send moment.
 */
export function planHerd(installations: readonly Installation[], last: ReportingWindow, now: number): Planned[] {
  return installations.map((installation) => {
    const due = dueWindows({ frequency: 'twice-monthly', licenseId: installation.licenseId, last, now });
    if (!due.ok) throw new Error(`herd: ${due.error.message}`);
    if (due.windows.length !== 1) throw new Error(`herd: ${installation.licenseId} has ${due.windows.length} windows due at ${new Date(now).toISOString()}, expected one`);
    const window = due.windows[0]!;
    const scheduled = Date.parse(window.periodEnd) + SEND_DELAY_MS;
    return { installation, window: { periodStart: window.periodStart, periodEnd: window.periodEnd }, offsetMs: Date.parse(window.sendAt) - scheduled };
  });
}

export interface HerdOptions {
  /** The servers; installation i sends to `baseUrls[i % baseUrls.length]`. */
  readonly baseUrls: readonly string[];
  /** `spread`: each at its moment, the hour compressed `scale` times; `at-once`: all at the start. */
  readonly arrival: 'spread' | 'at-once';
  readonly scale: number;
  /** Exchanges open at once across the fleet (the load generator's ports). */
  readonly maxOpen: number;
  /** `sendTelemetry`'s retries. */
  readonly retries: number;
  /** Per-attempt time limit, from when the exchange starts. */
  readonly timeoutMs?: number;
  /** Called with each answer's status as it comes, for a test that watches the herd. */
  readonly onAnswer?: (status: number) => void;
}

/** What the fleet saw. */
export interface HerdResult {
  readonly installations: number;
  /** Installations whose window was answered 201 or 200. */
  readonly delivered: number;
  /** Attempts by answer: `201`, `200`, `503 <rule>` (`503 overloaded`: admission control), …, or `network-error` where none came. */
  readonly answers: Readonly<Record<string, number>>;
  /** Attempts that reached their time limit without an answer (each is also a `network-error` above). */
  readonly timeouts: number;
  /** Attempts answered 503 without a `Retry-After` of whole seconds (the retry waited something else). */
  readonly refusedWithoutRetryAfter: number;
  /** The most attempts one installation needed. */
  readonly maxAttempts: number;
  /** Up to 5 installations that did not deliver, with their last error. */
  readonly failures: readonly string[];
  /** Up to 5 distinct errors of attempts that got no answer. */
  readonly unanswered: readonly string[];
  /** Milliseconds from the start (the schedule's send time) to the last window answered as stored. */
  readonly lastStoredMs: number;
}

/** A counting gate: at most `limit` holders at once, the rest waiting in arrival order. */
function gate(limit: number) {
  let open = 0;
  const waiting: (() => void)[] = [];
  return {
    async enter(): Promise<void> {
      if (open < limit) {
        open++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    leave(): void {
      const next = waiting.shift();
      if (next !== undefined) next();
      else open--;
    },
  };
}

/**
 * One exchange on a connection of its own (node:http without an agent, so
 * `Connection: close`), as an installation's own machine makes it: installations
 * share no connection, and none is reused after a wait. The answer's body is
 * read whole before the connection is given back.
 */
function exchange(url: string, init: Parameters<FetchLike>[1], timeoutMs: number, onAnswer?: (status: number) => void): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const req = httpRequest(url, { method: init.method, headers: init.headers, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
        const body = Buffer.concat(chunks);
        onAnswer?.(res.statusCode!);
        resolve(new Response(body.byteLength === 0 ? null : body, { status: res.statusCode!, headers }));
      });
    });
    req.on('error', (error) => reject(signal.aborted ? Object.assign(new Error('no answer within the time limit'), { name: 'TimeoutError' }) : error));
    req.end(init.body);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the herd: builds every installation's request, then sends each at its moment; resolves once every installation is done. */
export async function runHerd(planned: readonly Planned[], options: HerdOptions): Promise<HerdResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const requests: TelemetryRequest[] = [];
  for (const [i, p] of planned.entries()) {
    const built = await createTelemetryRequest(
      { periodStart: p.window.periodStart, periodEnd: p.window.periodEnd, activeSeats: i % 500, policiesActive: 7, policyExecutionsCount: 1200, totalProvisionedSeats: 500, seatLimitHit: false, featuresUsed: [...FEATURES], nodeVersion: '20' },
      { version: 1, licenseId: p.installation.licenseId, customer: p.installation.legalEntity, signingSecrets: [p.installation.secret], maskCustomer: false },
    );
    if (!built.ok) throw new Error(`herd: cannot build ${p.installation.licenseId}'s request: ${built.error.message}`);
    requests.push(built.request);
  }
  const order = planned.map((_, i) => i).sort((a, b) => (options.arrival === 'spread' ? planned[a]!.offsetMs - planned[b]!.offsetMs : a - b));

  const ports = gate(options.maxOpen);
  let timeouts = 0;
  // The attempt's limit starts once a connection is free; sendTelemetry's own limit is set far beyond it.
  const fetchOpen: FetchLike = async (url, init) => {
    await ports.enter();
    try {
      return await exchange(url, init, timeoutMs, options.onAnswer);
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') timeouts++;
      throw error;
    } finally {
      ports.leave();
    }
  };

  const answers: Record<string, number> = {};
  let refusedWithoutRetryAfter = 0;
  let maxAttempts = 0;
  let delivered = 0;
  let lastStored = 0;
  const failures: string[] = [];
  const unanswered: string[] = [];
  const start = Date.now();
  const sends: Promise<void>[] = [];
  for (const i of order) {
    if (options.arrival === 'spread') {
      const due = start + planned[i]!.offsetMs / options.scale;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    sends.push(
      (async () => {
        const result = await sendTelemetry(requests[i]!, { baseUrl: options.baseUrls[i % options.baseUrls.length]!, allowHttpLoopback: true, retries: options.retries, timeoutMs: 10 * timeoutMs, fetch: fetchOpen });
        maxAttempts = Math.max(maxAttempts, result.attempts.length);
        for (const attempt of result.attempts) {
          const key = attempt.status === undefined ? (attempt.rule ?? 'no-answer') : attempt.status === 503 ? `503 ${attempt.rule ?? ''}` : String(attempt.status);
          answers[key] = (answers[key] ?? 0) + 1;
          if (attempt.status === undefined && unanswered.length < 5 && !unanswered.includes(attempt.error ?? '')) unanswered.push(attempt.error ?? '');
          // A refusal's wait is the server's Retry-After, in whole seconds, when the server said one.
          if (attempt.status === 503 && attempt.delayMs !== undefined && (attempt.delayMs < 1000 || attempt.delayMs % 1000 !== 0)) refusedWithoutRetryAfter++;
        }
        if (result.ok) {
          delivered++;
          lastStored = Math.max(lastStored, Date.now() - start);
        } else if (failures.length < 5) {
          failures.push(`${planned[i]!.installation.licenseId}: ${result.error.rule}: ${result.error.message}`);
        }
      })(),
    );
  }
  await Promise.all(sends);
  return { installations: planned.length, delivered, answers, timeouts, refusedWithoutRetryAfter, maxAttempts, failures, unanswered, lastStoredMs: lastStored };
}
