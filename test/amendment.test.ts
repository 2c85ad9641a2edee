/**
 * A released version lives for years, lived as its owners would: v1 released;
 * its review date passes and the check turns red; a periodic re-review (the
 * review-by fix, followed to the letter) turns it green without a new version
 * and without moving a byte v1 published for validation; a DPIA shortens one
 * field's retention in place, the store follows at the next purge and
 * migrate; v2 drafted afterwards is reviewed against v1's approved content.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../scripts/commands/check.js';
import { diffCommand } from '../scripts/commands/diff.js';
import { draftCommand } from '../scripts/commands/draft.js';
import { generateCommand } from '../scripts/commands/generate.js';
import { reviewCommand } from '../scripts/commands/review.js';
import { versionsCommand } from '../scripts/commands/versions.js';
import { readPart } from '../scripts/docs/markers.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { toStorage } from '../scripts/emit/storage-sql.js';
import { v1 } from '../schema/v1.js';
import { ingest } from '../src/server.js';
import { openStore } from '../src/store/store.js';
import type { StoragePlan } from '../src/store/storage-plan.js';
import { sendTelemetry } from '../src/uploader.js';
import { openPglite } from './support/databases.js';
import { markdownLintMessages } from './support/markdown-lint.js';
import { type RepoCopy, copyRepo } from './support/repo-copy.js';
import { DPO, approveAndRelease } from './support/approve.js';
import { KEY_A, built, counts } from './wire/support.js';
import { testKeyring } from './support/keyring.js';

let repo: RepoCopy;
/** This repository with v1 released on 2026-11-26, made once: where every test below starts. */
let released: RepoCopy;
beforeAll(async () => {
  released = copyRepo(['examples']);
  await approveAndRelease(released, 1, '2026-11-26');
});
afterAll(() => released?.remove());
const withV1Released = () => copyRepo(['examples'], released.root);
const today = process.env['TELEMETRY_CONTRACT_TODAY'];
afterEach(() => {
  repo?.remove();
  if (today === undefined) delete process.env['TELEMETRY_CONTRACT_TODAY'];
  else process.env['TELEMETRY_CONTRACT_TODAY'] = today;
});

type Finding = { where: string; rule: string; what: string; fix?: string; detail?: string };
const check = async (...args: string[]) => {
  const { code, out } = await repo.run(checkCommand, '--format', 'json', ...args);
  return { code, findings: (JSON.parse(out) as { findings: Finding[] }).findings };
};

/** What v1 published that decides validity and bytes: validators, guards, vectors, storage. */
const VALIDATING = ['validate.js', 'validate-headers.js', 'is-valid.js', 'is-valid-headers.js', 'conformance.json', 'wire-vectors.json', 'storage.sql'].map((f) => `generated/v1/${f}`);
const validating = () => new Map(VALIDATING.map((path) => [path, repo.read(path)]));

/** generated/storage.ts's plan, read as data (the module is one JSON literal). */
function plan(): StoragePlan {
  const text = repo.read('generated/storage.ts');
  return JSON.parse(text.slice(text.indexOf('= ') + 2, text.lastIndexOf(';'))) as StoragePlan;
}

const DAY = 86_400_000;

/** A verified report through the real ingest; fails the test on anything else. */
async function verified(request: { readonly headers: Record<string, string>; readonly body: Uint8Array }) {
  const result = await ingest({ method: 'POST', headers: request.headers, body: request.body }, { licenseKeys: () => [{ id: 'k', secret: KEY_A }], acceptedVersions: [1] });
  if (!result.ok || result.kind !== 'report') throw new Error(result.ok ? 'ingest took the request for a probe' : result.error.message);
  return result;
}
const ACTIVE_SEATS_RETENTION =
  "nothing coarser would show it.',\n        category: 'usage-aggregate',\n        retention: 'P400D',";

describe('a released version lives for years', () => {
  it('is re-reviewed and amended in place, wire frozen; storage follows; a later draft is reviewed for what it adds', { timeout: 180_000 }, async () => {
    repo = withV1Released();
    expect(repo.read('schema/released.lock')).toMatch(/^v1 privacy sha256:[0-9a-f]{64}$/m);
    expect((await check()).findings).toEqual([]);
    const atRelease = repo.commit('release v1');
    const published = validating();
    const planAtRelease = plan();
    // An uploader of v1 builds its request before anything below happens.
    const request = await built({ now: () => Date.now() });

    // Time passes: on the day after reviewBy, every field of v1 is overdue: one cause, one finding, naming the files.
    process.env['TELEMETRY_CONTRACT_TODAY'] = '2027-06-02';
    const overdue = await check();
    expect(overdue.code).toBe(1);
    expect(overdue.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['schema/v1.ts, schema/headers.ts, schema/probe.ts review-by']);
    expect(overdue.findings[0]!.what).toContain('activeSeats');
    expect(overdue.findings[0]!.what).toContain('header webhook-id');
    const fix = overdue.findings[0]!.fix!;
    expect(fix).toContain("(1) in schema/v1.ts, schema/headers.ts and schema/probe.ts, change every reviewBy: '2027-05-31' to a day at most two years ahead (2029-06-02 at the latest); (2) `npm run review -- 1 --reviewer");
    expect(fix).toContain('no new version');

    // The owners follow the fix: reviewBy moves a year, the approval is recorded. No new version, nothing validating moves.
    for (const file of ['schema/v1.ts', 'schema/headers.ts', 'schema/probe.ts']) repo.write(file, repo.read(file).replaceAll("reviewBy: '2027-05-31'", "reviewBy: '2028-05-31'"));
    const reReview = await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-21', '--date', '2027-06-02');
    expect(reReview.code, reReview.out + reReview.err).toBe(0);
    expect(reReview.out).toContain('recorded as an amendment');
    expect(reReview.out).toMatch(/approved: diff against the approval of \d{4}-\d{2}-\d{2}: \d+ privacy-relevant\n/);
    expect((await check()).findings).toEqual([]);
    expect(repo.read('schema/released.lock')).toMatch(/^v1 amended 2027-06-02 sha256:[0-9a-f]{64} PRIV-21 reviewBy changed: "2027-05-31" → "2028-05-31" \(schemaVersion, periodStart, .*webhook-id/m);
    expect(repo.read('schema/index.ts')).toContain("{ contract: v1, status: 'released', released: '2026-11-26' }");
    expect(validating()).toEqual(published);
    expect(JSON.parse(repo.read('generated/v1/telemetry.schema.json')).properties.activeSeats['x-privacy'].reviewBy).toBe('2028-05-31');
    repo.edit('docs/CHANGELOG.md', '## Unreleased\n', '## Unreleased\n\n- Periodic re-review of v1: every `reviewBy` moves to 2028-05-31.\n');
    expect((await check('--base', atRelease)).findings).toEqual([]);
    const reReviewed = repo.commit('re-review v1');

    // A DPIA shortens activeSeats' retention to 30 days: an amendment, not a wire change.
    repo.edit('schema/v1.ts', ACTIVE_SEATS_RETENTION, ACTIVE_SEATS_RETENTION.replace('P400D', 'P30D'));
    expect((await repo.run(generateCommand)).code).toBe(0);
    const pending = await check();
    expect(pending.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['schema/v1.ts review-missing']);
    expect(pending.findings[0]!.detail).toContain('v1 activeSeats (amendment of a released version): retention changed: "P400D" → "P30D"');
    expect(pending.findings[0]!.detail).toMatch(/: 1 privacy-relevant\n/);
    const diff = await repo.run(diffCommand, reReviewed, '--format', 'json');
    expect((JSON.parse(diff.out) as { summary: Record<string, number> }).summary).toEqual({ 'wire-breaking': 0, 'wire-additive': 0, 'privacy-relevant': 1, 'docs-only': 0 });
    expect((await repo.run(diffCommand, reReviewed, '--format', 'markdown')).out).toContain('| v1 (amendment) | `activeSeats` | retention changed: "P400D" → "P30D" | How many distinct users');
    expect((await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-22', '--date', '2027-06-10')).code).toBe(0);
    expect((await check('--base', reReviewed)).findings.map((f) => f.rule)).toEqual(['changelog-missing']);
    repo.edit('docs/CHANGELOG.md', '## Unreleased\n', '## Unreleased\n\n- v1 `activeSeats` is kept 30 days instead of 400, after a DPIA.\n');
    expect((await check('--base', reReviewed)).findings).toEqual([]);
    expect(validating()).toEqual(published);
    expect((await repo.run(versionsCommand)).out).toBe('v1  released    current  released 2026-11-26, 2 amendments, the last 2027-06-10, approved 2027-06-10 by Dana Fischer (Data Protection Officer)\n');

    // The audit document lists both amendments, each with its approval, in the words and values its tables show.
    const doc = repo.read('docs/telemetry.md');
    const review = readPart(doc, 'docs/telemetry.md', 'review v1')!;
    expect(review).toContain('#### Amendments since the release');
    expect(review).toContain('**Released with the approval of:** 2026-11-25, by Dana Fischer (Data Protection Officer) (`PRIV-40`).');
    expect(review).toContain('| 2027-06-10 | `activeSeats` | Retention: 400 days → 30 days | Dana Fischer (Data Protection Officer), `PRIV-22` |');
    expect(review).toMatch(/\| 2027-06-02 \| `schemaVersion`, `periodStart`, .* \| Review by: 2027-05-31 → 2028-05-31 \| Dana Fischer \(Data Protection Officer\), `PRIV-21` \|/);
    // … and the values the amendments table names are the ones the field tables show.
    const fields = readPart(doc, 'docs/telemetry.md', 'version v1')!;
    expect(fields).toMatch(/^\| `activeSeats` \|.*\| 30 days \| Customer Success \| 2028-05-31 \|$/m);
    expect(fields).toMatch(/^\| `webhook-id` \|.*\| Platform team \| 2028-05-31 \|$/m);
    expect(await markdownLintMessages(repo.read('docs/telemetry.md'))).toEqual([]);
    expect(readPart(repo.read('docs/telemetry.md'), 'docs/telemetry.md', 'version v1')).toContain('| `activeSeats` | integer, from 0 to 2^53 − 1 | yes | How many distinct users');

    // The store follows: a database migrated and filled under the plan of the release …
    const amended = plan();
    expect(amended.migrations).toEqual(planAtRelease.migrations);
    expect(amended.versions[1]!.columns.find((c) => c.field === 'activeSeats')).toMatchObject({ retention: 'P30D', expiresAlone: true });
    expect(amended.current?.dropNotNull).toEqual(['active_seats']);
    const db = await openPglite();
    try {
      const storeAtRelease = openStore(db, planAtRelease, { keyring: testKeyring, now: () => new Date(Date.now() - 60 * DAY) });
      await storeAtRelease.migrate();
      const october = await built({ now: () => Date.now() }, { ...counts(), periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-10-16T00:00:00Z' });
      const old = await verified(october);
      expect((await storeAtRelease.put(old)).status).toBe(201);
      const comment = async () => (await db.query<{ c: string }>("SELECT col_description('telemetry_reports'::regclass, attnum) AS c FROM pg_attribute WHERE attrelid = 'telemetry_reports'::regclass AND attname = 'active_seats'")).rows[0]!.c;
      expect(await comment()).toContain('Retention: P400D (400 days)');

      // … is migrated by the amended package: no migration to apply, the comment says the record as it is now.
      const store = openStore(db, amended, { keyring: testKeyring });
      expect(await store.migrate()).toEqual({ applied: [] });
      expect(await comment()).toContain('Retention: P30D (30 days)');

      // The example server, built from the amended copy, still takes the request built before the amendment.
      const server = (await import(pathToFileURL(join(repo.root, 'examples/server.ts')).href)) as typeof import('../examples/server.js');
      const running = await server.startTelemetryServer({ licenseKeys: () => [{ id: 'k', secret: KEY_A }], acceptedVersions: [1], store, purgeIntervalMs: 0 });
      try {
        const sent = await sendTelemetry(request, { baseUrl: running.url, allowHttpLoopback: true, sleep: async () => {}, delays: () => 0, timeoutMs: 5000 });
        expect(sent).toMatchObject({ ok: true, status: 201, schemaVersion: 1 });
      } finally {
        await running.close();
      }

      // The next purge removes what is now past 30 days (the older report's activeSeats), and keeps the rest.
      const purged = await store.purge(new Date());
      expect([purged.reportsDeleted, purged.removed['activeSeats'], purged.removed['policiesActive']]).toEqual([0, 1, 0]);
      const kept = await store.get(old.dedupeKey);
      expect(kept?.payload).not.toHaveProperty('activeSeats');
      expect(kept?.payload).toMatchObject({ policiesActive: counts().policiesActive, seatLimitHit: counts().seatLimitHit });
      const { rows } = await db.query<{ n: number }>('SELECT count(active_seats)::int AS n FROM telemetry_reports');
      expect(rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
    const amendedCommit = repo.commit('amend v1: activeSeats kept 30 days');

    // v2, drafted from the amended v1, adds one nested object: its review shows that object and nothing else.
    const drafted = await repo.run(draftCommand, '2');
    expect(drafted.code, drafted.out + drafted.err).toBe(0);
    const record = (purpose: string) =>
      `privacy({ purpose: '${purpose}', legalBasis: 'contract', basisNote: 'pair-based billing', category: 'license-posture', retention: 'P400D', owner: 'License Management', reviewBy: '2028-05-31' })`;
    repo.edit(
      'schema/v2.ts',
      '    appVersion: Type.Optional(',
      [
        '    environmentPairs: Type.Object(',
        '      {',
        `        total: Count(${record('How many sandbox and production environments are registered.')}),`,
        `        sandboxOnly: Count(${record('How many sandbox environments have no production counterpart.')}),`,
        `        paired: Count(${record('How many sandbox environments have a production counterpart.')}),`,
        '      },',
        `      { additionalProperties: false, ...${record('Environment pair counts that pair-based pricing is billed on.')} },`,
        '    ),',
        '    appVersion: Type.Optional(',
      ].join('\n'),
    );
    expect((await repo.run(generateCommand)).code).toBe(0);
    // In text the version as a whole is `v2: new version…` (its own line, no subject), a field `v2 <field>: …`.
    const subjects = (text: string) => [...text.matchAll(/^ {2}v2(?: ([^:]+))?:/gm)].map((m) => m[1] ?? 'v2').sort();
    const NEW = ['environmentPairs', 'environmentPairs', 'environmentPairs.paired', 'environmentPairs.sandboxOnly', 'environmentPairs.total', 'v2'];
    const unreviewed = await check();
    expect(unreviewed.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['schema/v2.ts review-missing']);
    expect(unreviewed.findings[0]!.detail).toMatch(/^diff against v1 as approved on 2027-06-10: 1 wire-breaking, 1 wire-additive, 4 privacy-relevant\n/);
    expect(subjects(unreviewed.findings[0]!.detail!)).toEqual(NEW);
    const markdown = (await repo.run(diffCommand, amendedCommit, '--format', 'markdown')).out;
    expect([...markdown.matchAll(/^\| v2 \| `([^`]+)` \|/gm)].map((m) => m[1]).sort()).toEqual(NEW);
    const approving = await repo.run(reviewCommand, '2', ...DPO, '--link', 'PRIV-23', '--date', '2027-06-12');
    expect(approving.code).toBe(0);
    expect(subjects(approving.out)).toEqual(NEW);
    expect((await check()).findings).toEqual([]);
    expect(validating()).toEqual(published);

    // v2's migration was made from v1 as released (activeSeats required of v1 rows, in its CHECK); migrate() lifts that too.
    const withV2 = plan();
    expect(withV2.migrations[0]).toEqual(planAtRelease.migrations[0]);
    expect(withV2.migrations[1]!.sql).toMatch(/CHECK \(CASE schema_version WHEN 1 THEN \(active_seats IS NOT NULL/);
    expect(Object.keys(withV2.current?.checks ?? {})).toEqual(['active_seats_check']);
    const fresh = await openPglite();
    try {
      const store = openStore(fresh, withV2, { keyring: testKeyring, now: () => new Date(Date.now() - 60 * DAY) });
      expect(await store.migrate()).toEqual({ applied: [1, 2] });
      const request = await built({ now: () => Date.now() });
      const result = await verified(request);
      await store.put(result);
      expect((await store.purge(new Date())).removed['activeSeats']).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('what an amendment cannot do', () => {
  const BASIS = "basisNote: 'capacity planning',";

  it('review refuses to record a change to what a released version validates', async () => {
    repo = withV1Released();
    repo.edit('schema/v1.ts', 'maxItems: 256,', 'maxItems: 512,');
    expect((await repo.run(generateCommand)).code).toBe(0);
    const { code, err } = await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-9');
    expect([code, err]).toEqual([2, expect.stringContaining('v1 is released, and what it validates changed since: a review amends privacy records only')]);
    expect(repo.read('schema/released.lock')).not.toContain(' amended ');
    expect((await check()).findings.map((f) => f.rule)).toContain('released-changed');
  });

  it('an amendment reviewed but missing from the lock, or one in the lock that no review backs, fails the check', async () => {
    repo = withV1Released();
    repo.edit('schema/v1.ts', BASIS, "basisNote: 'capacity forecasting',");
    expect((await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-9', '--date', '2026-12-01')).code).toBe(0);
    expect((await check()).findings).toEqual([]);
    const lock = repo.read('schema/released.lock');
    const line = lock.split('\n').find((l) => l.startsWith('v1 amended '))!;
    expect(line).toContain('basisNote changed: "capacity planning" → "capacity forecasting" (activeSeats)');

    repo.write('schema/released.lock', lock.replace(`${line}\n`, ''));
    expect((await check()).findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['docs/telemetry.md drift-changed', 'schema/released.lock amendment-unrecorded']);
    expect((await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-9', '--date', '2026-12-01')).code).toBe(0);
    expect(repo.read('schema/released.lock')).toBe(lock);

    repo.write('schema/released.lock', lock.replace(line, line.replace(/sha256:[0-9a-f]{8}/, 'sha256:00000000')));
    expect((await check()).findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['amendment-unreviewed']));
  });

  it('the record of processing is amended like a field: reviewed, recorded, changelogged, listed', async () => {
    repo = withV1Released();
    const base = repo.commit('release v1');
    repo.edit('schema/processing-record.ts', "'The vendor\\'s billing, license management and customer success teams.',", "'The vendor\\'s billing, license management and customer success teams.',\n    'The vendor\\'s auditors, under confidentiality, for the yearly license audit.',");
    expect((await repo.run(generateCommand)).code).toBe(0);
    const pending = await check();
    expect(pending.findings.map((f) => `${f.where} ${f.rule}`)).toEqual(['schema/v1.ts review-missing']);
    expect(pending.findings[0]!.detail).toContain('v1 record of processing (amendment of a released version): recipients changed');
    expect((await repo.run(reviewCommand, '1', ...DPO, '--link', 'PRIV-30', '--date', '2026-12-01')).code).toBe(0);
    expect(repo.read('schema/released.lock')).toMatch(/^v1 amended 2026-12-01 sha256:[0-9a-f]{64} PRIV-30 recipients changed \(record of processing\)$/m);
    expect(readPart(repo.read('docs/telemetry.md'), 'docs/telemetry.md', 'review v1')).toContain('| 2026-12-01 | `record of processing` | recipients changed | Dana Fischer (Data Protection Officer), `PRIV-30` |');
    expect((await check('--base', base)).findings.map((f) => `${f.rule} ${f.what}`)).toEqual([expect.stringMatching(/^changelog-missing /)]);
    repo.edit('docs/CHANGELOG.md', '## Unreleased\n', '## Unreleased\n\n- The record of processing names the auditors as recipients.\n');
    expect((await check('--base', base)).findings).toEqual([]);
  });

  it('draft refuses to start a new version from privacy content no review approved', async () => {
    repo = withV1Released();
    repo.edit('schema/v1.ts', BASIS, "basisNote: 'capacity forecasting',");
    expect((await repo.run(generateCommand)).code).toBe(0);
    repo.commit('an unreviewed amendment');
    const { code, err } = await repo.run(draftCommand, '2');
    expect([code, err]).toEqual([2, expect.stringContaining("v1's privacy content has changes no review approved")]);
  });
});

describe('storage follows an amended retention', () => {
  it('a longer retention keeps values: purge goes by it, the migration stays as released, other fields go at their own time', async () => {
    const asReleased = toJsonSchema(v1);
    const longer = structuredClone(asReleased) as { properties: Record<string, { 'x-privacy': { retention: string } }> };
    longer.properties['activeSeats']!['x-privacy'].retention = 'P800D';
    const atRelease = toStorage([{ contract: v1, schema: asReleased }]).plan;
    const amended = toStorage([{ contract: v1, schema: longer as never, released: asReleased }]).plan;
    expect(amended.migrations).toEqual(atRelease.migrations);
    expect(amended.versions[1]!.columns.find((c) => c.field === 'activeSeats')).toMatchObject({ retention: 'P800D', expiresAlone: false });
    // The row now lives 800 days for activeSeats' sake: every other field is cleared before it, at its own 400 days.
    expect(amended.current?.dropNotNull).toContain('policies_active');
    expect(amended.current?.dropNotNull).not.toContain('active_seats');

    const db = await openPglite();
    try {
      const before = openStore(db, atRelease, { keyring: testKeyring, now: () => new Date(Date.now() - 500 * DAY) });
      await before.migrate();
      const request = await built({ now: () => Date.now() });
      const result = await verified(request);
      await before.put(result);
      const store = openStore(db, amended, { keyring: testKeyring });
      await store.migrate();
      const purged = await store.purge(new Date());
      expect([purged.reportsDeleted, purged.removed['activeSeats'], purged.removed['policiesActive']]).toEqual([0, 0, 1]);
      expect((await store.get(result.dedupeKey))?.payload).toMatchObject({ activeSeats: counts().activeSeats });
    } finally {
      await db.close();
    }
  });

  it('an amendment cannot start storing a field its released version kept P0D: that needs a new version', () => {
    const current = toJsonSchema(v1);
    const asReleased = structuredClone(current) as { properties: Record<string, { 'x-privacy': { retention: string } }> };
    asReleased.properties['nodeVersion']!['x-privacy'].retention = 'P0D';
    let error: unknown;
    try {
      toStorage([{ contract: v1, schema: current, released: asReleased as never }]);
    } catch (e) {
      error = e;
    }
    expect((error as { findings?: Array<{ where: string; rule: string; what: string }> }).findings).toEqual([
      expect.objectContaining({ where: 'schema/v1.ts: nodeVersion', rule: 'amendment-storage', what: 'its amended retention P400D would give it a column, but released v1 stores nothing of it' }),
    ]);

    // A header kept P0D at the release, amended to be kept: nothing would store it, and the build says so.
    const kept = structuredClone(toJsonSchema(v1)) as { 'x-headers': { properties: Record<string, { 'x-privacy': { retention: string } }> } };
    kept['x-headers'].properties['webhook-timestamp']!['x-privacy'].retention = 'P400D';
    expect(() => toStorage([{ contract: v1, schema: kept as never, released: toJsonSchema(v1) }])).toThrow(/header webhook-timestamp: is kept \(P400D\) but ingest hands the store no value for it \(storage-header\)/);
  });
});
