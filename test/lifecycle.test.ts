/**
 * The life of a schema version, lived as a maintainer, an uploader team and a
 * server team would: v1 released; v2 drafted with a required nested field,
 * reviewed, changelogged and released without moving a byte v1 published;
 * servers taking v1 and v2 side by side; an uploader falling back to v1 by
 * projection; v1 deprecated, then retired.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { build as esbuild } from 'esbuild';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { deprecateCommand } from '../scripts/commands/deprecate.js';
import { draftCommand } from '../scripts/commands/draft.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { releaseCommand } from '../scripts/commands/release.js';
import { retireCommand } from '../scripts/commands/retire.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { versionsCommand } from '../scripts/commands/versions.js';
import { readPart } from '../scripts/docs/markers.js';
import type * as ServerApi from '../src/server.js';
import type * as UploaderApi from '../src/uploader.js';
import type * as OutboxApi from '../src/outbox.js';
import type * as ExampleServer from '../examples/server.js';
import { fixture, repoRoot } from './helpers.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';
import { DPO, approveAndRelease } from './support/approve.js';
import { KEY_A } from './wire/support.js';

let repo: RepoCopy;
afterEach(() => repo?.remove());

type Findings = { findings: Array<{ where: string; rule: string; what: string }> };
const rulesOf = async (...args: string[]) => ((JSON.parse((await repo.run(checkCommand, '--format', 'json', ...args)).out) as Findings).findings).map((f) => `${f.where} ${f.rule}`);

/** The fixture contract as schema/v2.ts: the same file, imports pointing into schema/. */
const fixtureV2 = () => readFileSync(join(repoRoot, 'test/fixtures/contracts/v2.ts'), 'utf8').replaceAll("'../../../schema/", "'./");

function publishedByV1(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(root, 'generated/v1'))) files.set(`generated/v1/${name}`, readFileSync(join(root, 'generated/v1', name), 'utf8'));
  const doc = readFileSync(join(root, 'docs/telemetry.md'), 'utf8');
  for (const part of ['version v1', 'review v1']) files.set(`docs/telemetry.md#${part}`, readPart(doc, 'docs/telemetry.md', part) ?? '(missing)');
  return files;
}

/** A build of the package in the copy (no declarations: they are checked by tsc below), imported fresh. */
async function build(root: string, tag: string): Promise<{ server: typeof ServerApi; uploader: typeof UploaderApi }> {
  execFileSync(join(repoRoot, 'node_modules/.bin/tsup'), ['--silent', '--no-dts'], { cwd: root, stdio: 'pipe' });
  // Each entry is one self-contained file, so a query string gives a fresh module with the registry of this build.
  return {
    server: (await import(`${pathToFileURL(join(root, 'dist/server.js')).href}?${tag}`)) as typeof ServerApi,
    uploader: (await import(`${pathToFileURL(join(root, 'dist/uploader.js')).href}?${tag}`)) as typeof UploaderApi,
  };
}

/**
 * The copy's own examples/server.ts, bundled against the copy's src/ (so its registry) and imported: the
 * real example server at this point of the version's life. Nothing may be stored: only probes reach it.
 */
async function exampleServer(root: string, tag: string, acceptedVersions?: readonly number[]) {
  const file = join(root, `example-server-${tag}.mjs`);
  await esbuild({ entryPoints: [join(root, 'examples/server.ts')], outfile: file, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  const api = (await import(pathToFileURL(file).href)) as typeof ExampleServer;
  const store = { put: async () => { throw new Error('a probe reached the store'); } } as unknown as Parameters<typeof api.startTelemetryServer>[0]['store'];
  return api.startTelemetryServer({ store, licenseKeys: new Map([['lic-0042', [{ id: 'k1', secret: KEY_A }]]]), purgeIntervalMs: 0, ...(acceptedVersions ? { acceptedVersions } : {}) });
}

/** The copy's built `telemetry-outbox test` on an outbox folder the copy's build opened as an application would. */
async function outboxTest(root: string, dist: string, tag: string, baseUrl: string, version: number): Promise<{ code: number; out: string }> {
  const outbox = (await import(`${pathToFileURL(join(root, dist, 'outbox.js')).href}?${tag}`)) as typeof OutboxApi;
  const dir = join(root, `outbox-${tag}`);
  await outbox.openOutbox({ dir, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], maskCustomer: false, baseUrl, allowHttpLoopback: true, version: version as 1 });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, dist, 'telemetry-outbox.js'), 'test', '--dir', dir], { env: { ...process.env, TELEMETRY_SIGNING_SECRETS: KEY_A } });
    return { code: 0, out: stdout };
  } catch (error) {
    return { code: (error as { code: number }).code, out: (error as { stdout: string }).stdout };
  }
}

/** An ingest server on 127.0.0.1 from a build's server entry: the schema endpoint, and reports stored once by dedupe key. */
async function serve(api: typeof ServerApi, acceptedVersions?: readonly number[]) {
  const stored = new Map<string, { schemaVersion: number; payload: unknown }>();
  const options = { licenseKeys: new Map([['lic-0042', [{ id: 'k1', secret: KEY_A }]]]), ...(acceptedVersions ? { acceptedVersions } : {}) };
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (req.url?.startsWith(api.SCHEMA_PATH)) {
        const answer = await api.schemaEndpoint({ method: req.method ?? 'GET', url: req.url, headers: req.headers }, options);
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      const result = await api.ingest({ method: req.method ?? 'POST', headers: req.headers, body: new Uint8Array(Buffer.concat(chunks)) }, options);
      if (!result.ok || result.kind === 'probe') {
        const answer = result.ok ? api.probeResponse(result) : api.failureResponse(result);
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      const created = !stored.has(result.dedupeKey);
      if (created) stored.set(result.dedupeKey, { schemaVersion: result.schemaVersion, payload: result.payload });
      res.writeHead(created ? 201 : 200, { ...result.headers, 'content-type': 'application/json' }).end(JSON.stringify({ duplicate: !created }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stored, close: () => new Promise<void>((resolve) => http.close(() => resolve())) };
}

const uploaderOptions = { licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], maskCustomer: false };
const sendOptions = (url: string) => ({ baseUrl: url, allowHttpLoopback: true, sleep: async () => {}, delays: () => 0, timeoutMs: 5000 });

describe('draft', () => {
  it('refuses a bad number, an existing version, a gap, and a newest version that is still a draft', async () => {
    repo = copyRepo();
    for (const [args, message] of [
      [['two'], 'give one schema version'],
      [['0'], 'give one schema version'],
      [['2.5'], 'give one schema version'],
      [[], 'give one schema version'],
      [['1'], 'v1 already exists (draft); the next version is v2'],
      [['3'], 'the next version is v2, not v3'],
      [['2'], 'v1 is still a draft: change it in place, or release it first (its privacy content is not approved yet: `npm run review -- 1 --reviewer "<name>" --role "<role>" --link <ticket>` once a privacy reviewer has approved it, then `npm run release -- 1`), then draft v2'],
    ] as const) {
      const { code, err } = await repo.run(draftCommand, ...args);
      expect([code, err], args.join(' ')).toEqual([2, expect.stringContaining(message)]);
    }
    expect(readdirSync(join(repo.root, 'schema'))).not.toContain('v2.ts');
  });

  it('refuses a dirty working tree, so the draft is a change of its own, and leaves it as it was', async () => {
    repo = copyRepo();
    await approveAndRelease(repo, 1, '2026-11-26');
    repo.commit('release v1');
    repo.write('docs/notes.md', 'work in progress\n');
    const index = repo.read('schema/index.ts');
    const { code, err } = await repo.run(draftCommand, '2');
    expect([code, err]).toEqual([2, expect.stringContaining('uncommitted changes (docs/notes.md); commit or stash them first')]);
    expect(repo.read('schema/index.ts')).toBe(index);
    expect(readdirSync(join(repo.root, 'schema'))).not.toContain('v2.ts');
  });
});

describe('release, deprecate and retire refuse what the life of a version does not allow', () => {
  it('release wants a privacy review of exactly the content it freezes', async () => {
    repo = copyRepo();
    repo.edit('schema/v1.ts', "basisNote: 'capacity planning',", "basisNote: 'capacity forecasting',");
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { code, out } = await repo.run(releaseCommand, '1');
    expect(code).toBe(1);
    expect(out).toContain("schema/v1.ts: v1's privacy content changed since its last review");
    expect(out).toContain('(review-missing)');
    expect(repo.read('schema/index.ts')).toContain("status: 'draft'");
  });

  it('deprecate wants a released, non-current version and a sunset after today; retire wants a deprecated one past its sunset', async () => {
    repo = copyRepo();
    const refused = async (command: typeof deprecateCommand, ...args: string[]) => {
      const { code, err } = await repo.run(command, ...args);
      expect(code, args.join(' ')).toBe(2);
      return err;
    };
    expect(await refused(deprecateCommand, '1', '--sunset', '2027-06-01')).toContain('v1 is a draft');
    expect(await refused(retireCommand, '1')).toContain('v1 is draft; deprecate it first');
    await approveAndRelease(repo, 1, '2026-11-26');
    expect(await refused(deprecateCommand, '1', '--sunset', '2027-06-01')).toContain('v1 is the current version');
    expect(await refused(deprecateCommand, '9', '--sunset', '2027-06-01')).toContain('v9 is not in schema/index.ts; known: v1');
  });
});

describe('the life of a second version, end to end', () => {
  // A whole life in one story: several builds and generations, a minute or more on a busy 2-core machine.
  it('drafts, reviews, changelogs and releases v2 without moving what v1 published; serves both; falls back; deprecates; retires', { timeout: 180_000 }, async () => {
    repo = copyRepo(['examples', 'tsup.config.ts', 'tsconfig.json']);

    // A maintainer has v1 approved, releases it and commits.
    await approveAndRelease(repo, 1, '2026-11-26');
    expect(repo.read('schema/released.lock')).toMatch(/^v1 sha256:[0-9a-f]{64} generated\/v1\/conformance\.json$/m);
    expect(repo.read('schema/released.lock')).toMatch(/^v1 sha256:[0-9a-f]{64} docs\/telemetry\.md#version v1$/m);
    expect(repo.read('docs/telemetry.md')).toContain('| v1 | current, released: frozen | released 2026-11-26 | approved 2026-11-25 by Dana Fischer (Data Protection Officer) |');
    expect((await repo.run(checkCommand)).code).toBe(0);
    const v1Commit = repo.commit('release v1');
    const before = publishedByV1(repo.root);

    // Drafts v2 (no hand edit of schema/index.ts), then writes it: a required nested object, an optional one, a list of objects.
    const drafted = await repo.run(draftCommand, '2');
    expect(drafted.code, drafted.out + drafted.err).toBe(0);
    expect(drafted.out).toContain('npm run review -- 2');
    expect(drafted.out).toContain('docs/CHANGELOG.md');
    expect(repo.read('schema/index.ts')).toContain("{ contract: v2, status: 'draft' }");
    const exportsOf = () => Object.keys((JSON.parse(repo.read('package.json')) as { exports: Record<string, unknown> }).exports).filter((key) => /^\.\/schemas\/v[0-9]+\.json$/.test(key));
    expect(exportsOf()).toEqual(['./schemas/v1.json', './schemas/v2.json']);
    expect(repo.read('schema/v2.ts')).toContain("source: 'schema/v2.ts'");
    repo.write('schema/v2.ts', fixtureV2());
    const generated = await repo.run(generateCommand);
    expect(generated.code, generated.out + generated.err).toBe(0);
    expect(generated.err).toBe('');
    expect(await rulesOf()).toEqual(['schema/v2.ts review-missing']);
    expect(await rulesOf('--base', v1Commit)).toEqual(['schema/v2.ts review-missing', 'docs/CHANGELOG.md changelog-missing']);

    // The audit document shows v2 first, with what changed from v1 in words.
    const doc = repo.read('docs/telemetry.md');
    expect(doc.indexOf('## Schema v2')).toBeLessThan(doc.indexOf('## Schema v1'));
    expect(readPart(doc, 'docs/telemetry.md', 'version v2')).toContain('### Changes from v1');
    expect(doc).toMatch(/\| `environmentPairs\.paired` \| yes \| How many sandbox environments have a production counterpart/);
    expect(doc).toContain('| `redeemedCodes[].codeId` |');

    // Review and changelog, then the check against the v1 commit passes.
    expect((await repo.run(reviewCommand, '2', ...DPO, '--link', 'PRIV-7', '--date', '2026-11-27')).code).toBe(0);
    const entry = [
      '- Schema v2 adds environment pair counts for pair-based billing: `environmentPairs` (`environmentPairs.total`,',
      '  `environmentPairs.sandboxOnly`, `environmentPairs.paired`), the optional `executionSplit` (`executionSplit.sandbox`,',
      '  `executionSplit.production`), and the redeemed extension codes `redeemedCodes` (`redeemedCodes[].codeId`,',
      '  `redeemedCodes[].redeemedAt`).',
    ].join('\n');
    repo.edit('docs/CHANGELOG.md', '## Unreleased\n', `## Unreleased\n\n${entry}\n`);
    expect(await rulesOf('--base', v1Commit)).toEqual([]);
    expect((await repo.run(checkCommand, '--base', v1Commit)).code).toBe(0);
    expect(publishedByV1(repo.root)).toEqual(before);

    // v2 is released and becomes current; v1's published artifacts still have not moved.
    expect((await repo.run(releaseCommand, '2', '--date', '2026-11-28')).code).toBe(0);
    expect(repo.read('schema/index.ts')).toContain('currentVersion: 2,');
    expect(publishedByV1(repo.root)).toEqual(before);
    expect((await repo.run(checkCommand, '--base', v1Commit)).code).toBe(0);
    repo.commit('release v2');

    // The build type-checks, and a server's result narrows on schemaVersion.
    repo.write(
      'narrowing.ts',
      [
        "import { ingest } from './src/server.js';",
        'export async function total(request: Parameters<typeof ingest>[0]): Promise<number | undefined> {',
        "  const result = await ingest(request, { licenseKeys: new Map([['lic-1', [{ id: 'k', secret: 'whsec_x' }]]]) });",
        '  if (!result.ok) return undefined;',
        '  // @ts-expect-error a connection test has no payload: a server must tell it from a report first',
        '  void result.payload;',
        "  if (result.kind === 'probe') return undefined;",
        '  if (result.schemaVersion === 2) return result.payload.environmentPairs.total;',
        '  // @ts-expect-error v1 has no environmentPairs',
        '  return result.payload.environmentPairs;',
        '}',
        '',
      ].join('\n'),
    );
    execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', '--resolveJsonModule', '--types', 'node', 'narrowing.ts'], { cwd: repo.root, stdio: 'pipe' });
    const current = await build(repo.root, 'released-v2');
    // This repository's own types know v1 only; the copy's build knows v2 (its types were checked by tsc above).
    const countsV2 = fixture('wire/counts-v2.json') as never;

    // An uploader on v2 against a server accepting [1, 2]: stored as v2.
    const both = await serve(current.server, [1, 2]);
    try {
      const built = await current.uploader.createTelemetryRequest(countsV2, { ...uploaderOptions, version: 2 as never });
      if (!built.ok) throw new Error(built.error.message);
      expect(built.request.schemaVersion).toBe(2);
      const sent = await current.uploader.sendTelemetry(built.request, sendOptions(both.url));
      expect(sent).toMatchObject({ ok: true, status: 201, schemaVersion: 2 });
      expect([...both.stored.values()]).toEqual([expect.objectContaining({ schemaVersion: 2, payload: expect.objectContaining({ environmentPairs: { total: 5, sandboxOnly: 2, paired: 3 } }) })]);
    } finally {
      await both.close();
    }

    // Against a server that accepts only v1: refused as v2, sent again as v1 by projection; the log says so.
    const old = await serve(current.server, [1]);
    try {
      const built = await current.uploader.createTelemetryRequest(countsV2, { ...uploaderOptions, version: 2 as never });
      if (!built.ok) throw new Error(built.error.message);
      const sent = await current.uploader.sendTelemetry(built.request, sendOptions(old.url));
      expect(sent).toMatchObject({ ok: true, status: 201, schemaVersion: 1, projection: { from: 2, to: 1, dropped: ['environmentPairs', 'executionSplit', 'redeemedCodes'] } });
      expect(sent.attempts.map((a) => [a.schemaVersion, a.status, a.rule, a.projectedTo])).toEqual([
        [2, 422, 'unsupported-version', 1],
        [1, 201, undefined, undefined],
      ]);
      const [stored] = [...old.stored.values()];
      expect(stored).toMatchObject({ schemaVersion: 1 });
      expect(Object.keys(stored!.payload as object)).not.toContain('environmentPairs');

      // The administrator's connection test says so before any report: v2 is not accepted, and the fallback works.
      const example = await exampleServer(repo.root, 'released-v2', [1]);
      try {
        const tested = await current.uploader.testConnection({ ...uploaderOptions, version: 2, baseUrl: example.url, allowHttpLoopback: true, timeoutMs: 5000 });
        expect(tested).toMatchObject({ ok: false, diagnosis: 'version-not-accepted', status: 422, schemaVersion: 2, acceptedVersions: [1], fallback: { to: 1, possible: true, dropped: ['environmentPairs', 'executionSplit', 'redeemedCodes'] } });
        expect(tested.message).toContain('the server does not accept v2, the version this installation sends; it accepts 1 (version-not-accepted); a fallback by projection would work: reports would go out as v1 without environmentPairs, executionSplit, redeemedCodes');
      } finally {
        await example.close();
      }

      // Told the accepted versions up front (negotiation), the uploader builds v1 directly and sends once.
      const found = await current.uploader.discoverAcceptedVersions({ baseUrl: old.url, allowHttpLoopback: true });
      expect(found).toEqual({ ok: true, versions: [1] });
      const negotiated = await current.uploader.createTelemetryRequest({ ...(countsV2 as object), periodStart: '2026-12-16T00:00:00Z', periodEnd: '2026-12-31T00:00:00Z' } as never, { ...uploaderOptions, version: 2 as never, acceptedVersions: found.ok ? found.versions : [] });
      expect(negotiated).toMatchObject({ ok: true, request: { schemaVersion: 1, projection: { from: 2, to: 1 } } });
    } finally {
      await old.close();
    }

    // v1 is deprecated: its uploaders still get through, and hear about the sunset.
    const deprecated = await repo.run(deprecateCommand, '1', '--date', '2026-12-01', '--sunset', '2027-06-01');
    expect(deprecated.code, deprecated.out + deprecated.err).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);
    expect(readPart(repo.read('docs/telemetry.md'), 'docs/telemetry.md', 'status v1')).toContain('deprecated: still accepted, servers announce its sunset; released 2026-11-26, deprecated 2026-12-01, sunset 2027-06-01.');
    expect(publishedByV1(repo.root)).toEqual(before);
    expect((await repo.run(versionsCommand)).out).toBe(
      'v2  released    current  released 2026-11-28, approved 2026-11-27 by Dana Fischer (Data Protection Officer)\nv1  deprecated           released 2026-11-26, deprecated 2026-12-01, sunset 2027-06-01, approved 2026-11-25 by Dana Fischer (Data Protection Officer)\n',
    );
    const sunsetting = await build(repo.root, 'deprecated-v1');
    const server = await serve(sunsetting.server);
    try {
      const built = await sunsetting.uploader.createTelemetryRequest(fixture<UploaderApi.TelemetryCounts<1>>('wire/counts.json'), { ...uploaderOptions, version: 1 });
      if (!built.ok) throw new Error(built.error.message);
      const sent = await sunsetting.uploader.sendTelemetry(built.request, sendOptions(server.url));
      expect(sent).toMatchObject({ ok: true, status: 201, schemaVersion: 1, deprecation: { version: 1, deprecatedAt: '2026-12-01T00:00:00.000Z', sunset: '2027-06-01T00:00:00.000Z' } });
      expect(sent.attempts[0]!.deprecation).toEqual({ deprecatedAt: '2026-12-01T00:00:00.000Z', sunset: '2027-06-01T00:00:00.000Z' });
    } finally {
      await server.close();
    }
    // The connection test of a v1 installation hears of the sunset too, from the example server and on the command line (exit 7).
    const sunsettingServer = await exampleServer(repo.root, 'deprecated-v1');
    try {
      const tested = await sunsetting.uploader.testConnection({ ...uploaderOptions, version: 1, baseUrl: sunsettingServer.url, allowHttpLoopback: true, timeoutMs: 5000 });
      expect(tested).toMatchObject({ ok: true, diagnosis: 'deprecated', status: 200, schemaVersion: 1, deprecation: { version: 1, deprecatedAt: '2026-12-01T00:00:00.000Z', sunset: '2027-06-01T00:00:00.000Z' } });
      expect(tested.message).toContain('but the server has deprecated v1, the version this installation sends; it may refuse it after 2027-06-01 (deprecated)');
      // Kept: after the retirement below, an installation still runs this build.
      cpSync(join(repo.root, 'dist'), join(repo.root, 'dist-deprecated-v1'), { recursive: true });
      const command = await outboxTest(repo.root, 'dist-deprecated-v1', 'deprecated-v1', sunsettingServer.url, 1);
      expect(command.code).toBe(7);
      expect(command.out).toContain('deprecated (exit 7)\n');
      expect(command.out).toContain('sunset      2027-06-01 (deprecated 2026-12-01)\n');
    } finally {
      await sunsettingServer.close();
    }

    // After the sunset v1 is retired. An uploader still on the package of before gets 422 and cannot fall back:
    // v2 needs environment pairs that a v1 report does not have. Nothing is stored; the window stays with the uploader.
    expect((await repo.run(retireCommand, '1', '--date', '2027-05-31')).err).toContain("v1's sunset is 2027-06-01");
    expect((await repo.run(retireCommand, '1', '--date', '2027-06-01')).code).toBe(0);
    expect((await repo.run(checkCommand)).code).toBe(0);
    // A retired version's JSON Schema stays in generated/ (stored reports stay readable) but is no longer exported.
    expect(exportsOf()).toEqual(['./schemas/v2.json']);
    expect(publishedByV1(repo.root)).toEqual(before);
    const retired = await build(repo.root, 'retired-v1');
    expect(() => retired.server.acceptedVersionsOption([1, 2])).toThrow(/v1 is retired/);
    const latest = await serve(retired.server);
    try {
      const built = await sunsetting.uploader.createTelemetryRequest(fixture<UploaderApi.TelemetryCounts<1>>('wire/counts.json'), { ...uploaderOptions, version: 1 });
      if (!built.ok) throw new Error(built.error.message);
      const sent = await sunsetting.uploader.sendTelemetry(built.request, sendOptions(latest.url));
      expect(sent).toMatchObject({ ok: false, status: 422, schemaVersion: 1, error: { rule: 'projection-refused' } });
      expect(sent.ok || sent.error.message).toContain('environmentPairs: v2 requires it and v1 does not have it');
      expect(sent.attempts.map((a) => [a.status, a.rule])).toEqual([[422, 'unsupported-version']]);
      expect(latest.stored.size).toBe(0);
      const fresh = await retired.uploader.createTelemetryRequest(fixture<UploaderApi.TelemetryCounts<1>>('wire/counts.json'), { ...uploaderOptions, version: 1 });
      expect(fresh).toMatchObject({ ok: false, error: { rule: 'unsupported-version' } });
    } finally {
      await latest.close();
    }
    // The connection test of an installation still on v1: not accepted, and no fallback (v2 needs what v1 lacks); exit 6.
    const retiredServer = await exampleServer(repo.root, 'retired-v1');
    try {
      const tested = await sunsetting.uploader.testConnection({ ...uploaderOptions, version: 1, baseUrl: retiredServer.url, allowHttpLoopback: true, timeoutMs: 5000 });
      expect(tested).toMatchObject({ ok: false, diagnosis: 'version-not-accepted', acceptedVersions: [2], fallback: { to: 2, possible: false } });
      expect(tested.message).toContain('a fallback by projection would not work (to v2): environmentPairs: v2 requires it and v1 does not have it');
      const command = await outboxTest(repo.root, 'dist-deprecated-v1', 'retired-v1', retiredServer.url, 1);
      expect(command.code).toBe(6);
      expect(command.out).toContain('version-not-accepted (exit 6)\n');
      expect(command.out).toContain('fallback    would not work: environmentPairs: v2 requires it and v1 does not have it');
    } finally {
      await retiredServer.close();
    }
  });
});
