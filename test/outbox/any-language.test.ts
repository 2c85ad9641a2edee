/**
 * Every installation can report, with real processes: the example server on
 * the throwaway PostgreSQL server (keys issued with telemetry-keys, receipts
 * signed with a key from a file), and the telemetry-outbox command as an
 * administrator or an application in another language runs it.
 *
 * - An air-gapped site: five windows, exported, the bundle read as an
 *   administrator reads it, uploaded (stored), uploaded again (nothing new),
 *   edited or signed with another license's key (refused), the receipt
 *   imported (delivered); once online, a flush sends nothing twice.
 * - An application in Python: the README's shell and Python blocks as
 *   written, then a story around them: a refused window, a conflicting one,
 *   enqueue processes killed at random moments and in the middle of writing.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_MEDIA_TYPE, BUNDLE_PATH, generateReceiptKey } from '../../src/server.js';
import { toBase64 } from '../../src/wire/bytes.js';
import { runKeysCli } from '../../src/store/keys-cli.js';
import { repoRoot } from '../helpers.js';
import { freshDatabase, postgresUrl } from '../support/databases.js';
import { type RunningServer, killExampleServers, startExampleServer } from '../support/example-server.js';
import { setLicenseWithCli } from '../support/license-cli.js';
import { dayCounts } from './windows.js';

const LICENSE = 'lic-2026-0042';
/** The air-gapped site's windows start on day 20 of dayCounts (2026-11-21): the README's blocks use the first days of November. */
const AIR = 20;
const NAME = 'Müller Werkzeugbau GmbH';
const skip = postgresUrl() === undefined;
let folder: string;
let bin: string;
let server: RunningServer;
let pool: pg.Pool;
let receiptKey: string;
let licenseFile: string;
const secretFiles: Record<string, string> = {};
const secrets: Record<string, string> = {};

async function keys(args: string[], env: Record<string, string>): Promise<string> {
  let out = '';
  let err = '';
  const code = await runKeysCli(args, { out: (t) => void (out += t), err: (t) => void (err += t), env });
  if (code !== 0) throw new Error(err);
  return out;
}

/**
 * A command line as a shell runs it: the bundled telemetry-outbox first on PATH, only the environment given,
 * and, as on a developer's machine, leave to send over plain HTTP to the example server on loopback.
 */
function sh(command: string, options: { env?: Record<string, string>; input?: string; file?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const env = { PATH: `${bin}:${process.env['PATH']}`, HOME: folder, TELEMETRY_ALLOW_HTTP_LOOPBACK: '1', ...options.env };
    const child = execFile(options.file ?? 'bash', options.file ? [command] : ['-c', command], { cwd: folder, env, encoding: 'utf8', timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out, err }),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
const stored = async (license: string) => (await pool.query(`SELECT dedupe_key, received_at FROM telemetry_reports WHERE dedupe_key LIKE $1 ORDER BY dedupe_key`, [`${license}/%`])).rows;

beforeAll(async () => {
  if (skip) return;
  folder = mkdtempSync(join(tmpdir(), 'telemetry-any-language-'));
  // The command as it installs: one bundled file, run by a `telemetry-outbox` on PATH.
  bin = join(folder, 'bin');
  mkdirSync(bin);
  await build({ entryPoints: [join(repoRoot, 'src/outbox/bin.ts')], outfile: join(bin, 'telemetry-outbox.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  writeFileSync(join(bin, 'telemetry-outbox'), `#!/bin/sh\nexec "${process.execPath}" "${join(bin, 'telemetry-outbox.mjs')}" "$@"\n`);
  chmodSync(join(bin, 'telemetry-outbox'), 0o755);

  licenseFile = join(folder, 'license.json');
  const kekFile = join(folder, 'kek');
  writeFileSync(kekFile, `${toBase64(Uint8Array.from({ length: 32 }, (_, i) => 3 * i + 1))}\n`);
  const receiptFile = join(folder, 'receipt-key.pem');
  writeFileSync(receiptFile, (await generateReceiptKey()).privateKey, { mode: 0o600 });
  const databaseUrl = await freshDatabase('anylang');
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const env = { DATABASE_URL: databaseUrl, TELEMETRY_KEK_FILE: kekFile };
  server = await startExampleServer({ ...env, TELEMETRY_ACCEPTED_VERSIONS: '1', TELEMETRY_RECEIPT_KEY_FILE: receiptFile });
  receiptKey = /receipts signed with (ed25519:[A-Za-z0-9_-]{43})/.exec(server.output())![1]!;
  for (const license of [LICENSE, 'lic-2026-0099']) {
    // The server requires each license's record (its license store): what a report may name, whose name it carries.
    const record = { licenseId: license, legalEntity: license === LICENSE ? NAME : 'Other Licensee AG', features: ['audit-log', 'sso'], dataRegion: 'eu' };
    await setLicenseWithCli(record, env);
    // The record as the vendor ships it with the license, for the installation's init.
    if (license === LICENSE) writeFileSync(licenseFile, JSON.stringify(record, null, 2));
    secrets[license] = (JSON.parse(await keys(['issue', license, '--json'], env)) as { secret: string }).secret;
    secretFiles[license] = join(folder, `${license}.secret`);
    writeFileSync(secretFiles[license], `${secrets[license]}\n`, { mode: 0o600 });
  }
}, 120_000);
afterAll(async () => {
  await server?.stop();
  killExampleServers();
  await pool?.end();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe.skipIf(skip)('an air-gapped site', () => {
  it('exports five windows, the vendor stores them once however often the file is uploaded, refuses it edited, and the receipt marks them delivered; online later, a flush sends nothing twice', async () => {
    const dir = join(folder, 'air-gapped');
    const env = { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles[LICENSE]! };
    expect(await sh(`telemetry-outbox init --dir ${dir} --license ${licenseFile} --mask-customer --version 1 --receipt-key ${receiptKey}`, { env })).toMatchObject({ code: 0 });
    // The record declares audit-log and sso: a window naming another is refused before it is queued.
    expect(await sh(`telemetry-outbox enqueue --dir ${dir}`, { env, input: JSON.stringify({ ...dayCounts(AIR), featuresUsed: ['sso', 'reports.pdf'] }) })).toMatchObject({ code: 1, err: expect.stringContaining('(feature-not-licensed)') });
    for (let i = 0; i < 5; i++) expect(await sh(`telemetry-outbox enqueue --dir ${dir}`, { env, input: JSON.stringify(dayCounts(AIR + i)) })).toMatchObject({ code: 0, out: expect.stringMatching(/^queued msg_/) });
    // No address, but a receipt key: configured to deliver by hand, nothing delivered yet.
    const before = await sh(`telemetry-outbox status --dir ${dir} --format json`);
    expect(JSON.parse(before.out)).toMatchObject({ status: { pending: 5 }, health: { state: 'warning' } });

    const exported = await sh(`telemetry-outbox export --dir ${dir} --out ${join(folder, 'bundle.json')}`, { env });
    expect(exported).toMatchObject({ code: 0, out: expect.stringContaining('(5 windows, ') });
    // The administrator reads the file before it leaves: every window as it travels, the mask for the name, no secret.
    const text = readFileSync(join(folder, 'bundle.json'), 'utf8');
    const bundle = JSON.parse(text) as { licenseId: string; windows: Array<{ headers: Record<string, string>; body: string }> };
    expect(bundle.windows.map((w) => JSON.parse(w.body) as { periodStart: string })).toEqual([0, 1, 2, 3, 4].map((i) => expect.objectContaining({ periodStart: dayCounts(AIR + i).periodStart })));
    expect(new Set(bundle.windows.map((w) => w.headers['x-telemetry-customer']))).toEqual(new Set([expect.stringMatching(/^anon-[0-9a-f]{32}-23$/)]));
    for (const hidden of [NAME, encodeURIComponent(NAME), 'Müller', secrets[LICENSE]!.slice(6), 'whsec_', 'webhook-signature']) expect(text).not.toContain(hidden);

    const post = (body: string | Buffer) => fetch(`${server.url}${BUNDLE_PATH}`, { method: 'POST', headers: { 'content-type': BUNDLE_MEDIA_TYPE }, body });
    const first = await post(text);
    expect(first.status).toBe(200);
    const receipt = await first.text();
    expect((JSON.parse(receipt) as { windows: Array<{ status: number }> }).windows.map((w) => w.status)).toEqual([201, 201, 201, 201, 201]);
    const rows = await stored(LICENSE);
    expect(rows.length).toBe(5);
    // Uploaded again: answered, nothing stored anew.
    const again = await post(text);
    expect((JSON.parse(await again.text()) as { windows: Array<{ status: number }> }).windows.map((w) => w.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await stored(LICENSE)).toEqual(rows);
    // Edited on the way, or made with another license's secret: refused whole, nothing stored.
    const edited = text.replace(`\\"activeSeats\\":${dayCounts(AIR + 2).activeSeats}`, '\\"activeSeats\\":1');
    expect(edited).not.toBe(text);
    expect(await (await post(edited)).json()).toMatchObject({ error: { rule: 'license-key-mismatch' } });
    const wrongKey = join(folder, 'wrong-key');
    await sh(`telemetry-outbox init --dir ${wrongKey} --license-id ${LICENSE} --customer '${NAME}' --mask-customer --version 1`, { env: { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles['lic-2026-0099']! } });
    await sh(`telemetry-outbox enqueue --dir ${wrongKey}`, { env: { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles['lic-2026-0099']! }, input: JSON.stringify(dayCounts(9, 1)) });
    await sh(`telemetry-outbox export --dir ${wrongKey} --out ${join(folder, 'wrong.json')}`, { env: { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles['lic-2026-0099']! } });
    const wrong = await post(readFileSync(join(folder, 'wrong.json')));
    expect(wrong.status).toBe(401);
    expect(await stored(LICENSE)).toEqual(rows);

    // A receipt edited to say more than the server said is refused; the real one marks the five delivered.
    writeFileSync(join(folder, 'edited-receipt.json'), receipt.replace('"status": 201', '"status": 200'));
    expect(await sh(`telemetry-outbox import-receipt ${join(folder, 'edited-receipt.json')} --dir ${dir}`)).toMatchObject({ code: 2, err: expect.stringContaining('(receipt-forged)') });
    // One more window waits meanwhile; the receipt does not speak of it.
    await sh(`telemetry-outbox enqueue --dir ${dir}`, { env, input: JSON.stringify(dayCounts(AIR + 5)) });
    writeFileSync(join(folder, 'receipt.json'), receipt);
    const imported = await sh(`telemetry-outbox import-receipt ${join(folder, 'receipt.json')} --dir ${dir}`);
    expect(imported).toMatchObject({ code: 0, out: expect.stringContaining('delivered 5, refused 0, still waiting 0, unchanged 0, not in this outbox 0') });

    // Online at last: the flush sends the one window no receipt covered, and none of the five again.
    const flushed = await sh(`telemetry-outbox flush --dir ${dir} --base-url ${server.url} --format json`, { env });
    expect(JSON.parse(flushed.out)).toMatchObject({ ok: true, delivered: [{ window: { start: dayCounts(AIR + 5).periodStart }, status: 201 }], failed: [], pending: [] });
    expect((await stored(LICENSE)).length).toBe(6);
    const after = JSON.parse((await sh(`telemetry-outbox status --dir ${dir} --format json`)).out) as { status: { delivered: number; pending: number }; health: { state: string } };
    expect(after).toMatchObject({ status: { delivered: 6, pending: 0 }, health: { state: 'healthy' } });
    const history = JSON.parse((await sh(`telemetry-outbox history --dir ${dir} --format json --limit 100`)).out) as { entries: Array<{ outcome: string; messageId: string }> };
    const deliveries = history.entries.filter((e) => e.outcome === 'delivered').map((e) => e.messageId);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    expect(deliveries.length).toBe(6);
  });
});

describe.skipIf(skip)('an application in Python', () => {
  const readme = () => readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const inFolder = (text: string, dir: string) =>
    text.replaceAll('/var/lib/aster/telemetry', dir).replaceAll('/etc/aster/telemetry-secret', secretFiles[LICENSE]!).replaceAll('/etc/aster/license.json', licenseFile).replaceAll('https://telemetry.vendor.example', server.url);

  it("runs the README's shell block and Python block as written, then queues, refuses and survives kills through queue_window", async () => {
    const dir = join(folder, 'python');
    const shell = [...readme().matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((block) => block.includes('telemetry-outbox enqueue'))!;
    const ran = await sh(inFolder(shell, dir));
    expect(ran).toMatchObject({ code: 0, out: expect.stringMatching(/queued msg_[0-9a-f]{64} \(2026-11-01T00:00:00Z…2026-11-02T00:00:00Z\)[\s\S]*delivered 1, refused 0, still pending 0/) });
    expect(JSON.parse(readFileSync(join(dir, 'outbox.json'), 'utf8'))).toMatchObject({ licenseId: LICENSE, customerHeader: expect.stringMatching(/^anon-/), licensedFeatures: ['audit-log', 'sso'], schemaVersion: 1, baseUrl: server.url });
    expect(readFileSync(join(dir, 'outbox.json'), 'utf8')).not.toContain('Müller');

    const python = [...readme().matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)[0]!;
    const story = `
import os
import random
import signal
import time
from datetime import datetime, timedelta, timezone

random.seed(int(os.environ["SEED"]))
TMP = os.path.join(OUTBOX, "tmp")


def day(i, seats=40):
    start = datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(days=i)
    stamp = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"periodStart": stamp(start), "periodEnd": stamp(start + timedelta(days=1)), "activeSeats": seats,
            "policiesActive": 7, "policyExecutionsCount": 1000 + i, "totalProvisionedSeats": 50,
            "seatLimitHit": False, "featuresUsed": ["sso", "audit-log", "sso"]}


seen = {}
try:
    queue_window({**day(0), "activeSeats": -1})
    raise SystemExit("a window with a negative count was queued")
except ValueError as refused:
    seen["refused"] = str(refused)
queue_window(day(0))
try:
    queue_window(day(0, seats=41))
    raise SystemExit("the same window with other counts was queued")
except ValueError as conflict:
    seen["conflict"] = str(conflict)

killed, finished, mid_write = [], [], 0
N = 10
for i in range(1, N + 1):
    child = subprocess.Popen(["telemetry-outbox", "enqueue", "--dir", OUTBOX, "--format", "json"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child.stdin.write(json.dumps(day(i)))
    child.stdin.close()
    if i == 1:
        pass  # killed at once: before it read a byte
    elif i == N:
        child.wait()  # the last one is left to finish
    elif i % 2 == 0:
        time.sleep(random.uniform(0, 0.4))
    else:
        # In the middle of writing: the moment its temporary record file exists.
        deadline = time.time() + 5
        while child.poll() is None and time.time() < deadline:
            if any(name.startswith(f"{child.pid}-") for name in os.listdir(TMP)):
                mid_write += 1
                break
    if child.poll() is None:
        child.send_signal(signal.SIGKILL)
    child.wait()
    (finished if child.returncode == 0 else killed).append(i)

# Whatever was killed is queued again by the application's next try: nothing half-written blocks it.
for i in killed:
    queue_window(day(i))
print(json.dumps({**seen, "killed": killed, "finished": finished, "midWrite": mid_write}))
`;
    writeFileSync(join(folder, 'story.py'), `${inFolder(python, dir)}\n${story}`);
    const result = await sh(join(folder, 'story.py'), { file: 'python3', env: { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles[LICENSE]!, SEED: String(Math.floor(Math.random() * 1e9)) } });
    expect(result.err).toBe('');
    const lines = result.out.trim().split('\n');
    // The README's own call printed the message id of its window.
    expect(lines[0]).toMatch(/^msg_[0-9a-f]{64}$/);
    const seen = JSON.parse(lines.at(-1)!) as { refused: string; conflict: string; killed: number[]; finished: number[]; midWrite: number };
    expect(seen.refused).toMatch(/\/activeSeats: must be >= 0, got the integer -1 \(minimum\)/);
    expect(seen.conflict).toContain('(window-conflict)');
    expect(seen.killed).toContain(1);
    expect(seen.finished).toContain(10);

    // Every window is there once, whole: none unreadable, the README's two, day 0 and the ten.
    const status = JSON.parse((await sh(`telemetry-outbox status --dir ${dir} --format json`)).out) as { status: { pending: number; delivered: number; unreadable: number } };
    expect(status.status).toMatchObject({ unreadable: 0, pending: 12, delivered: 1 });
    const flushed = await sh(`telemetry-outbox flush --dir ${dir} --format json`, { env: { TELEMETRY_SIGNING_SECRETS_FILE: secretFiles[LICENSE]! } });
    expect(JSON.parse(flushed.out)).toMatchObject({ ok: true, failed: [], pending: [] });
    expect((await stored(LICENSE)).filter((r) => String(r['dedupe_key']).includes('/2026-12-')).length).toBe(11);
    console.log(`any-language: ${seen.killed.length} enqueue processes killed, ${seen.midWrite} of them while writing their record`);
  });
});
