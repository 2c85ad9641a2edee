/**
 * The `telemetry-outbox` commands beyond reading and flushing: `init` and
 * `enqueue`, which give an application in any language the outbox (it sets
 * the folder up once, then pipes each window's counts in as JSON); `export`
 * and `import-receipt`, which carry windows across an air gap; `discard` and
 * `supersede`, which resolve a refused window. ./cli.ts parses the command
 * line and opens the outbox; this module does each command's work and says
 * it in text or JSON.
 */
import { readFile } from 'node:fs/promises';
import { parseJsonBody } from '../contract/parse.js';
import type { OutboxFailure } from './errors.js';
import type { EnqueueResult, Outbox } from './outbox.js';
import type { ExportResult, ImportResult } from './offline.js';
import type { ResolveResult } from './resolve.js';

/** What `enqueue` exits with: the window is on the disk; it was refused for what it is; or nothing could be done now. */
export const ENQUEUE_EXIT_CODES = { queued: 0, refused: 1, error: 2 } as const;

/**
 * Refusals of the outbox, not of the window: set-up, storage, a full queue. The
 * same counts may be queued later, so the caller keeps them and tries again.
 * Any other rule refuses the window itself (its counts, its window, a switched-off telemetry).
 */
const NOT_THE_WINDOW = ['not-configured', 'storage-read', 'storage-write', 'queue-full', 'secret-count', 'secret-format', 'unsupported-version', 'version-required', 'invalid-header', 'busy'];

/** The largest counts document `enqueue` reads: the contract's own body limit. */
const MAX_COUNTS_BYTES = 64 * 1024;

const span = (w: { readonly start: string; readonly end: string }) => `${w.start}…${w.end}`;
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export interface AdminIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly format: 'text' | 'json';
}

/** The counts of `enqueue`: a JSON object from a file or standard input, as I-JSON, or why not. */
export async function readCounts(source: string | undefined, stdin: () => Promise<Uint8Array | string>): Promise<{ ok: true; counts: Record<string, unknown> } | { ok: false; error: OutboxFailure; usage?: boolean }> {
  let text: Uint8Array | string;
  try {
    text = source === undefined || source === '-' ? await stdin() : new Uint8Array(await readFile(source));
  } catch (error) {
    return { ok: false, usage: true, error: { rule: 'counts-file', message: `${source ?? 'standard input'}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}) (counts-file)` } };
  }
  const parsed = parseJsonBody(text, { maxBytes: MAX_COUNTS_BYTES });
  if (!parsed.ok) {
    const { path, rule, message } = parsed.errors[0]!;
    return { ok: false, error: { rule, message: `counts${path === '' ? '' : ` ${path}`}: ${message.slice((path === '' ? '(root)' : path).length + 2)}` } };
  }
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    return { ok: false, error: { rule: 'type', message: 'counts: must be a JSON object of the window\'s counts, such as {"periodStart": "2026-11-01T00:00:00Z", …} (type)' } };
  }
  return { ok: true, counts: parsed.value as Record<string, unknown> };
}

/** `enqueue`'s answer: one line (or the JSON result) and its exit code. */
export function enqueueAnswer(result: EnqueueResult, io: AdminIo): number {
  if (result.ok) {
    const line = `${result.duplicate ? 'already queued' : 'queued'} ${result.messageId} (${span(result.window)})${result.duplicate ? `, ${result.state === 'pending' ? 'waiting' : result.state}` : ''}: on the disk; telemetry-outbox flush (or export) sends it\n`;
    io.out(io.format === 'json' ? json({ result: 'queued', ...result }) : line);
    return ENQUEUE_EXIT_CODES.queued;
  }
  return enqueueRefusal(result.error, io);
}

/** A window `enqueue` did not queue: refused for what it is (1), or not now (2). */
export function enqueueRefusal(error: OutboxFailure, io: AdminIo): number {
  const refused = !NOT_THE_WINDOW.includes(error.rule);
  if (io.format === 'json') io.out(json({ result: refused ? 'refused' : 'error', ok: false, error }));
  else io.err(`${refused ? 'refused' : 'not queued'}: ${error.message}\n`);
  return refused ? ENQUEUE_EXIT_CODES.refused : ENQUEUE_EXIT_CODES.error;
}

/** `export`'s answer: what the bundle holds and what to do with it. */
export function exportAnswer(result: ExportResult, file: string, dir: string, io: AdminIo): number {
  if (!result.ok) {
    io.err(`${result.error.message}\n`);
    return 2;
  }
  if (io.format === 'json') {
    const { text: _text, ...rest } = result;
    io.out(json({ ...rest, ...(result.bundle ? { file } : {}) }));
    return 0;
  }
  if (result.bundle === undefined) {
    io.out('no window waits: nothing to export, no file written\n');
    return 0;
  }
  const first = result.bundle.windows[0]!.headers;
  const lines = [
    `bundle    ${result.bundleId}`,
    `file      ${file} (${result.windows.length} window${result.windows.length === 1 ? '' : 's'}, ${result.text!.length} bytes)`,
    `license   ${result.bundle.licenseId}`,
    `customer  ${first['x-telemetry-customer']} (as sent)`,
    '',
    'windows:',
    ...result.windows.map((w) => `  ${w.messageId}  ${span(w.window)}${w.supersedes ? `  correction of ${w.supersedes}` : ''}`),
    '',
    'Read the file before it travels: every window as it would be sent, the signature, no secret.',
    'Upload it to the vendor (POST /api/v1/telemetry/bundles), then bring the receipt back:',
    `  telemetry-outbox import-receipt <receipt file> --dir ${dir}`,
    ...(result.left > 0 ? [`${result.left} more window${result.left === 1 ? '' : 's'} wait beyond this bundle's limit: export again.`] : []),
  ];
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

/** `import-receipt`'s answer: each window of the receipt and what became of it. 0 when every one is delivered. */
export function importAnswer(result: ImportResult, io: AdminIo): number {
  if (!result.ok) {
    io.err(`${result.error.message}\n`);
    return 2;
  }
  const settled = result.windows.every((w) => w.outcome === 'delivered' || (w.outcome === 'unchanged' && w.status >= 200 && w.status < 300));
  if (io.format === 'json') io.out(json(result));
  else {
    const counts = (outcome: string) => result.windows.filter((w) => w.outcome === outcome).length;
    io.out(
      [
        `receipt of ${result.bundleId}, received ${result.receivedAt}: signature verified`,
        `delivered ${counts('delivered')}, refused ${counts('failed')}, still waiting ${counts('pending')}, unchanged ${counts('unchanged')}, not in this outbox ${counts('unknown')}`,
        ...result.windows.map((w) => `  ${w.messageId}  ${w.window ? span(w.window) : '(unknown window)'}  ${w.outcome}  ${w.status}${w.rule ? ` ${w.rule}` : ''}${w.message && w.outcome !== 'delivered' ? `: ${w.message}` : ''}`),
        '',
      ].join('\n'),
    );
  }
  return settled ? 0 : 1;
}

/** `discard` and `supersede`: what now. */
export function resolveAnswer(result: ResolveResult, doing: 'discard' | 'supersede', io: AdminIo): number {
  if (!result.ok) {
    io.err(`${result.error.message}\n`);
    return 2;
  }
  if (io.format === 'json') io.out(json(result));
  else if (doing === 'discard') io.out(`${result.messageId} (${span(result.window)}) is discarded; the reason is in the transmission log (telemetry-outbox history)\n`);
  else io.out(`${result.messageId} (${span(result.window)}) waits as a correction of the stored report ${result.supersedes}; the next flush posts it (telemetry-outbox flush), or the next export carries it\n`);
  return 0;
}

/** Runs one of the resolving or offline commands on an open outbox. */
export async function runAdmin(
  outbox: Outbox,
  command: 'export' | 'import-receipt' | 'discard' | 'supersede',
  input: { readonly dir: string; readonly out?: string; readonly reason?: string; readonly target?: string },
  io: AdminIo,
): Promise<number> {
  switch (command) {
    case 'export':
      return exportAnswer(await outbox.exportBundle({ file: input.out! }), input.out!, input.dir, io);
    case 'import-receipt': {
      let document: unknown;
      try {
        document = JSON.parse(await readFile(input.target!, 'utf8'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        io.err(`${input.target}: ${code ? `cannot be read (${code})` : 'is not JSON'}: a receipt is the JSON file the server answered to the bundle (receipt-invalid)\n`);
        return 2;
      }
      return importAnswer(await outbox.importReceipt(document), io);
    }
    case 'discard':
      return resolveAnswer(await outbox.discard(input.target!, { reason: input.reason ?? '' }), 'discard', io);
    case 'supersede':
      return resolveAnswer(await outbox.supersede(input.target!, { reason: input.reason ?? '' }), 'supersede', io);
  }
}
