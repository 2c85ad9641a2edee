/**
 * `telemetry-keys`: the operator's command for the license store of an
 * ingest server. `issue` and `rotate` print a new secret once (it is stored
 * only encrypted); `revoke`, `list` (never a secret), `set-license` and
 * `show-license` (the license record: features, contract end, data region,
 * and the legal entity, stored encrypted), `forget` (a license's reports) and
 * `delete-license` (the license whole), `rewrap` (re-encrypt under the
 * current key-encryption key, which then is the one in force) and `check`.
 * The database comes from DATABASE_URL (PostgreSQL, through `pg`) or DATA_DIR
 * (a PGlite folder: while a server holds it, every command runs in that
 * server through its admin endpoint, ./license-admin.ts; while another
 * command holds it, this one refuses); the key-encryption keys from
 * TELEMETRY_KEK or TELEMETRY_KEK_FILE. Exit codes: 0 ok, 1 refused (the store
 * said no: a license that already has a key…), 2 usage or internal error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { storage } from '../../generated/storage.js';
import type { LicenseRecord } from '../contract/license.js';
import { FolderHeldError, describeHolder, folderHolder, holdFolder } from './folder-holder.js';
import type { KeyInfo } from './key-store.js';
import { type LicenseAdmin, licenseAdmin, remoteLicenseAdmin } from './license-admin.js';
import { createLicenseStore } from './license-store.js';
import { KeyStoreError } from './license-tables.js';
import { type Keyring, KeyringError } from './keyring.js';
import { type QueryClient, StoreError } from './database.js';
import { KEK_ENV, KEK_FILE_ENV, keyringFromEnv } from './keyring-source.js';
import { openStore } from './store.js';

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_ERROR = 2;

export interface KeysCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Command = 'issue' | 'rotate' | 'revoke' | 'list' | 'set-license' | 'show-license' | 'forget' | 'delete-license' | 'rewrap' | 'check';

const COMMANDS: Readonly<Record<Command, { readonly usage: string; readonly summary: string; readonly args: readonly [number, number] }>> = {
  issue: { usage: 'issue <license-id>', summary: 'issue the first secret of a license (or a new one after all its keys were revoked); printed once', args: [1, 1] },
  rotate: { usage: 'rotate <license-id>', summary: 'issue a new secret beside the active one; both verify until you revoke the old one', args: [1, 1] },
  revoke: { usage: 'revoke <license-id> [<key-id>]', summary: 'revoke one key of a license, or every active key of it', args: [1, 2] },
  list: { usage: 'list [<license-id>]', summary: 'key ids, dates, states and key-encryption key ids; never a secret', args: [0, 1] },
  'set-license': { usage: 'set-license <file>', summary: 'store a license record (the JSON shipped with the license), replacing the license\'s record', args: [1, 1] },
  'show-license': { usage: 'show-license [<license-id>]', summary: 'a license\'s record (--json: as shipped with the license), or every record', args: [0, 1] },
  forget: { usage: 'forget <license-id>', summary: 'erase a license\'s reports and destroy the data key they are sealed under; the license stays', args: [1, 1] },
  'delete-license': { usage: 'delete-license <license-id>', summary: 'delete a license whole: its reports, keys, record and data keys', args: [1, 1] },
  rewrap: { usage: 'rewrap', summary: 'put every secret and data key under the current key-encryption key (the first listed), from then on the one in force', args: [0, 0] },
  check: { usage: 'check [--all]', summary: 'read one value under every key-encryption key in use (--all: every one), and say which keys are still needed; exits 2 when one cannot be read', args: [0, 0] },
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
  '  DATA_DIR                        a PGlite folder; while a server holds it, the command runs in that server',
  `  ${KEK_ENV.padEnd(32)}key-encryption keys: base64 of 32 bytes each (openssl rand -base64 32), comma-separated, current first`,
  `  ${KEK_FILE_ENV.padEnd(32)}a file with one per line instead (a systemd credential, a Kubernetes secret)`,
  '',
  'A license record is a JSON object: {"licenseId", "legalEntity", "features": [...], "contractEnd"?, "dataRegion"}',
  '(the schema: telemetry-contract/schemas/license.json). Ship the same file with the license: the installation',
  'refuses to send a feature it does not list, and the server refuses one too, and a customer header that is',
  'neither the legal entity nor its mask. The example server answers reports of a license without a record 503.',
  '',
  'Rotating the key-encryption key: put the new key first and keep the old one after it, in the servers\'',
  'file and here; run rewrap (from then on every process seals under the new key); drop the old key once check',
  'says nothing stored needs it. Servers reading the file pick up the new key by themselves.',
  '',
  'exit codes: 0 ok, 1 refused (unknown key, a license that already has a key, a record that is not one…), 2 usage, configuration or internal error',
  '',
].join('\n');

class UsageError extends Error {}

/** A database client from the environment, and how to close it. */
async function openClient(env: KeysCliIo['env']): Promise<{ client: QueryClient; close: () => Promise<void> }> {
  const url = env['DATABASE_URL'];
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
  const dir = env['DATA_DIR']!;
  let PGlite: typeof import('@electric-sql/pglite').PGlite;
  let btreeGist: typeof import('@electric-sql/pglite/contrib/btree_gist').btree_gist;
  try {
    ({ PGlite } = await import('@electric-sql/pglite'));
    // The store's windows table refuses overlapping windows with a GiST index over text: erasing from it needs btree_gist.
    ({ btree_gist: btreeGist } = await import('@electric-sql/pglite/contrib/btree_gist'));
  } catch {
    throw new UsageError('DATA_DIR: the @electric-sql/pglite package is not installed; npm install @electric-sql/pglite');
  }
  // The folder is this process's while it works in it: a server starting meanwhile waits for nothing and refuses, naming it.
  const hold = await holdFolder(dir, 'telemetry-keys');
  try {
    const db = await PGlite.create(dir, { extensions: { btree_gist: btreeGist } });
    return {
      client: db,
      close: async () => {
        await db.close();
        await hold.release();
      },
    };
  } catch (error) {
    await hold.release();
    throw error;
  }
}

/**
 * What the command works on: the license store and report store of the database the environment names,
 * or, for a PGlite folder a server holds, that server's, through its admin endpoint. `erasing` migrates
 * the report store too (forget and delete-license delete reports).
 */
async function openAdmin(env: KeysCliIo['env'], keyring: () => Promise<Keyring>, erasing: boolean): Promise<{ admin: LicenseAdmin; remote?: string; close: () => Promise<void> }> {
  const dir = env['DATA_DIR'];
  if (!env['DATABASE_URL'] && !dir) throw new UsageError('DATABASE_URL, DATA_DIR: set one to the ingest server\'s database');
  if (!env['DATABASE_URL'] && dir) {
    const holder = await folderHolder(dir);
    if (holder?.admin !== undefined) return { admin: remoteLicenseAdmin(holder.admin, describeHolder(holder)), remote: describeHolder(holder), close: async () => {} };
    if (holder !== undefined) throw new FolderHeldError(dir, holder);
  }
  const database = await openClient(env);
  try {
    const licenses = createLicenseStore(database.client, { keyring });
    await licenses.migrate();
    const store = openStore(database.client, storage, { keyring });
    if (erasing) await store.migrate();
    return { admin: licenseAdmin(licenses, store), close: database.close };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
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
/** "3 secrets", "3 secrets and 2 data keys", "3 secrets, 2 data keys and 1 license record". */
const sealedCount = (counts: { readonly secrets: number; readonly dataKeys: number; readonly records?: number }) => {
  const parts = [plural(counts.secrets, 'secret'), ...(counts.dataKeys > 0 ? [plural(counts.dataKeys, 'data key')] : []), ...((counts.records ?? 0) > 0 ? [plural(counts.records!, 'license record')] : [])];
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
};

async function run(command: Command, args: readonly string[], { json, all, keyring, remote }: { readonly json: boolean; readonly all: boolean; readonly keyring: Keyring; readonly remote?: string }, keys: LicenseAdmin, io: KeysCliIo): Promise<number> {
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
    case 'forget':
    case 'delete-license': {
      const erased = command === 'forget' ? await keys.forget(args[0]!) : await keys.deleteLicense(args[0]!);
      const what = command === 'forget' ? 'and the data key they were sealed under destroyed; the license stays' : 'the license\'s keys, record and data keys deleted; the license is unknown from now on';
      print({ licenseId: args[0], reportsErased: erased, licenseDeleted: command === 'delete-license' }, `${args[0]}: ${plural(erased, 'report')} erased, ${what}\n`);
      return EXIT_OK;
    }
    case 'rewrap': {
      // Through a running server, the server's keyring rewraps: it must list first the key this command was given first.
      const result = await keys.rewrap(remote === undefined ? undefined : { expectKek: keyring.current.id });
      print(result, `${sealedCount(result)} re-encrypted under key-encryption key ${result.currentKek}, now the one in force: new values go under it\n`);
      return EXIT_OK;
    }
    case 'check': {
      const result = await keys.check({ all });
      const under = Object.entries(result.byKek).map(([id, n]) => `${n} under ${id}`).join(', ');
      const drop = result.unneededKeks.length === 0 ? '' : `; nothing stored needs ${result.unneededKeks.join(', ')}: it may be removed from the keyring`;
      print(result, `${sealedCount(result)} readable${under ? ` (${under})` : ''}; new ones go under ${result.currentKek}; still needed: ${result.neededKeks.join(', ')}${drop}\n`);
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
  let opened: Awaited<ReturnType<typeof openAdmin>> | undefined;
  try {
    const keyring = keyringFromEnv(io.env);
    const ring = await keyring();
    if (parsed.values.all === true && command !== 'check') throw new UsageError('--all: only check takes it');
    opened = await openAdmin(io.env, keyring, command === 'forget' || command === 'delete-license');
    return await run(command, args, { json: parsed.values.json === true, all: parsed.values.all === true, keyring: ring, ...(opened.remote === undefined ? {} : { remote: opened.remote }) }, opened.admin, io);
  } catch (error) {
    const configuration = ['database', 'kek-unknown', 'kek-mismatch', 'kek-missing', 'kek-format', 'kek-config', 'server-unreachable', 'server-refused', 'key-unavailable', 'unavailable', 'internal'];
    const refused = (error instanceof KeyStoreError || error instanceof StoreError) && !configuration.includes(error.rule);
    const known = error instanceof KeyStoreError || error instanceof StoreError || error instanceof KeyringError || error instanceof UsageError || error instanceof FolderHeldError;
    const message = known ? (error as Error).message : `internal error: ${(error as Error)?.message ?? String(error)}`;
    io.err(`telemetry-keys ${command}: ${message}\n`);
    return refused ? EXIT_REFUSED : EXIT_ERROR;
  } finally {
    await opened?.close().catch(() => undefined);
  }
}
