/**
 * `telemetry-keys`: the operator's command for the license store of an
 * ingest server. `issue` and `rotate` print a new secret once (it is stored
 * only encrypted); `revoke`, `list` (never a secret), `set-license` and
 * `show-license` (the license record: features, contract end, data region,
 * and the legal entity, stored encrypted), `rewrap` (re-encrypt under the
 * current key-encryption key) and `check`. The database comes from
 * DATABASE_URL (PostgreSQL, through `pg`) or DATA_DIR (a PGlite folder the
 * server is not using at the moment); the key-encryption keys from
 * TELEMETRY_KEK or TELEMETRY_KEK_FILE. Exit codes: 0 ok, 1 refused (the
 * store said no: a license that already has a key…), 2 usage or internal error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LicenseRecord } from '../contract/license.js';
import type { KeyInfo } from './key-store.js';
import { type LicenseStore, createLicenseStore } from './license-store.js';
import { KeyStoreError } from './license-tables.js';
import { KeyringError } from './keyring.js';
import type { QueryClient } from './database.js';
import { KEK_ENV, KEK_FILE_ENV, keyringFromEnv } from './keyring-source.js';

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_ERROR = 2;

export interface KeysCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Command = 'issue' | 'rotate' | 'revoke' | 'list' | 'set-license' | 'show-license' | 'rewrap' | 'check';

const COMMANDS: Readonly<Record<Command, { readonly usage: string; readonly summary: string; readonly args: readonly [number, number] }>> = {
  issue: { usage: 'issue <license-id>', summary: 'issue the first secret of a license (or a new one after all its keys were revoked); printed once', args: [1, 1] },
  rotate: { usage: 'rotate <license-id>', summary: 'issue a new secret beside the active one; both verify until you revoke the old one', args: [1, 1] },
  revoke: { usage: 'revoke <license-id> [<key-id>]', summary: 'revoke one key of a license, or every active key of it', args: [1, 2] },
  list: { usage: 'list [<license-id>]', summary: 'key ids, dates, states and key-encryption key ids; never a secret', args: [0, 1] },
  'set-license': { usage: 'set-license <file>', summary: 'store a license record (the JSON shipped with the license), replacing the license\'s record', args: [1, 1] },
  'show-license': { usage: 'show-license [<license-id>]', summary: 'a license\'s record (--json: as shipped with the license), or every record', args: [0, 1] },
  rewrap: { usage: 'rewrap', summary: 'encrypt every secret under the current key-encryption key (the first listed); no license secret changes', args: [0, 0] },
  check: { usage: 'check [--all]', summary: 'read one secret under every key-encryption key in use (--all: every secret); exits 2 when one cannot be read', args: [0, 0] },
};

const HELP = [
  'telemetry-keys: the signing secrets and license records of licenses, in the ingest server\'s database (secrets and legal entities encrypted)',
  '',
  'usage: telemetry-keys <command> [arguments] [--json]',
  '',
  'commands:',
  ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(32)}${c.summary}`),
  '',
  'options:',
  '  --json                          print the result as JSON',
  '  --all                           check: decrypt every secret, not one per key-encryption key',
  '  --help                          show this help and exit',
  '',
  'environment:',
  '  DATABASE_URL                    the PostgreSQL server (postgres://…), or',
  '  DATA_DIR                        a PGlite folder (only while no server has it open)',
  `  ${KEK_ENV.padEnd(32)}key-encryption keys: base64 of 32 bytes each (openssl rand -base64 32), comma-separated, current first`,
  `  ${KEK_FILE_ENV.padEnd(32)}a file with one per line instead (a systemd credential, a Kubernetes secret)`,
  '',
  'A license record is a JSON object: {"licenseId", "legalEntity", "features": [...], "contractEnd"?, "dataRegion"}',
  '(the schema: telemetry-contract/schemas/license.json). Ship the same file with the license: the installation',
  'refuses to send a feature it does not list, and the server refuses one too, and a customer header that is',
  'neither the legal entity nor its mask. The example server answers reports of a license without a record 503.',
  '',
  'Rotating the key-encryption key: put the new key first and keep the old one after it, in the server\'s',
  'file and here; run rewrap; then drop the old key. Servers reading the file pick up the new key by themselves.',
  '',
  'exit codes: 0 ok, 1 refused (unknown key, a license that already has a key, a record that is not one…), 2 usage or internal error',
  '',
].join('\n');

class UsageError extends Error {}

/** A database client from the environment, and how to close it. */
async function openClient(env: KeysCliIo['env']): Promise<{ client: QueryClient; close: () => Promise<void> }> {
  const url = env['DATABASE_URL'];
  const dir = env['DATA_DIR'];
  if (url) {
    let pg: typeof import('pg').default;
    try {
      pg = (await import('pg')).default;
    } catch {
      throw new UsageError('DATABASE_URL: the pg package is not installed; npm install pg');
    }
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    // An idle connection that dies must not end the command with an unhandled 'error'.
    pool.on('error', () => undefined);
    return { client: pool, close: () => pool.end() };
  }
  if (dir) {
    let PGlite: typeof import('@electric-sql/pglite').PGlite;
    try {
      ({ PGlite } = await import('@electric-sql/pglite'));
    } catch {
      throw new UsageError('DATA_DIR: the @electric-sql/pglite package is not installed; npm install @electric-sql/pglite');
    }
    const db = await PGlite.create(dir);
    return { client: db, close: () => db.close() };
  }
  throw new UsageError('DATABASE_URL, DATA_DIR: set one to the ingest server\'s database');
}

/** Rows as columns padded to their widest cell, the last one as it is. */
function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function table(keys: readonly KeyInfo[]): string {
  if (keys.length === 0) return 'no keys\n';
  return columns([['LICENSE', 'KEY', 'STATE', 'CREATED', 'REVOKED', 'KEK'], ...keys.map((k) => [k.licenseId, k.keyId, k.state, k.createdAt, k.revokedAt ?? '-', k.kekId])]);
}

function recordTable(records: readonly LicenseRecord[]): string {
  if (records.length === 0) return 'no license records\n';
  return columns([['LICENSE', 'LEGAL ENTITY', 'REGION', 'CONTRACT END', 'FEATURES'], ...records.map((r) => [r.licenseId, r.legalEntity, r.dataRegion, r.contractEnd ?? '-', r.features.join(', ') || '-'])]);
}

/** The license record in a file, as JSON; a usage error that quotes nothing of it (it holds a legal entity). */
async function recordFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${file}: is not JSON; a license record is one JSON object, as telemetry-keys show-license <license-id> --json prints it`);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** "3 secrets", or "3 secrets and 2 license records". */
const sealedCount = (secrets: number, records: number) => `${plural(secrets, 'secret')}${records > 0 ? ` and ${plural(records, 'license record')}` : ''}`;

async function run(command: Command, args: readonly string[], { json, all }: { readonly json: boolean; readonly all: boolean }, keys: LicenseStore, io: KeysCliIo): Promise<number> {
  const print = (value: unknown, text: string) => io.out(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  switch (command) {
    case 'issue':
    case 'rotate': {
      const issued = await keys[command](args[0]!);
      print(issued, `${issued.licenseId} key ${issued.keyId}, created ${issued.createdAt}\nsecret (shown once; give it to the licensee, it is stored only encrypted):\n${issued.secret}\n`);
      if ((await keys.license(issued.licenseId)) === undefined) {
        io.err(`note: ${issued.licenseId} has no license record yet; store it with telemetry-keys set-license <file> and ship the same file with the license (a server that requires records answers its reports 503 license-record-missing until then)\n`);
      }
      return EXIT_OK;
    }
    case 'revoke': {
      const revoked = await keys.revoke(args[0]!, args[1]);
      print({ licenseId: args[0], keyId: args[1] ?? null, revoked }, `${args[0]}: ${revoked} key${revoked === 1 ? '' : 's'} revoked\n`);
      if (revoked === 0) {
        io.err(`revoke: ${args[0]} has no active key${args[1] ? ` ${args[1]}` : ''} (no-active-key); list shows its keys\n`);
        return EXIT_REFUSED;
      }
      return EXIT_OK;
    }
    case 'list': {
      const listed = await keys.list(args[0]);
      print(listed, table(listed));
      return EXIT_OK;
    }
    case 'set-license': {
      const stored = await keys.setLicense((await recordFile(args[0]!)) as LicenseRecord);
      print(stored, `${stored.licenseId}: license record ${stored.created ? 'stored' : 'replaced'}; ship the same file with the license\n`);
      return EXIT_OK;
    }
    case 'show-license': {
      const records = args[0] === undefined ? await keys.licenses() : [await keys.license(args[0])].filter((r) => r !== undefined);
      if (args[0] !== undefined && records.length === 0) {
        io.err(`show-license: ${args[0]} has no license record (no-license-record); store one with set-license\n`);
        return EXIT_REFUSED;
      }
      print(args[0] === undefined ? records : records[0], recordTable(records));
      return EXIT_OK;
    }
    case 'rewrap': {
      const result = await keys.rewrap();
      print(result, `${sealedCount(result.secrets, result.records)} re-encrypted under key-encryption key ${result.currentKek}\n`);
      return EXIT_OK;
    }
    case 'check': {
      const result = await keys.check({ all });
      const under = Object.entries(result.byKek).map(([id, n]) => `${n} under ${id}`).join(', ');
      print(result, `${sealedCount(result.secrets, result.records)} readable${under ? ` (${under})` : ''}; new ones go under ${result.currentKek}\n`);
      return EXIT_OK;
    }
  }
}

/**
 * Runs one command; returns the exit code. Never throws: errors are one line
 * on `err`, never a stack trace, a secret or a key-encryption key.
 *
 * @example
 * process.exitCode = await runKeysCli(['list'], { out: console.log, err: console.error, env: process.env });
 */
export async function runKeysCli(argv: readonly string[], io: KeysCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, all: { type: 'boolean' }, help: { type: 'boolean' } } });
  } catch (error) {
    io.err(`telemetry-keys: ${(error as Error).message.split('\n')[0]}; see telemetry-keys --help\n`);
    return EXIT_ERROR;
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help === true) {
    const spec = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as Command] : undefined;
    io.out(spec === undefined ? HELP : `telemetry-keys ${name}: ${spec.summary}\n\nusage: telemetry-keys ${spec.usage} [--json]\n\nSee telemetry-keys --help for the environment it reads.\n`);
    return EXIT_OK;
  }
  if (name === undefined || !Object.hasOwn(COMMANDS, name)) {
    io.err(`telemetry-keys: ${name === undefined ? 'no command given' : `unknown command "${name}"`}; commands: ${Object.keys(COMMANDS).join(', ')}; see telemetry-keys --help\n`);
    return EXIT_ERROR;
  }
  const command = name as Command;
  const [min, max] = COMMANDS[command].args;
  if (args.length < min || args.length > max) {
    io.err(`telemetry-keys ${command}: usage: telemetry-keys ${COMMANDS[command].usage}; see telemetry-keys ${command} --help\n`);
    return EXIT_ERROR;
  }
  let database: Awaited<ReturnType<typeof openClient>> | undefined;
  try {
    const keyring = keyringFromEnv(io.env);
    await keyring();
    database = await openClient(io.env);
    const keys = createLicenseStore(database.client, { keyring });
    await keys.migrate();
    if (parsed.values.all === true && command !== 'check') throw new UsageError('--all: only check takes it');
    return await run(command, args, { json: parsed.values.json === true, all: parsed.values.all === true }, keys, io);
  } catch (error) {
    const refused = error instanceof KeyStoreError && !['database', 'kek-unknown', 'kek-mismatch', 'kek-missing', 'kek-format', 'kek-config'].includes(error.rule);
    const message = error instanceof KeyStoreError || error instanceof KeyringError || error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
    io.err(`telemetry-keys ${command}: ${message}\n`);
    return refused ? EXIT_REFUSED : EXIT_ERROR;
  } finally {
    await database?.close().catch(() => undefined);
  }
}
