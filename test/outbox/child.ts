/**
 * The uploader process of the crash, fault and concurrency tests: the tests
 * bundle this file into one plain .mjs (fast to start, nothing to compile)
 * and run it as `node child.mjs <mode> <json config>`. Each line it prints is
 * written before the next step starts (stdout on a pipe is synchronous on
 * Linux), so a test that reads `queued <i> <id>` knows that enqueue returned.
 *
 *   crash    enqueue window first, first+1, … and flush after each, until killed
 *   flush    one flush; prints `result <FlushResult JSON>`
 *   enqueue  enqueue config.windows; prints `result <EnqueueResult JSON>` for each
 *   status   prints `result <OutboxStatus JSON>`
 */
import { request } from 'node:http';
import { openOutbox } from '../../src/outbox.js';
import type { FetchLike } from '../../src/uploader/send.js';
import { CUSTOMER, LICENSE, windowCounts } from './windows.js';

interface Config {
  readonly dir: string;
  readonly secret: string;
  readonly baseUrl: string;
  readonly first?: number;
  readonly windows?: readonly number[];
  readonly maxPending?: number;
  /** `http`: send with node:http instead of the global fetch, whose first use costs a fresh process ~50 ms of CPU. */
  readonly transport?: 'fetch' | 'http';
}

/**
 * The least of a fetch that sendTelemetry needs (status, headers.get, a body
 * stream), over node:http: the same requests on the wire, without loading
 * undici in every one of the crash test's two hundred processes.
 */
const httpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = new Uint8Array(Buffer.concat(chunks));
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        });
        const headers = { get: (name: string) => { const value = res.headers[name.toLowerCase()]; return value === undefined ? null : String(value); } };
        resolve({ status: res.statusCode ?? 0, headers, body } as unknown as Response);
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });

const [mode, configText] = process.argv.slice(2);
const config = JSON.parse(configText ?? '{}') as Config;
const say = (line: string) => void process.stdout.write(`${line}\n`);

const outbox = await openOutbox({
  dir: config.dir,
  version: 1,
  licenseId: LICENSE,
  customer: CUSTOMER,
  signingSecrets: [config.secret],
  maskCustomer: true,
  baseUrl: config.baseUrl,
  allowHttpLoopback: true,
  retries: 1,
  delays: () => 0,
  timeoutMs: 5000,
  ...(config.transport === 'http' ? { fetch: httpFetch } : {}),
  ...(config.maxPending !== undefined ? { maxPending: config.maxPending } : {}),
});
say(`open ${JSON.stringify(outbox.opened)}`);

switch (mode) {
  case 'crash':
    for (let i = config.first ?? 0; ; i++) {
      const queued = await outbox.enqueue(windowCounts(i));
      say(queued.ok ? `queued ${i} ${queued.messageId}` : `refused ${i} ${queued.error.message}`);
      say(`flushed ${(await outbox.flush()).delivered.length}`);
    }
  case 'flush':
    say(`result ${JSON.stringify(await outbox.flush())}`);
    break;
  case 'enqueue':
    for (const i of config.windows ?? []) say(`result ${JSON.stringify(await outbox.enqueue(windowCounts(i)))}`);
    break;
  case 'status':
    say(`result ${JSON.stringify(await outbox.status())}`);
    break;
  default:
    process.stderr.write(`child: unknown mode ${String(mode)}\n`);
    process.exitCode = 2;
}
