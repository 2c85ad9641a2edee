/**
 * `telemetry-outbox`: the operator's view of an outbox folder, and the outbox
 * of an application in any language. `status` and `history` read it; `flush`
 * sends what waits ("send now"); `retry` puts a refused window back, `discard`
 * gives it up and `supersede` sends it as a correction; `show` prints a window
 * as it travels; `test` checks the connection with a probe the server never
 * stores; `init` sets a folder up for an application that is not Node.js and
 * `enqueue` queues its windows; `export` and `import-receipt` carry windows
 * across an air gap (./cli-admin.ts). Signing secrets come only from the
 * environment (or a file it names), never from a flag or from outbox.json,
 * and are never printed. Exit codes as the repository's commands: 0 ok, 1
 * findings (not healthy; windows refused or still waiting), 2 usage or
 * internal error; `test` has one code per diagnosis (./test-report.ts), and
 * `enqueue` says queued, refused or error.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCustomerName } from '../wire/mask.js';
import { ENQUEUE_EXIT_CODES, enqueueAnswer, enqueueRefusal, readCounts, runAdmin } from './cli-admin.js';
import type { Health } from './health.js';
import { windowText } from './show.js';
import { TEST_EXIT_CODES, testText } from './test-report.js';
import { type FlushResult, type FlushedWindow, type Outbox, OutboxError, type OutboxOptions, type OutboxStatus, type RetentionDays, openOutbox } from './outbox.js';
import type { LogEntry } from './transmission-log.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** The environment variables the CLI reads. */
export const CLI_ENV = {
  dir: 'TELEMETRY_OUTBOX_DIR',
  secrets: 'TELEMETRY_SIGNING_SECRETS',
  secretsFile: 'TELEMETRY_SIGNING_SECRETS_FILE',
  baseUrl: 'TELEMETRY_BASE_URL',
  allowHttpLoopback: 'TELEMETRY_ALLOW_HTTP_LOOPBACK',
  encryptionKey: 'TELEMETRY_ENCRYPTION_KEY',
  receiptKeys: 'TELEMETRY_RECEIPT_KEYS',
  mask: 'TELEMETRY_MASK_CUSTOMER',
} as const;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This machine's clock in milliseconds; default `Date.now` (tests skew it). */
  readonly now?: () => number;
  /** Standard input as bytes, the first 64 KiB and a byte more at most (`enqueue` reads the counts there); default none. */
  readonly stdin?: () => Promise<Uint8Array | string>;
}

class UsageError extends Error {}

type OptionName =
  | 'dir'
  | 'format'
  | 'since'
  | 'limit'
  | 'base-url'
  | 'all'
  | 'next'
  | 'raw'
  | 'out'
  | 'reason'
  | 'license'
  | 'license-id'
  | 'customer'
  | 'version'
  | 'mask-customer'
  | 'receipt-key'
  | 'retention-days'
  | 'max-pending'
  | 'help';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly placeholder?: string;
  readonly description: string;
  /** Given once per value, as often as needed. */
  readonly multiple?: boolean;
}

const OPTIONS: Readonly<Record<OptionName, OptionSpec>> = {
  dir: { type: 'string', placeholder: 'path', description: `the outbox folder (default: $${CLI_ENV.dir})` },
  format: { type: 'string', placeholder: 'format', description: 'output format (text, json)' },
  since: { type: 'string', placeholder: 'when', description: 'entries from then on: an ISO 8601 date or time, or an age such as 7d or 12h' },
  limit: { type: 'string', placeholder: 'n', description: 'at most n entries, newest first (default 20)' },
  'base-url': { type: 'string', placeholder: 'url', description: `the ingest server (default: $${CLI_ENV.baseUrl}, then outbox.json)` },
  all: { type: 'boolean', description: 'every refused window' },
  next: { type: 'boolean', description: 'the window the next flush sends first' },
  raw: { type: 'boolean', description: 'the body as its exact bytes, not pretty-printed' },
  out: { type: 'string', placeholder: 'file', description: 'the bundle file to write (a new file; a USB stick is fine)' },
  reason: { type: 'string', placeholder: 'text', description: 'why, kept in the transmission log (one line, at most 500 characters)' },
  license: { type: 'string', placeholder: 'file', description: 'the license record as the vendor ships it (JSON): the license id, the legal entity and the features a window may name' },
  'license-id': { type: 'string', placeholder: 'id', description: 'the license id, from the license (when there is no record file)' },
  customer: { type: 'string', placeholder: 'name', description: 'the legal entity name from the license; outbox.json keeps only the header as sent (the mask when masking is on)' },
  version: { type: 'string', placeholder: 'n', description: 'the schema version the application builds its windows in' },
  'mask-customer': { type: 'boolean', description: `send the customer's mask, never the name (default: $${CLI_ENV.mask} decides, as for the library)` },
  'receipt-key': { type: 'string', multiple: true, placeholder: 'ed25519:…', description: 'the vendor\'s public receipt key, shipped with the license (repeat during a rotation)' },
  'retention-days': { type: 'string', placeholder: 'days', description: 'how long the log and settled windows are kept: 7, 30, 90 or 365 (default 30)' },
  'max-pending': { type: 'string', placeholder: 'n', description: 'most windows that may wait before enqueue refuses more (default 1000)' },
  help: { type: 'boolean', description: 'show this help and exit' },
};

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionName[];
  readonly details: readonly string[];
  /** The command's own exit codes, when they are not the common ones. */
  readonly exits?: string;
}

const COMMANDS: Readonly<Record<'status' | 'history' | 'flush' | 'retry' | 'discard' | 'supersede' | 'show' | 'test' | 'init' | 'enqueue' | 'export' | 'import-receipt', CommandSpec>> = {
  status: {
    summary: 'waiting and refused windows, the last success, and the health state',
    usage: 'telemetry-outbox status --dir <path> [--format json]',
    options: ['dir', 'format', 'help'],
    details: ['Exits 0 when the health is "healthy", 1 for any other state (warning, unhealthy, disabled, not-configured).'],
  },
  history: {
    summary: 'the transmission log, newest first',
    usage: 'telemetry-outbox history --dir <path> [--since <when>] [--limit <n>] [--format json]',
    options: ['dir', 'since', 'limit', 'format', 'help'],
    details: ['Each entry: time, outcome, last status, message id, window, size, attempts, and the rule when not delivered.'],
  },
  flush: {
    summary: 'send the waiting windows now, oldest first',
    usage: 'telemetry-outbox flush --dir <path> [--base-url <url>] [--format json]',
    options: ['dir', 'base-url', 'format', 'help'],
    details: [
      `Signs with the secrets in $${CLI_ENV.secrets} (whsec_ values, newest first, separated by spaces or commas)`,
      `or in the file $${CLI_ENV.secretsFile} names (a systemd credential, a Kubernetes secret); they are never printed.`,
      'Exits 1 when a window was refused or still waits, or another flush is running.',
    ],
  },
  retry: {
    summary: 'put a refused window back in the queue for the next flush',
    usage: 'telemetry-outbox retry <message id> | --all --dir <path> [--format json]',
    options: ['dir', 'all', 'format', 'help'],
    details: ['`status` lists the refused windows and their ids. Run `flush` afterwards to send them now.'],
  },
  discard: {
    summary: 'give up a refused window, with the reason kept in the transmission log; health recovers',
    usage: 'telemetry-outbox discard <message id> --reason <text> --dir <path> [--format json]',
    options: ['dir', 'reason', 'format', 'help'],
    details: ['The window is kept, as discarded, for the retention period; `history` shows when, why and the server\'s last answer.', 'Exits 0, or 2 for an unknown id, a window that is not refused, or no reason.'],
  },
  supersede: {
    summary: 'send a window refused with 409 window-conflict as a reviewed correction of the report the server stored',
    usage: 'telemetry-outbox supersede <message id> --reason <text> --dir <path> [--format json]',
    options: ['dir', 'reason', 'format', 'help'],
    details: [
      'The window waits again as a correction naming the stored report (the digest the 409 named); the next flush posts it to the',
      'server\'s bundle endpoint, or the next export carries it. The server replaces its report only if it takes corrections;',
      `its signed receipt says what it did, so the vendor's receipt key must be known (outbox.json, or $${CLI_ENV.receiptKeys}).`,
      'A server that takes none answers supersede-refused: then discard the window.',
    ],
  },
  show: {
    summary: 'a window exactly as it travels: headers but the signature, body, and where it stands',
    usage: 'telemetry-outbox show <message id> | --next --dir <path> [--raw] [--format json]',
    options: ['dir', 'next', 'raw', 'format', 'help'],
    details: [
      'The body is pretty-printed, or with --raw its exact bytes (nothing added after them). `history` and `status` list the ids.',
      'The state: waiting (since when, attempts), refused (the server\'s answer) or delivered (when). Needs no secret and prints none.',
      'Exits 0, or 2 for an unknown id; --next with nothing waiting says so and exits 0.',
    ],
  },
  test: {
    summary: 'test the connection: one signed probe the server verifies like a report and never stores',
    usage: 'telemetry-outbox test --dir <path> [--base-url <url>] [--format json]',
    options: ['dir', 'base-url', 'format', 'help'],
    details: [
      `Signs with the secrets in $${CLI_ENV.secrets} or $${CLI_ENV.secretsFile}, as flush does, and sends the license id,`,
      'the customer header and the version the application saved in outbox.json. Nothing is queued or stored.',
    ],
    exits: `exit codes: ${Object.entries(TEST_EXIT_CODES)
      .sort(([, a], [, b]) => a - b)
      .map(([name, code]) => `${code} ${name}`)
      .join(', ')}`,
  },
  init: {
    summary: 'set an outbox folder up for an application that is not Node.js: who sends, the version, the server',
    usage: 'telemetry-outbox init --dir <path> (--license <file> | --license-id <id> --customer <name>) --version <n> [--mask-customer] [--base-url <url>] [--receipt-key <ed25519:…>] [--retention-days <days>] [--max-pending <n>]',
    options: ['dir', 'license', 'license-id', 'customer', 'version', 'mask-customer', 'base-url', 'receipt-key', 'retention-days', 'max-pending', 'format', 'help'],
    details: [
      `Creates the folder (0700) and writes outbox.json. Needs the signing secret(s) in $${CLI_ENV.secrets} or $${CLI_ENV.secretsFile}:`,
      'the customer header is worked out now (the mask is keyed by the first secret), and only the header is kept, never the name.',
      'With --license, the record the vendor ships: the license id and name come from it, and outbox.json keeps its features, so',
      'enqueue refuses a window naming another (feature-not-licensed), as the library does.',
      'Run it again with the same options after the vendor rotates the secret, so a mask made from the new one is sent.',
      'An air-gapped installation gives --receipt-key and no --base-url: it delivers by export and import-receipt.',
    ],
  },
  enqueue: {
    summary: 'queue a window: its counts as JSON from a file or standard input, on the disk before it exits',
    usage: 'telemetry-outbox enqueue [<counts file> | -] --dir <path> [--format json]',
    options: ['dir', 'format', 'help'],
    details: [
      'Every check of the library\'s enqueue: the counts completed and validated as the contract says, the window built and',
      `masked as outbox.json says (see init), the same window with other counts refused. Signs with $${CLI_ENV.secrets} or $${CLI_ENV.secretsFile}.`,
      'Without a file (or with -) the counts come from standard input. A scheduled `telemetry-outbox flush` sends them.',
    ],
    exits: `exit codes: ${ENQUEUE_EXIT_CODES.queued} queued (or already queued with the same counts), ${ENQUEUE_EXIT_CODES.refused} refused (the counts or the window: fix them, do not retry as they are), ${ENQUEUE_EXIT_CODES.error} error (usage, set-up, storage, a full queue: nothing was queued, try again)`,
  },
  export: {
    summary: 'write the waiting windows to an offline bundle file, to carry to the vendor by hand',
    usage: 'telemetry-outbox export --out <file> --dir <path> [--format json]',
    options: ['dir', 'out', 'format', 'help'],
    details: [
      `Signs the bundle with $${CLI_ENV.secrets} or $${CLI_ENV.secretsFile}; the file holds every window as it would be sent and no secret.`,
      'The windows keep waiting until a receipt (or a flush) says the server has them; exporting or flushing them again is safe.',
      'Exits 0 (also when nothing waits: no file is written), 2 when the file exists or the outbox cannot sign.',
    ],
  },
  'import-receipt': {
    summary: 'import the vendor\'s signed receipt for a bundle: exactly the windows it names are marked',
    usage: 'telemetry-outbox import-receipt <receipt file> --dir <path> [--format json]',
    options: ['dir', 'format', 'help'],
    details: [
      `Verifies the receipt with the vendor's receipt key (outbox.json, or $${CLI_ENV.receiptKeys}); a changed or forged receipt is refused.`,
      'Importing it again changes nothing. Exits 0 when every window it names is delivered, 1 when some were refused or still wait,',
      '2 for a receipt that does not verify.',
    ],
  },
};

type CommandName = keyof typeof COMMANDS;
const EXIT_LINE = `exit codes: ${EXIT_OK} ok, ${EXIT_FINDINGS} findings (not healthy; windows refused or still waiting), ${EXIT_ERROR} usage or internal error`;

function optionRows(names: readonly OptionName[]): string[] {
  const rows = names.map((name) => {
    const spec = OPTIONS[name];
    return [spec.type === 'string' ? `--${name} <${spec.placeholder}>` : `--${name}`, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

function envRows(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
}

/** The overview: every command. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'telemetry-outbox: read and drive the telemetry outbox of an on-prem installation',
    '',
    'usage: telemetry-outbox <command> --dir <path> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    '',
    'options:',
    ...optionRows(['dir', 'format', 'help']),
    '',
    'environment:',
    ...envRows([
      [CLI_ENV.dir, 'the outbox folder, when --dir is not given'],
      [CLI_ENV.secrets, 'the whsec_ signing secret(s) flush and test sign with, newest first; never printed'],
      [CLI_ENV.secretsFile, 'a file holding them instead (a systemd credential, a Kubernetes secret)'],
      [CLI_ENV.baseUrl, 'the ingest server, when --base-url is not given; outbox.json keeps the one the application uses'],
      [CLI_ENV.allowHttpLoopback, 'set to 1 to send over plain http: to a loopback address (development); only https: otherwise, unless outbox.json allows it'],
      [CLI_ENV.encryptionKey, 'the encryption key, when the application was given one of its own; never printed'],
      [CLI_ENV.receiptKeys, 'the vendor\'s public receipt key(s), ed25519:…, when outbox.json has none (import-receipt, supersede)'],
      [CLI_ENV.mask, 'init masks the customer when set (not empty, 0 or false) and --mask-customer is not given'],
    ]),
    '',
    'Run telemetry-outbox <command> --help for a command\'s options (and test\'s own exit codes).',
    '',
    EXIT_LINE,
    '',
  ].join('\n');
}

export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  return [`telemetry-outbox ${name}: ${spec.summary}`, '', `usage: ${spec.usage}`, '', 'options:', ...optionRows(spec.options), '', ...spec.details, '', spec.exits ?? EXIT_LINE, ''].join('\n');
}

/** `--since`: an ISO date or time, or an age (`7d`, `12h`, `30m`) before now. */
function parseSince(value: string, nowMs: number): number {
  const age = /^([1-9][0-9]{0,5})([dhm])$/.exec(value.trim());
  if (age) return nowMs - Number(age[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as 'd' | 'h' | 'm'];
  const ms = /^\d{4}-\d{2}-\d{2}([Tt ].*)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since must be an ISO 8601 date or time (2026-11-01, 2026-11-01T02:00:00Z) or an age (7d, 12h, 30m), got "${value}"`);
  return ms;
}

async function signingSecrets(env: CliIo['env']): Promise<string[] | undefined> {
  let text = env[CLI_ENV.secrets];
  const file = env[CLI_ENV.secretsFile];
  if (text !== undefined && text.trim() !== '' && file !== undefined && file !== '') throw new UsageError(`set ${CLI_ENV.secrets} or ${CLI_ENV.secretsFile}, not both`);
  if (file !== undefined && file !== '') {
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`${CLI_ENV.secretsFile}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const secrets = (text ?? '').split(/[\s,]+/).filter((s) => s !== '');
  return secrets.length === 0 ? undefined : secrets;
}

/** The folder must already be an outbox: a mistyped --dir must not quietly create an empty one. */
async function checkOutboxFolder(dir: string): Promise<void> {
  const exists = async (path: string) => stat(path).then(() => true, () => false);
  if (!(await exists(dir))) throw new UsageError(`${dir}: no such folder; --dir names the folder the application opens its outbox in`);
  if (!(await exists(join(dir, 'records'))) && !(await exists(join(dir, 'outbox.json')))) {
    throw new UsageError(`${dir}: is not an outbox folder (it has neither records/ nor outbox.json); check --dir`);
  }
}

const span = (w: { readonly start: string; readonly end: string }) => `${w.start}…${w.end}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function statusText(status: OutboxStatus, health: Health): string {
  const lines = [
    `outbox     ${status.location}`,
    `health     ${health.state}: ${health.reason}`,
    `pending    ${status.pending}${status.oldestPending ? ` (oldest ${span(status.oldestPending.window)}, queued ${status.oldestPending.enqueuedAt}, ${plural(status.oldestPending.attempts, 'attempt')}${status.oldestPending.lastError ? `, last: ${status.oldestPending.lastError.status ?? 'no answer'} ${status.oldestPending.lastError.rule}` : ''})` : ''}`,
    `refused    ${status.failed}`,
    `delivered  ${status.delivered} kept (retention ${status.retentionDays} days)`,
    `last sent  ${status.lastSuccess ? `${status.lastSuccess.at} (${status.lastSuccess.messageId})` : 'never, as far as the log goes'}`,
    `server     ${status.baseUrl ?? 'not set'}`,
  ];
  if (status.unreadable > 0) lines.push(`unreadable ${status.unreadable} record file(s), set aside in corrupt/`);
  if (status.failedWindows.length > 0) {
    lines.push('', 'refused windows (telemetry-outbox retry <id>):');
    for (const w of status.failedWindows) lines.push(`  ${w.messageId}  ${span(w.window)}  ${w.failure ? `${w.failure.status ?? 'no answer'} ${w.failure.rule}: ${w.failure.message}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function historyText(entries: readonly LogEntry[]): string {
  if (entries.length === 0) return 'no transmissions in the log for this period\n';
  return entries
    .map((e) => {
      const attempts = e.attempts.length === 0 ? '' : `  ${plural(e.attempts.length, 'attempt')} (${e.attempts.map((a) => a.status ?? a.rule ?? '?').join(', ')})`;
      const why = e.outcome === 'delivered' ? '' : e.rule ? `  ${e.rule}${e.message ? `: ${e.message}` : ''}` : '';
      const extra = `${e.projection ? `  sent as v${e.projection.to} (projected from v${e.projection.from})` : ''}${e.deprecation ? `  v${e.deprecation.version} deprecated${e.deprecation.sunset ? `, sunset ${e.deprecation.sunset.slice(0, 10)}` : ''}` : ''}`;
      return `${e.time}  ${e.outcome.padEnd(9)}  ${String(e.status ?? '-').padEnd(3)}  ${e.messageId}  ${span(e.window)}  ${e.bytes} B${attempts}${why}${extra}\n`;
    })
    .join('');
}

function flushText(result: FlushResult): string {
  const line = (w: FlushedWindow) => `  ${w.messageId}  ${span(w.window)}  ${w.status ?? ''}${w.status !== undefined ? ' ' : ''}${w.rule ?? ''}${w.message ? `: ${w.message}` : ''}\n`;
  let text = result.error ? `${result.error.message}\n` : '';
  text += `delivered ${result.delivered.length}, refused ${result.failed.length}, still pending ${result.pending.length}\n`;
  if (result.failed.length > 0) text += `refused (telemetry-outbox retry <id> once the cause is fixed):\n${result.failed.map(line).join('')}`;
  const tried = result.pending.filter((w) => w.rule !== 'not-tried');
  if (tried.length > 0) text += `not delivered, sent again by the next flush:\n${tried.map(line).join('')}`;
  const untried = result.pending.length - tried.length;
  if (untried > 0) text += `${plural(untried, 'window')} not tried this time, after the server could not be reached\n`;
  return text;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Commands that take one argument: a message id, or a file. */
const ONE_ARGUMENT: Readonly<Partial<Record<CommandName, string>>> = { retry: 'message id', show: 'message id', discard: 'message id', supersede: 'message id', 'import-receipt': 'receipt file', enqueue: 'counts file' };

/** A whole number option (`--version`, `--retention-days`, `--max-pending`), or undefined when not given. */
function integerOption(values: Record<string, unknown>, name: OptionName): number | undefined {
  const text = values[name] as string | undefined;
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,6}$/.test(text)) throw new UsageError(`--${name} must be a positive whole number, got "${text}"`);
  return Number(text);
}

/** The license record file of `init --license`, parsed; checked by openOutbox. */
async function licenseFile(file: string): Promise<OutboxOptions['license']> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--license: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as OutboxOptions['license'];
  } catch {
    throw new UsageError(`--license: ${file} is not JSON; it is the license record as the vendor ships it`);
  }
}

/** What `init` sets: who sends, the version, the server, the receipt keys, retention and the queue's limit. */
async function initOptions(values: Record<string, unknown>): Promise<Partial<OutboxOptions> & { readonly version?: 1 }> {
  const record = values['license'] === undefined ? undefined : await licenseFile(values['license'] as string);
  const missing = ([...(record === undefined ? (['license-id', 'customer'] as const) : []), 'version'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`init needs ${missing.map((m) => `--${m}`).join(', ')}${record === undefined ? ' (or --license <file> for the first two)' : ''}: who sends (from the license) and the schema version the application builds`);
  const customer = values['customer'] as string | undefined;
  const problem = customer === undefined ? undefined : checkCustomerName(customer);
  if (problem !== undefined) throw new UsageError(problem.message.replace(/^customer: /, '--customer: '));
  const retentionDays = integerOption(values, 'retention-days');
  const maxPending = integerOption(values, 'max-pending');
  const receiptKeys = values['receipt-key'] as string[] | undefined;
  return {
    ...(record !== undefined ? { license: record } : {}),
    ...(values['license-id'] !== undefined ? { licenseId: values['license-id'] as string } : {}),
    ...(customer !== undefined ? { customer } : {}),
    version: integerOption(values, 'version') as 1,
    ...(values['mask-customer'] === true ? { maskCustomer: true } : {}),
    ...(retentionDays !== undefined ? { retentionDays: retentionDays as RetentionDays } : {}),
    ...(maxPending !== undefined ? { maxPending } : {}),
    ...(receiptKeys !== undefined ? { receiptKeys } : {}),
  };
}

async function run(name: CommandName, values: Record<string, string | boolean | string[] | undefined>, positionals: readonly string[], io: CliIo): Promise<number> {
  const format = (values['format'] as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json, got "${format}"`);
  const dir = (values['dir'] as string | undefined) ?? io.env[CLI_ENV.dir];
  if (dir === undefined || dir === '') throw new UsageError(`--dir is required (or set ${CLI_ENV.dir})`);
  const argument = ONE_ARGUMENT[name];
  if (argument === undefined && positionals.length > 0) throw new UsageError(`${name} takes no arguments, got "${positionals[0]}"`);
  if (positionals.length > 1) throw new UsageError(`${name} takes one ${argument}, got ${positionals.length}`);
  if (name === 'show' && (values['next'] === true) === (positionals.length > 0)) throw new UsageError('show takes one message id, or --next');
  if ((name === 'discard' || name === 'supersede' || name === 'import-receipt') && positionals.length === 0) throw new UsageError(`${name} takes one ${argument}`);
  if ((name === 'discard' || name === 'supersede') && values['reason'] === undefined) throw new UsageError(`${name} needs --reason: why, kept in the transmission log`);
  if (name === 'export' && values['out'] === undefined) throw new UsageError('export needs --out <file>: where the bundle is written (a new file)');
  // init makes the folder; every other command must find one, so a mistyped --dir creates nothing.
  const init = name === 'init' ? await initOptions(values) : undefined;
  if (init === undefined) await checkOutboxFolder(dir);
  // The counts first: a document that is not a window's counts is refused before anything is opened.
  const counts = name === 'enqueue' ? await readCounts(positionals[0], io.stdin ?? (async () => '')) : undefined;
  if (counts !== undefined && !counts.ok) {
    if (counts.usage) throw new UsageError(counts.error.message);
    return enqueueRefusal(counts.error, { out: io.out, err: io.err, format });
  }

  const signs = ['flush', 'test', 'export', 'enqueue', 'init'].includes(name);
  const secrets = signs ? await signingSecrets(io.env) : undefined;
  if (signs && secrets === undefined) throw new UsageError(`${name} needs the signing secret(s): set ${CLI_ENV.secrets} or ${CLI_ENV.secretsFile}`);
  const encryptionKey = signs && io.env[CLI_ENV.encryptionKey] ? io.env[CLI_ENV.encryptionKey] : undefined;
  const baseUrl = (values['base-url'] as string | undefined) ?? io.env[CLI_ENV.baseUrl];
  const receiptKeys = (io.env[CLI_ENV.receiptKeys] ?? '').split(/[\s,]+/).filter((key) => key !== '');
  let outbox: Outbox;
  try {
    outbox = await openOutbox({
      dir,
      saveSettings: init !== undefined,
      ...(init ?? {}),
      ...(secrets ? { signingSecrets: secrets } : {}),
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
      ...(baseUrl !== undefined && baseUrl !== '' ? { baseUrl } : {}),
      ...(io.env[CLI_ENV.allowHttpLoopback] === '1' ? { allowHttpLoopback: true } : {}),
      ...(receiptKeys.length > 0 && init === undefined ? { receiptKeys } : {}),
      ...(init !== undefined ? { env: io.env } : {}),
      ...(io.now ? { now: io.now } : {}),
    });
  } catch (error) {
    if (error instanceof OutboxError && ['invalid-option', 'invalid-address', 'https-only'].includes(error.rule)) throw new UsageError(error.message.replace(/^openOutbox: /, ''));
    throw error;
  }
  const tidy = outbox.opened;
  if (format === 'text' && (tidy.tempFilesRemoved > 0 || tidy.setAside.length > 0)) {
    io.err(`opening the outbox removed ${plural(tidy.tempFilesRemoved, 'left-over temporary file')} and set ${plural(tidy.setAside.length, 'unreadable record')} aside\n`);
  }

  switch (name) {
    case 'status': {
      const [status, health] = await Promise.all([outbox.status(), outbox.health()]);
      io.out(format === 'json' ? json({ status, health }) : statusText(status, health));
      return health.state === 'healthy' ? EXIT_OK : EXIT_FINDINGS;
    }
    case 'history': {
      const limitText = values['limit'] as string | undefined;
      const limit = limitText === undefined ? 20 : /^[1-9][0-9]{0,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
      if (Number.isNaN(limit)) throw new UsageError(`--limit must be a positive integer, got "${limitText}"`);
      const sinceText = values['since'] as string | undefined;
      const entries = await outbox.history({ limit, ...(sinceText !== undefined ? { since: parseSince(sinceText, Date.now()) } : {}) });
      io.out(format === 'json' ? json({ entries }) : historyText(entries));
      return EXIT_OK;
    }
    case 'flush': {
      const result = await outbox.flush();
      const cannotRun = result.error !== undefined && ['not-configured', 'storage-read', 'storage-write'].includes(result.error.rule);
      if (format === 'json') io.out(json(result));
      else (cannotRun ? io.err : io.out)(flushText(result));
      return cannotRun ? EXIT_ERROR : result.ok ? EXIT_OK : EXIT_FINDINGS;
    }
    case 'retry': {
      const all = values['all'] === true;
      if (all === (positionals.length > 0)) throw new UsageError('retry takes one message id, or --all');
      if (positionals.length > 1) throw new UsageError(`retry takes one message id, got ${positionals.length}`);
      const ids = all ? (await outbox.status()).failedWindows.map((w) => w.messageId) : [positionals[0]!];
      const results = [];
      for (const id of ids) results.push(await outbox.retry(id));
      const refused = results.filter((r) => !r.ok);
      if (format === 'json') io.out(json({ results }));
      else {
        if (all && ids.length === 0) io.out('no refused windows to retry\n');
        for (const r of results) {
          if (r.ok) io.out(`${r.messageId} (${span(r.window)}) waits again; the next flush sends it (telemetry-outbox flush)\n`);
          else io.err(`${r.error.message}\n`);
        }
      }
      return refused.length === 0 ? EXIT_OK : EXIT_ERROR;
    }
    case 'show': {
      const shown = values['next'] === true ? await outbox.showNext() : await outbox.show(positionals[0]!);
      if (!shown.ok) {
        io.err(`${shown.error.message}\n`);
        return EXIT_ERROR;
      }
      if (shown.view === undefined) io.out(format === 'json' ? json({ next: null }) : 'no window waits; the next one is queued when the application closes its next window\n');
      else io.out(format === 'json' ? json(shown.view) : windowText(shown.view, { raw: values['raw'] === true }));
      return EXIT_OK;
    }
    case 'test': {
      const result = await outbox.testConnection();
      io.out(format === 'json' ? json(result) : testText(result));
      return TEST_EXIT_CODES[result.diagnosis];
    }
    case 'init': {
      const [status, health, settings] = await Promise.all([outbox.status(), outbox.health(), readFile(join(dir, 'outbox.json'), 'utf8').catch(() => '')]);
      if (format === 'json') io.out(json({ location: status.location, settings: settings === '' ? null : (JSON.parse(settings) as unknown), health }));
      else {
        io.out(`${dir}/outbox.json (no secret: the signing secrets stay in ${CLI_ENV.secrets} or ${CLI_ENV.secretsFile}):\n${settings}`);
        io.out(`health     ${health.state}: ${health.reason}\n`);
        io.out(`next: pipe each window's counts to telemetry-outbox enqueue --dir ${dir}, and schedule ${status.baseUrl !== undefined ? 'telemetry-outbox flush' : 'telemetry-outbox export and import-receipt'}\n`);
      }
      return settings === '' ? EXIT_ERROR : EXIT_OK;
    }
    case 'enqueue': {
      // Read before the outbox was opened; here it is known to be a JSON object.
      const result = await outbox.enqueue((counts as { counts: Record<string, unknown> }).counts as never);
      return enqueueAnswer(result, { out: io.out, err: io.err, format });
    }
    case 'export':
    case 'import-receipt':
    case 'discard':
    case 'supersede':
      return runAdmin(outbox, name, { dir, ...(values['out'] !== undefined ? { out: values['out'] as string } : {}), ...(values['reason'] !== undefined ? { reason: values['reason'] as string } : {}), ...(positionals[0] !== undefined ? { target: positionals[0] } : {}) }, { out: io.out, err: io.err, format });
  }
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code; never throws. */
export async function runOutboxCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(OPTIONS).map(([name, spec]) => [name, { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`telemetry-outbox: ${(error as Error).message}\nrun telemetry-outbox --help for usage\n`);
    return EXIT_ERROR;
  }
  const [name, ...rest] = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (name === undefined) {
    if (values['help'] === true) {
      io.out(mainHelp());
      return EXIT_OK;
    }
    io.err(`telemetry-outbox: a command is required: ${Object.keys(COMMANDS).join(', ')}\nrun telemetry-outbox --help for usage\n`);
    return EXIT_ERROR;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    io.err(`telemetry-outbox: unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}\nrun telemetry-outbox --help for usage\n`);
    return EXIT_ERROR;
  }
  const command = name as CommandName;
  if (values['help'] === true) {
    io.out(commandHelp(command));
    return EXIT_OK;
  }
  const foreign = Object.keys(values).filter((option) => values[option] !== undefined && !COMMANDS[command].options.includes(option as OptionName));
  if (foreign.length > 0) {
    io.err(`telemetry-outbox ${command}: --${foreign[0]} is not an option of ${command}\nrun telemetry-outbox ${command} --help for usage\n`);
    return EXIT_ERROR;
  }
  try {
    return await run(command, values, rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`telemetry-outbox ${command}: ${error.message}\nrun telemetry-outbox ${command} --help for usage\n`);
      return EXIT_ERROR;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`telemetry-outbox ${command}: ${error instanceof OutboxError ? '' : 'internal error: '}${message}\n`);
    return EXIT_ERROR;
  }
}
