import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as api from '../src/index.js';
import * as outboxApi from '../src/outbox.js';
import { repoRoot } from './helpers.js';

/** The public surface of the main entry. A change here changes every user's imports: make it on purpose. */
const EXPORTS = [
  'ACCEPTED_VERSIONS_HEADER',
  'DEFAULT_MAX_BYTES',
  'JOSE_MEDIA_TYPE',
  'SCHEMA_PATH',
  'SIGNATURE_HEADERS',
  'TELEMETRY_PATH',
  'TelemetryValidationError',
  'assertTelemetry',
  'chooseVersion',
  'currentVersion',
  'dedupeKey',
  'defaultAcceptedVersions',
  'deriveEncryptionKey',
  'deriveMaskKey',
  'encryptionKeyId',
  'generateSecret',
  'isMaskedCustomer',
  'isTelemetry',
  'maskCustomer',
  'messageId',
  'parseTelemetry',
  'schemaV1',
  'schemas',
  'signMessage',
  'supportedVersions',
  'validateLicenseRecord',
  'validateTelemetry',
  'verifySignature',
  'versionLifecycle',
];

/** The public surface of telemetry-contract/server. */
const SERVER_EXPORTS = [
  'ACCEPTED_VERSIONS_HEADER',
  'BUNDLE_MEDIA_TYPE',
  'BUNDLE_PATH',
  'CONTRACT_HEADERS',
  'DEFAULT_MAX_BUNDLE_BYTES',
  'DEFAULT_MAX_BYTES',
  'DEFAULT_MAX_IN_FLIGHT',
  'DEFAULT_MAX_RETRY_AFTER_SECONDS',
  'DEFAULT_SCHEMA_MAX_AGE_SECONDS',
  'DEFAULT_TOLERANCE_SECONDS',
  'DEPRECATION_HEADER',
  'JOSE_MEDIA_TYPE',
  'MAX_BUNDLE_WINDOWS',
  'PROBE_MEDIA_TYPE',
  'SCHEMA_MEDIA_TYPE',
  'SCHEMA_PATH',
  'SIGNATURE_HEADERS',
  'SUNSET_HEADER',
  'TELEMETRY_PATH',
  'acceptedVersionsOption',
  'admitRequest',
  'bundleManifest',
  'bundleResponse',
  'checkProbeBody',
  'checkVersionAccepted',
  'createAdmission',
  'decodeCustomer',
  'decryptBody',
  'dedupeKey',
  'defaultAcceptedVersions',
  'deprecationHeaders',
  'deriveEncryptionKey',
  'deriveMaskKey',
  'encryptionKeyId',
  'failureResponse',
  'formatAcceptedVersions',
  'generateReceiptKey',
  'generateSecret',
  'ingest',
  'ingestBundle',
  'isMaskedCustomer',
  'maskCustomer',
  'messageId',
  'parseSecret',
  'probeMessageId',
  'probeResponse',
  'receiptKeyId',
  'receiptPublicKey',
  'schemaEndpoint',
  'storeBundleWindows',
  'supportedVersions',
  'unlicensedFeatures',
  'validateLicenseRecord',
  'verifyReceipt',
  'verifySignature',
  'versionLifecycle',
];
/** The public surface of telemetry-contract/uploader. */
const UPLOADER_EXPORTS = [
  'ACCEPTED_VERSIONS_HEADER',
  'CONNECTION_DIAGNOSES',
  'CONTRACT_HEADERS',
  'DEFAULT_FREQUENCY',
  'DEFAULT_RETRIES',
  'DEFAULT_TEST_TIMEOUT_MS',
  'DEPRECATION_HEADER',
  'JOSE_MEDIA_TYPE',
  'MASK_ENV_VARIABLE',
  'MAX_DELAY_MS',
  'MAX_DUE_WINDOWS',
  'PROBE_MEDIA_TYPE',
  'REPORTING_SCHEDULES',
  'RETRYABLE_STATUSES',
  'SCHEMA_PATH',
  'SEND_DELAY_MS',
  'SEND_SPREAD_MS',
  'SIGNATURE_HEADERS',
  'SUNSET_HEADER',
  'TELEMETRY_PATH',
  'checkVersionAccepted',
  'chooseVersion',
  'createProbeRequest',
  'createTelemetryRequest',
  'currentVersion',
  'dedupeKey',
  'deriveEncryptionKey',
  'deriveMaskKey',
  'discoverAcceptedVersions',
  'dueWindows',
  'encodeCustomer',
  'encryptBody',
  'encryptionKeyId',
  'generateSecret',
  'maskCustomer',
  'maskRequested',
  'messageId',
  'parseAcceptedVersions',
  'parseSecret',
  'probeMessageId',
  'projectTelemetry',
  'readDeprecation',
  'sendOffsetMs',
  'sendTelemetry',
  'sign',
  'signMessage',
  'supportedVersions',
  'testConnection',
  'unlicensedFeatures',
  'validateLicenseRecord',
  'versionLifecycle',
];
/** The public surface of telemetry-contract/store-postgres. */
const STORE_EXPORTS = [
  'DATABASE_RETRY_AFTER_SECONDS',
  'KeyStoreError',
  'KeyringError',
  'LICENSE_CHANGE_BOUND_SECONDS',
  'StoreError',
  'createKeyStore',
  'createLicenseStore',
  'createPostgresStore',
  'isTransientDatabaseError',
  'kekId',
  'parseKeyring',
  'storagePlan',
  'storeFailureResponse',
  'validateLicenseRecord',
];
/** The public surface of telemetry-contract/outbox, pinned the same way. */
const OUTBOX_EXPORTS = [
  'DEFAULT_LOCK_WAIT_MS',
  'DEFAULT_MAX_PENDING',
  'DEFAULT_OUTBOX_RETRIES',
  'DEFAULT_RETENTION_DAYS',
  'DEFAULT_WARN_AFTER_DAYS',
  'HEALTH_STATES',
  'OutboxError',
  'RECORD_FORMAT',
  'RETENTION_DAYS',
  'fileStorage',
  'openOutbox',
  'validateLicenseRecord',
];

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
const run = (file: string, args: string[], cwd: string) =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });

let work: string;
let tarball: string;
let packed: PackResult;
let project: string;
let manifest: { exports: Record<string, unknown>; dependencies?: Record<string, string>; name: string };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'telemetry-contract-pack-'));
  run(bin('tsup'), ['--silent'], repoRoot);
  packed = (JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repoRoot)) as PackResult[])[0]!;
  tarball = join(work, packed.filename);
  manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as typeof manifest;
  // A consumer project that can reach nothing but the tarball: --offline fails on any download.
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const subpaths = () => Object.keys(manifest.exports).filter((key) => key !== './package.json');
const specifier = (subpath: string) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`);
const isCode = (subpath: string) => !subpath.endsWith('.json');

/** A port nothing listens on: one the system just gave out, closed again. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('package', () => {
  it('exports exactly the documented surface from the main entry', () => {
    expect(Object.keys(api).sort()).toEqual(EXPORTS);
  });

  it('exports exactly the documented surface from the server entry', async () => {
    expect(Object.keys(await import('../src/server.js')).sort()).toEqual(SERVER_EXPORTS);
  });

  it('exports exactly the documented surface from the uploader entry', async () => {
    expect(Object.keys(await import('../src/uploader.js')).sort()).toEqual(UPLOADER_EXPORTS);
  });

  it('exports exactly the documented surface from the store entry', async () => {
    expect(Object.keys(await import('../src/store-postgres.js')).sort()).toEqual(STORE_EXPORTS);
  });

  it('exports exactly the documented surface from the outbox entry', () => {
    expect(Object.keys(outboxApi).sort()).toEqual(OUTBOX_EXPORTS);
  });

  it('has no runtime dependencies', () => {
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('publishes only what runs: the build, the JSON Schemas (the license record\'s too), the README and the license', () => {
    const files = packed.files.map((f) => f.path);
    expect(files.filter((f) => !/^(dist\/|generated\/v\d+\/telemetry\.schema\.json$|generated\/license\.schema\.json$|package\.json$|README\.md$|LICENSE$)/.test(f))).toEqual([]);
    expect(files).toContain('generated/license.schema.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.cjs');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/index.d.cts');
  });

  it('is clean under publint --strict', () => {
    expect(run(bin('publint'), ['run', tarball, '--strict'], repoRoot)).toMatch(/All good!/);
  });

  it('is clean under are-the-types-wrong with its default profile, node10 resolution included (typesVersions)', () => {
    // attw exits non-zero on any problem the profile counts.
    const table = run(bin('attw'), [tarball, '--no-color', '--no-emoji'], repoRoot);
    expect(table).toContain('No problems found');
    expect(table).toMatch(/│ node10 /);
  });

  it('keeps node: built-ins out of the WebCrypto entries; only the outbox and the two commands use them', () => {
    const dist = join(project, 'node_modules', manifest.name, 'dist');
    const builtIn = /\bfrom\s*["'](?:node:)?(?:fs|fs\/promises|path|os|crypto|http|child_process|util)["']|\brequire\(["'](?:node:)?(?:fs|fs\/promises|path|os|crypto|http|child_process|util)["']\)/;
    for (const file of readdirSync(dist).filter((f) => /\.c?js$/.test(f))) {
      const code = readFileSync(join(dist, file), 'utf8');
      if (/^(outbox|telemetry-outbox|telemetry-keys)\./.test(file)) expect(code, file).toMatch(builtIn);
      else expect(code, file).not.toMatch(builtIn);
    }
  });

  it('ships no schema compiler: no new Function or eval in the built files', () => {
    for (const file of readdirSync(join(project, 'node_modules', manifest.name, 'dist')).filter((f) => /\.c?js$/.test(f))) {
      const code = readFileSync(join(project, 'node_modules', manifest.name, 'dist', file), 'utf8');
      expect(code, file).not.toMatch(/\bnew Function\b|\beval\s*\(/);
      // A require call, not ajv's `.code = 'require("ajv/…")'` metadata string, which is inert text.
      expect(code, file).not.toMatch(/(?<!['"])\brequire\(["']ajv/);
    }
  });
});

describe('installed from the tarball', () => {
  it('every entry point loads with import (ESM)', () => {
    const script = subpaths()
      .map((s) => (isCode(s) ? `await import(${JSON.stringify(specifier(s))});` : `await import(${JSON.stringify(specifier(s))}, { with: { type: 'json' } });`))
      .join('\n');
    writeFileSync(join(project, 'esm.mjs'), `${script}\nconst t = await import('${manifest.name}');\nconsole.log(Object.keys(t).sort().join(','));\n`);
    expect(run(process.execPath, ['esm.mjs'], project).trim()).toBe(EXPORTS.join(','));
  });

  it('exports the JSON Schema of every version that is not retired, and of the license record, and each one imports from the tarball as itself', () => {
    const schemas = subpaths().filter((s) => s.startsWith('./schemas/'));
    // Drafts too: a server accepts one only when it names it, but an uploader may build it (defaultAcceptedVersions is the released ones).
    const notRetired = api.supportedVersions.filter((v) => api.versionLifecycle(v)?.status !== 'retired');
    expect(schemas).toEqual(['./schemas/license.json', ...notRetired.map((v) => `./schemas/v${v}.json`)]);
    const script = schemas.map((s, i) => `const s${i} = await import(${JSON.stringify(specifier(s))}, { with: { type: 'json' } });`).join('\n');
    writeFileSync(join(project, 'schemas.mjs'), `${script}\nconsole.log(JSON.stringify([${schemas.map((_, i) => `s${i}.default.$id`).join(', ')}]));\n`);
    expect(JSON.parse(run(process.execPath, ['schemas.mjs'], project))).toEqual(['urn:telemetry-contract:schema:license', ...notRetired.map((v) => `urn:telemetry-contract:schema:v${v}`)]);
  });

  it('every entry point loads with require (CommonJS)', () => {
    const script = subpaths().map((s) => `require(${JSON.stringify(specifier(s))});`).join('\n');
    writeFileSync(join(project, 'cjs.cjs'), `${script}\nconsole.log(Object.keys(require('${manifest.name}')).sort().join(','));\n`);
    expect(run(process.execPath, ['cjs.cjs'], project).trim()).toBe(EXPORTS.join(','));
  });

  it('migrates a database through the installed store entry: its migrations travel in the build, no file is read at run time', () => {
    const built = readFileSync(join(project, 'node_modules', manifest.name, 'dist', 'store-postgres.js'), 'utf8');
    expect(built).not.toMatch(/node:fs|readFile|import\.meta\.url/);
    const pglite = pathToFileURL(join(repoRoot, 'node_modules/@electric-sql/pglite/dist/index.js')).href;
    writeFileSync(
      join(project, 'store.mjs'),
      [
        `import { readFileSync } from 'node:fs';`,
        `import { PGlite } from ${JSON.stringify(pglite)};`,
        `import { btree_gist } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'node_modules/@electric-sql/pglite/dist/contrib/btree_gist.js')).href)};`,
        `import { createPostgresStore, parseKeyring, storagePlan } from '${manifest.name}/store-postgres';`,
        `const db = await PGlite.create({ loadDataDir: new Blob([readFileSync(${JSON.stringify(inject('pgliteSeed'))})]), extensions: { btree_gist } });`,
        `const store = createPostgresStore(db, { keyring: parseKeyring(${JSON.stringify(btoa('k'.repeat(32)))}, 'TELEMETRY_KEK') });`,
        'const first = await store.migrate();',
        "const { rows } = await db.query('SELECT count(*)::int AS n FROM telemetry_migrations');",
        'console.log(JSON.stringify({ applied: first.applied, recorded: rows[0].n, versions: storagePlan.migrations.map((m) => m.version) }));',
        'await db.close();',
      ].join('\n'),
    );
    expect(JSON.parse(run(process.execPath, ['store.mjs'], project).trim().split('\n').pop()!)).toEqual({ applied: [1], recorded: 1, versions: [1] });
  });

  it.each([
    ['server', SERVER_EXPORTS],
    ['uploader', UPLOADER_EXPORTS],
    ['store-postgres', STORE_EXPORTS],
  ])('the %s entry exports its documented surface with import and with require', (entry, exported) => {
    writeFileSync(join(project, `${entry}.mjs`), `console.log(Object.keys(await import('${manifest.name}/${entry}')).sort().join(','));\n`);
    writeFileSync(join(project, `${entry}.cjs`), `console.log(Object.keys(require('${manifest.name}/${entry}')).sort().join(','));\n`);
    expect(run(process.execPath, [`${entry}.mjs`], project).trim()).toBe(exported.join(','));
    expect(run(process.execPath, [`${entry}.cjs`], project).trim()).toBe(exported.join(','));
  });

  // The Standard Webhooks example: its secret, id, timestamp, body and published signature.
  const SPEC = [
    "const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id = 'msg_p5jXN8AQM9LWM0D4loKWxJek', body = '{\"test\": 2432232314}';",
    "const headers = { 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };",
    'const check = (s) => s.verifySignature(headers, body, { keys: [{ id: "k", secret }], now: () => 1614265330000 });',
  ];
  /** Records what the build asks process.getBuiltinModule for, then loads it. */
  const RECORD_ASKS = ['const asked = [];', 'const original = process.getBuiltinModule;', 'process.getBuiltinModule = (name) => (asked.push(name), original.call(process, name));'];

  it('verifies a signature with node:crypto, reached through process.getBuiltinModule, from the ESM and the CommonJS build', () => {
    writeFileSync(join(project, 'hash.mjs'), [...RECORD_ASKS, ...SPEC, `const s = await import('${manifest.name}/server');`, 'console.log(JSON.stringify({ asked, ok: (await check(s)).ok }));'].join('\n'));
    writeFileSync(join(project, 'hash.cjs'), [...RECORD_ASKS, ...SPEC, `const s = require('${manifest.name}/server');`, 'check(s).then((r) => console.log(JSON.stringify({ asked, ok: r.ok })));'].join('\n'));
    for (const script of ['hash.mjs', 'hash.cjs']) expect(JSON.parse(run(process.execPath, [script], project).trim()), script).toEqual({ asked: ['node:crypto'], ok: true });
  });

  it('bundles for a browser with no node: module to resolve, and the bundle verifies with @noble/hashes where getBuiltinModule is missing', async () => {
    const { build } = await import('esbuild');
    writeFileSync(join(project, 'browser-entry.mjs'), [...SPEC, `import * as s from '${manifest.name}/server';`, 'globalThis.verified = check(s);'].join('\n'));
    const bundle = await build({ entryPoints: [join(project, 'browser-entry.mjs')], absWorkingDir: project, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bfrom\s*["']node:|\brequire\(["']node:|\bimport\(["']node:/);
    writeFileSync(join(project, 'browser-bundle.mjs'), code);
    writeFileSync(join(project, 'no-platform.mjs'), ['delete process.getBuiltinModule;', "await import('./browser-bundle.mjs');", 'console.log(JSON.stringify({ ok: (await globalThis.verified).ok }));'].join('\n'));
    expect(JSON.parse(run(process.execPath, ['no-platform.mjs'], project).trim())).toEqual({ ok: true });
  });

  it('the outbox entry exports its documented surface with import and with require', () => {
    writeFileSync(join(project, 'outbox.mjs'), `console.log(Object.keys(await import('${manifest.name}/outbox')).sort().join(','));\n`);
    writeFileSync(join(project, 'outbox.cjs'), `console.log(Object.keys(require('${manifest.name}/outbox')).sort().join(','));\n`);
    expect(run(process.execPath, ['outbox.mjs'], project).trim()).toBe(OUTBOX_EXPORTS.join(','));
    expect(run(process.execPath, ['outbox.cjs'], project).trim()).toBe(OUTBOX_EXPORTS.join(','));
  });

  it("the README's set-up builds the commands: after it, npx telemetry-outbox and npx telemetry-keys run in the clone", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const setup = /^```sh\n([\s\S]*?)^```$/m.exec(readme)![1]!.split('\n')[0]!;
    // The first command installs, generates and builds; `npm run build` is tsup, which this file's set-up ran in the clone.
    expect(setup).toMatch(/^npm ci && npm run generate && npm run build\b/);
    expect((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build']).toBe('tsup');
    expect(run('npx', ['--no-install', 'telemetry-outbox', '--help'], repoRoot)).toMatch(/^telemetry-outbox: .+\n\nusage: telemetry-outbox <command>/);
    expect(run('npx', ['--no-install', 'telemetry-keys', '--help'], repoRoot)).toMatch(/^telemetry-keys: .+\n\nusage: telemetry-keys <command>/);
  });

  it("installs telemetry-outbox on the PATH with the README's one line, npm install --global, from the tarball and nothing else", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`npm install --global ${manifest.name}   # or: npm install --global ./${packed.filename}`);
    const prefix = join(work, 'global');
    // --prefix stands in for the machine's global folder; --offline proves the tarball needs nothing else.
    run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], work);
    const installed = join(prefix, 'bin', 'telemetry-outbox');
    expect(run(installed, ['--help'], work)).toMatch(/^telemetry-outbox: .+\n\nusage: telemetry-outbox <command>/);
    for (const command of ['init', 'enqueue', 'export', 'import-receipt', 'discard', 'supersede']) expect(run(installed, [command, '--help'], work)).toMatch(new RegExp(`^telemetry-outbox ${command}: `));
  });

  it('installs the telemetry-keys command, which answers --help and names what it reads, without a database driver installed', () => {
    const bin = join(project, 'node_modules', '.bin', 'telemetry-keys');
    const help = run(bin, ['--help'], project);
    expect(help).toMatch(/^telemetry-keys: .+\n\nusage: telemetry-keys <command>/);
    for (const word of ['issue', 'rotate', 'revoke', 'list', 'rewrap', 'check', 'DATABASE_URL', 'TELEMETRY_KEK_FILE']) expect(help).toContain(word);
  });

  it('installs the telemetry-outbox command, which reads an outbox the installed package wrote', async () => {
    const bin = join(project, 'node_modules', '.bin', 'telemetry-outbox');
    expect(run(bin, ['--help'], project)).toMatch(/^telemetry-outbox: .+\n\nusage: telemetry-outbox <command>/);
    const dir = join(work, 'outbox');
    writeFileSync(
      join(project, 'enqueue.mjs'),
      [
        `import { openOutbox } from '${manifest.name}/outbox';`,
        `import { generateSecret } from '${manifest.name}';`,
        `const outbox = await openOutbox({ dir: ${JSON.stringify(dir)}, version: 1, licenseId: 'lic-1', customer: 'ACME', signingSecrets: [generateSecret()], baseUrl: 'https://telemetry.vendor.example' });`,
        `const queued = await outbox.enqueue(${readFileSync(join(repoRoot, 'test/fixtures/wire/counts.json'), 'utf8').replace(/\n\s*/g, ' ')});`,
        'console.log(queued.ok);',
      ].join('\n'),
    );
    expect(run(process.execPath, ['enqueue.mjs'], project).trim()).toBe('true');
    let out = '';
    try {
      run(bin, ['status', '--dir', dir, '--format', 'json'], project);
      throw new Error('status exited 0, though nothing was delivered yet');
    } catch (error) {
      // Nothing delivered yet: health is `warning`, and status exits 1 for any state but healthy.
      expect((error as { status: number }).status).toBe(1);
      out = (error as { stdout: string }).stdout;
    }
    expect(JSON.parse(out)).toMatchObject({ status: { pending: 1, failed: 0 }, health: { state: 'warning' } });
    // The installed command tests the connection as the application would send: nothing listens on the port, exit 3.
    const port = await freePort();
    let tested: { status: number; stdout: string } | undefined;
    try {
      execFileSync(bin, ['test', '--dir', dir, '--base-url', `http://127.0.0.1:${port}`], { cwd: project, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, TELEMETRY_SIGNING_SECRETS: `whsec_${'A'.repeat(43)}=`, TELEMETRY_ALLOW_HTTP_LOOPBACK: '1' } });
    } catch (error) {
      tested = error as { status: number; stdout: string };
    }
    expect(tested?.status).toBe(3);
    expect(tested?.stdout).toContain(`unreachable (exit 3)\n  http://127.0.0.1:${port}/api/v1/telemetry: cannot be reached: the connection to 127.0.0.1:${port} was refused (ECONNREFUSED)`);
  });

  it('validates a payload after installation', () => {
    const payload = readFileSync(join(repoRoot, 'test/fixtures/v1/full.json'), 'utf8');
    writeFileSync(join(project, 'validate.cjs'), `const t = require('${manifest.name}'); console.log(t.parseTelemetry(process.argv[2]).ok, t.parseTelemetry('{}').ok);`);
    expect(run(process.execPath, ['validate.cjs', payload], project).trim()).toBe('true false');
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, 'main.mts'],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'main.mts'],
    // The legacy resolution ignores `exports`; typesVersions leads it to the subpaths' types.
    ['node10', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, 'main.ts'],
  ])('type-checks imports of every entry point, the JSON Schema included, with moduleResolution %s', (name, options, file) => {
    const dir = join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    const imports = subpaths()
      .filter(isCode)
      .map((s, i) => `import * as entry${i} from ${JSON.stringify(specifier(s))};\nvoid entry${i};`)
      .join('\n');
    // A wrong type, not only a missing module, must fail: the entries' exports are used with their types.
    writeFileSync(
      join(dir, file),
      [
        imports,
        `import { parseTelemetry, type TelemetryV1 } from '${manifest.name}';`,
        `import { ingest, type IngestResult } from '${manifest.name}/server';`,
        `import { createTelemetryRequest, type CreateRequestResult } from '${manifest.name}/uploader';`,
        `import { createPostgresStore, parseKeyring, type PostgresStore } from '${manifest.name}/store-postgres';`,
        `import { openOutbox, type Outbox } from '${manifest.name}/outbox';`,
        ...subpaths()
          .filter((s) => s.startsWith('./schemas/'))
          .map((s, i) => `import schema${i} from ${JSON.stringify(specifier(s))};\nexport const id${i}: string = schema${i}.$id;`),
        `import { validateLicenseRecord, type LicenseRecord } from '${manifest.name}/uploader';`,
        "const result = parseTelemetry('{}');",
        'export const seats: number | undefined = result.ok ? (result.value as TelemetryV1).activeSeats : undefined;',
        'export const pending: Promise<IngestResult> = ingest({ headers: {}, body: new Uint8Array() }, { licenseKeys: async (licenseId: string) => (licenseId === "lic-1" ? [] : undefined) });',
        'export const built: typeof createTelemetryRequest extends (...args: never[]) => Promise<CreateRequestResult> ? true : false = true;',
        "export const record: LicenseRecord | undefined = ((checked) => (checked.ok ? checked.value : undefined))(validateLicenseRecord({}));",
        `export const store: PostgresStore = createPostgresStore({ query: async () => ({ rows: [] }) }, { keyring: parseKeyring('${btoa('k'.repeat(32))}', 'TELEMETRY_KEK') });`,
        "export const opening: Promise<Outbox> = openOutbox({ dir: 'outbox', retentionDays: 30 });",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, resolveJsonModule: true, types: [], typeRoots: [] }, files: [file] }),
    );
    expect(() => run(bin('tsc'), ['-p', dir], project)).not.toThrow();
  });
});

/**
 * Other runtimes the package's users run, installed from the npm registry into a cache folder of
 * their own: never into this repo's dependencies, where a `node` binary would shadow Node 20 in
 * every npm script.
 */
const RUNTIMES_DIR = join(repoRoot, 'node_modules', '.cache', 'runtimes');
const RUNTIMES = {
  'Node.js 22': { spec: 'node@22', command: (script: string) => [join(RUNTIMES_DIR, 'node_modules/.bin/node'), script] },
  Bun: { spec: 'bun@1', command: (script: string) => [join(RUNTIMES_DIR, 'node_modules/.bin/bun'), 'run', script] },
  // Deno without --allow-env, --allow-net or node: built-ins: only web APIs and the files it may read.
  Deno: { spec: 'deno@2', command: (script: string) => [join(RUNTIMES_DIR, 'node_modules/.bin/deno'), 'run', '--no-prompt', `--allow-read=${project}`, script] },
} as const;

describe('other runtimes', () => {
  beforeAll(() => {
    if (!existsSync(join(RUNTIMES_DIR, 'node_modules/.bin/deno'))) {
      mkdirSync(RUNTIMES_DIR, { recursive: true });
      writeFileSync(join(RUNTIMES_DIR, 'package.json'), JSON.stringify({ name: 'runtimes', private: true }));
      run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...Object.values(RUNTIMES).map((r) => r.spec)], RUNTIMES_DIR);
    }
  }, 300_000);

  it.each(Object.keys(RUNTIMES) as Array<keyof typeof RUNTIMES>)('%s loads the ES module build and validates a payload', (name) => {
    const payload = readFileSync(join(repoRoot, 'test/fixtures/v1/full.json'), 'utf8');
    const script = join(project, 'runtime-smoke.mjs');
    writeFileSync(
      script,
      [
        `const t = await import('./node_modules/${manifest.name}/dist/index.js');`,
        `const ok = t.parseTelemetry(${JSON.stringify(payload)}).ok;`,
        `const bad = t.parseTelemetry('{"schemaVersion": 1}');`,
        'console.log(JSON.stringify({ ok, badRules: bad.ok ? [] : [...new Set(bad.errors.map((e) => e.rule))] }));',
      ].join('\n'),
    );
    const [file, ...args] = RUNTIMES[name].command(script);
    const out = JSON.parse(run(file!, args, project).trim().split('\n').pop()!) as { ok: boolean; badRules: string[] };
    expect(out).toEqual({ ok: true, badRules: ['required'] });
  });

  it.each(Object.keys(RUNTIMES) as Array<keyof typeof RUNTIMES>)('%s signs and verifies with WebCrypto alone (the Standard Webhooks example)', (name) => {
    const script = join(project, 'runtime-wire.mjs');
    writeFileSync(
      script,
      [
        `const u = await import('./node_modules/${manifest.name}/dist/uploader.js');`,
        `const s = await import('./node_modules/${manifest.name}/dist/server.js');`,
        "const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id = 'msg_p5jXN8AQM9LWM0D4loKWxJek', body = '{\"test\": 2432232314}';",
        'const headers = await u.signMessage({ id, timestamp: 1614265330, body, secrets: [secret] });',
        'const verified = await s.verifySignature(headers, body, { keys: [{ id: "k", secret }], now: () => 1614265330000 });',
        "console.log(JSON.stringify({ signature: headers['webhook-signature'], ok: verified.ok, mask: /^anon-[0-9a-f]{32}-4$/.test(await u.maskCustomer('Acme', secret)) }));",
      ].join('\n'),
    );
    const [file, ...args] = RUNTIMES[name].command(script);
    const out = JSON.parse(run(file!, args, project).trim().split('\n').pop()!) as unknown;
    expect(out).toEqual({ signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', ok: true, mask: true });
  });
});
