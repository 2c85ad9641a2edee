/**
 * The small command layer every repo script shares: argument parsing, --help,
 * exit codes, output formats and colors. A script declares its options and a
 * `run` function; everything a user sees around it is the same for all.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { type Finding, FindingsError, formatFinding } from './findings.js';

export const EXIT_OK = 0;
/** The command ran and found problems (drift, lint findings, a breaking change). */
export const EXIT_FINDINGS = 1;
/** Bad usage, or the command could not run. */
export const EXIT_ERROR = 2;

export const FORMATS = ['text', 'json', 'github', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly description: string;
  readonly placeholder?: string;
  readonly choices?: readonly string[];
  readonly default?: string | boolean;
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly color: boolean;
  readonly cwd: string;
}

export interface Colors {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
}

export interface CommandContext {
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly io: Io;
  readonly colors: Colors;
  /** The repository root the command works on (`--root`, default: this repository). */
  readonly root: string;
  readonly format: Format;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Which --format values the command supports; omitted means text only. */
  readonly formats?: readonly Format[];
  /** Lines of further explanation printed by --help after the options. */
  readonly details?: readonly string[];
  readonly run: (context: CommandContext) => Promise<number>;
}

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const SHARED_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  root: { type: 'string', placeholder: 'dir', description: 'repository to work on (default: this one)' },
  help: { type: 'boolean', description: 'show this help and exit' },
};

function makeColors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22) };
}

export function helpText(command: Command): string {
  const options = { ...command.options, ...(command.formats ? { format: formatOption(command.formats) } : {}), ...SHARED_OPTIONS };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = spec.type === 'string' ? `--${name} <${spec.placeholder ?? 'value'}>` : `--${name}`;
    return [flag, spec.description + (spec.choices ? ` (${spec.choices.join(', ')})` : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `${command.name}: ${command.summary}`,
    '',
    `usage: ${command.usage}`,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    ...(command.details ? ['', ...command.details] : []),
    '',
    `exit codes: ${EXIT_OK} ok, ${EXIT_FINDINGS} findings, ${EXIT_ERROR} usage or internal error`,
    '',
  ].join('\n');
}

function formatOption(formats: readonly Format[]): OptionSpec {
  return { type: 'string', placeholder: 'format', description: 'output format', choices: formats, default: 'text' };
}

/** GitHub workflow commands escape %, CR and LF in messages, and also : and , in properties. */
function githubEscape(text: string, property = false): string {
  const escaped = text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return property ? escaped.replace(/:/g, '%3A').replace(/,/g, '%2C') : escaped;
}

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

/** Renders findings in the requested format. */
export function renderFindings(findings: readonly Finding[], format: Format, colors: Colors): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ok: findings.length === 0, findings }, null, 2)}\n`;
    case 'github':
      return findings
        .map((f) => {
          const file = /^[\w./-]+\.\w+/.exec(f.where)?.[0];
          const props = [file ? `file=${githubEscape(file, true)}` : undefined, `title=${githubEscape(f.rule, true)}`].filter(Boolean).join(',');
          return `::${f.severity === 'error' ? 'error' : 'warning'} ${props}::${githubEscape(formatFinding(f))}\n`;
        })
        .join('');
    case 'markdown':
      return [
        '| Where | Problem | Rule | Fix |',
        '| --- | --- | --- | --- |',
        ...findings.map((f) => `| ${markdownCell(f.where)} | ${markdownCell(f.what)} | \`${f.rule}\` | ${markdownCell(f.fix ?? '')} |`),
        '',
      ].join('\n');
    case 'text':
      return findings
        .map((f) => {
          const [first, ...rest] = formatFinding(f).split('\n');
          const paint = f.severity === 'error' ? colors.red : colors.yellow;
          const detail = f.detail === undefined ? [] : [f.detail.replace(/\n$/, '')];
          return [paint(first!), ...rest.map(colors.dim), ...detail].join('\n') + '\n';
        })
        .join('');
  }
}

export function processIo(): Io {
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined && process.env['TERM'] !== 'dumb';
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    color,
    cwd: process.cwd(),
  };
}

/** Runs a command with the given arguments and returns its exit code; never throws. */
export async function runCommand(command: Command, argv: readonly string[], io: Io = processIo()): Promise<number> {
  const colors = makeColors(io.color);
  const allOptions: Record<string, OptionSpec> = {
    ...command.options,
    ...(command.formats ? { format: formatOption(command.formats) } : {}),
    ...SHARED_OPTIONS,
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(allOptions).map(([name, spec]) => [name, { type: spec.type }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`${command.name}: ${(error as Error).message}\nrun with --help for usage\n`);
    return EXIT_ERROR;
  }
  const options = parsed.values as Record<string, string | boolean | undefined>;
  if (options['help'] === true) {
    io.out(helpText(command));
    return EXIT_OK;
  }
  for (const [name, spec] of Object.entries(allOptions)) {
    const value = options[name];
    if (typeof value === 'string' && spec.choices && !spec.choices.includes(value)) {
      io.err(`${command.name}: --${name} must be one of ${spec.choices.join(', ')}, got "${value}"\nrun with --help for usage\n`);
      return EXIT_ERROR;
    }
    if (value === undefined && spec.default !== undefined) options[name] = spec.default;
  }
  const format = (options['format'] as Format | undefined) ?? 'text';
  const root = typeof options['root'] === 'string' ? options['root'] : repoRoot;
  try {
    return await command.run({ options, positionals: parsed.positionals, io, colors, root, format });
  } catch (error) {
    if (error instanceof FindingsError) {
      io.out(renderFindings(error.findings, format, colors));
      return EXIT_FINDINGS;
    }
    if (error instanceof UsageError) {
      io.err(`${command.name}: ${error.message}\nrun with --help for usage\n`);
      return EXIT_ERROR;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`${command.name}: internal error: ${message}\n`);
    if (process.env['TELEMETRY_CONTRACT_DEBUG'] && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return EXIT_ERROR;
  }
}
