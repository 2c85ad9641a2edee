/**
 * `telemetry-outbox`: the operator's view of an outbox folder. `status` and
 * `history` read it; `flush` sends what waits ("send now"); `retry` puts a
 * refused window back; `show` prints a window as it travels; `test` checks
 * the connection with a probe the server never stores. Signing secrets come
 * only from the environment (or a file it names), never from a flag or from
 * outbox.json, and are never printed. Exit codes as the repository's
 * commands: 0 ok, 1 findings (not healthy; windows refused or still
 * waiting), 2 usage or internal error; `test` has one code per diagnosis
 * (./test-report.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Health } from './health.js';
import { windowText } from './show.js';
import { TEST_EXIT_CODES, testText } from './test-report.js';
import { type FlushResult, type FlushedWindow, type Outbox, OutboxError, type OutboxStatus, openOutbox } from './outbox.js';
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
} as const;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This machine's clock in milliseconds; default `Date.now` (tests skew it). */
  readonly now?: () => number;
}

class UsageError extends Error {}

type OptionName = 'dir' | 'format' | 'since' | 'limit' | 'base-url' | 'all' | 'next' | 'raw' | 'help';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly placeholder?: string;
  readonly description: string;
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

const COMMANDS: Readonly<Record<'status' | 'history' | 'flush' | 'retry' | 'show' | 'test', CommandSpec>> = {
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

async function run(name: CommandName, values: Record<string, string | boolean | undefined>, positionals: readonly string[], io: CliIo): Promise<number> {
  const format = (values['format'] as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json, got "${format}"`);
  const dir = (values['dir'] as string | undefined) ?? io.env[CLI_ENV.dir];
  if (dir === undefined || dir === '') throw new UsageError(`--dir is required (or set ${CLI_ENV.dir})`);
  if (name !== 'retry' && name !== 'show' && positionals.length > 0) throw new UsageError(`${name} takes no arguments, got "${positionals[0]}"`);
  if (name === 'show' && (values['next'] === true) === (positionals.length > 0)) throw new UsageError('show takes one message id, or --next');
  if (name === 'show' && positionals.length > 1) throw new UsageError(`show takes one message id, got ${positionals.length}`);
  await checkOutboxFolder(dir);

  const signs = name === 'flush' || name === 'test';
  const secrets = signs ? await signingSecrets(io.env) : undefined;
  if (signs && secrets === undefined) throw new UsageError(`${name} needs the signing secret(s): set ${CLI_ENV.secrets} or ${CLI_ENV.secretsFile}`);
  const encryptionKey = signs && io.env[CLI_ENV.encryptionKey] ? io.env[CLI_ENV.encryptionKey] : undefined;
  const baseUrl = (values['base-url'] as string | undefined) ?? io.env[CLI_ENV.baseUrl];
  let outbox: Outbox;
  try {
    outbox = await openOutbox({
      dir,
      saveSettings: false,
      ...(secrets ? { signingSecrets: secrets } : {}),
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
      ...(baseUrl !== undefined && baseUrl !== '' ? { baseUrl } : {}),
      ...(io.env[CLI_ENV.allowHttpLoopback] === '1' ? { allowHttpLoopback: true } : {}),
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
  }
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code; never throws. */
export async function runOutboxCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(OPTIONS).map(([name, spec]) => [name, { type: spec.type }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`telemetry-outbox: ${(error as Error).message}\nrun telemetry-outbox --help for usage\n`);
    return EXIT_ERROR;
  }
  const [name, ...rest] = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | undefined>;
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
