import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/outbox.js';
import { type CliIo, runOutboxCli } from '../../src/outbox/cli.js';
import { KEY_A, KEY_B, scratchDir, scriptedFetch, testOutbox, windowCounts } from './support.js';
import { watchedServer } from './processes.js';

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
function folder() {
  const scratch = scratchDir('cli');
  cleanups.push(scratch.cleanup);
  return scratch;
}

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env };
  const code = await runOutboxCli(args, io);
  return { code, out, err };
}

const refusal = { status: 422, body: { error: { rule: 'invalid-payload', message: 'no (invalid-payload)' } } };

/** An outbox with one delivered window, and one refused when `refused` is set. */
async function outboxWith({ refused = false } = {}): Promise<{ dir: string; ids: string[] }> {
  const { dir } = folder();
  const outbox = await testOutbox(dir, { fetch: scriptedFetch((_c, i) => (i === 1 && refused ? refusal : { status: 201, body: {} })).fetch });
  const ids: string[] = [];
  for (const i of refused ? [1, 2] : [1]) {
    const queued = await outbox.enqueue(windowCounts(i));
    if (queued.ok) ids.push(queued.messageId);
  }
  await outbox.flush();
  return { dir, ids };
}

describe('telemetry-outbox', () => {
  it('--help lists the commands, the environment and the exit codes; each command has its own help', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    expect(main.out).toMatch(/^telemetry-outbox: .+\n\nusage: telemetry-outbox <command> --dir <path> \[options\]\n/);
    for (const name of ['status', 'history', 'flush', 'retry', 'show', 'test', 'TELEMETRY_SIGNING_SECRETS', 'TELEMETRY_SIGNING_SECRETS_FILE', 'TELEMETRY_OUTBOX_DIR', 'TELEMETRY_BASE_URL']) expect(main.out).toContain(name);
    expect(main.out).toContain('exit codes: 0 ok, 1 findings (not healthy; windows refused or still waiting), 2 usage or internal error');
    for (const command of ['status', 'history', 'flush', 'retry', 'show', 'test']) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.out, command).toMatch(new RegExp(`^telemetry-outbox ${command}: .+\\n\\nusage: telemetry-outbox ${command} `));
      expect(help.out, command).toContain('--dir <path>');
      expect(help.out, command).toMatch(command === 'test' ? /\nexit codes: 0 connected, 1 unexpected-answer, 2 not-configured, 3 unreachable, 4 signature-refused, 5 clock-skew, 6 version-not-accepted, 7 deprecated, 8 encryption-required, 9 encryption-key-mismatch\n$/ : /\nexit codes: 0 ok, 1 findings/);
    }
  });

  it('exits 2 with one line and a pointer to --help on bad usage, never a stack trace', async () => {
    const { dir } = await outboxWith();
    const cases: Array<[string[], string]> = [
      [[], 'telemetry-outbox: a command is required: status, history, flush, retry'],
      [['send'], 'telemetry-outbox: unknown command "send"; the commands are status, history, flush, retry'],
      [['status', '--nope'], "telemetry-outbox: Unknown option '--nope'"],
      [['status', '--dir', dir, '--since', '1d'], 'telemetry-outbox status: --since is not an option of status'],
      [['status'], 'telemetry-outbox status: --dir is required (or set TELEMETRY_OUTBOX_DIR)'],
      [['status', '--dir', join(dir, 'records')], `telemetry-outbox status: ${join(dir, 'records')}: is not an outbox folder (it has neither records/ nor outbox.json); check --dir`],
      [['status', '--dir', join(dir, 'nope')], `telemetry-outbox status: ${join(dir, 'nope')}: no such folder`],
      [['status', '--dir', dir, '--format', 'xml'], 'telemetry-outbox status: --format must be one of text, json, got "xml"'],
      [['history', '--dir', dir, '--since', 'yesterday'], 'telemetry-outbox history: --since must be an ISO 8601 date or time'],
      [['history', '--dir', dir, '--limit', '0'], 'telemetry-outbox history: --limit must be a positive integer, got "0"'],
      [['retry', '--dir', dir], 'telemetry-outbox retry: retry takes one message id, or --all'],
      [['status', '--dir', dir, 'extra'], 'telemetry-outbox status: status takes no arguments, got "extra"'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err, args.join(' ')).toContain(message);
      expect(run.err, args.join(' ')).toMatch(/run telemetry-outbox( \w+)? --help for usage\n$/);
      expect(run.err).not.toMatch(/\n\s+at /);
    }
  });

  it('status: healthy exits 0; a refused window exits 1 and is listed with its id; --format json gives status and health', async () => {
    const healthy = await outboxWith();
    const ok = await cli(['status', '--dir', healthy.dir]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('health     healthy: the last successful transmission was');
    expect(ok.out).toContain('server     https://telemetry.vendor.example');

    const troubled = await outboxWith({ refused: true });
    const bad = await cli(['status'], { TELEMETRY_OUTBOX_DIR: troubled.dir });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('health     unhealthy: 1 window refused by the server (the last: 422 invalid-payload)');
    expect(bad.out).toContain(`refused windows (telemetry-outbox retry <id>):\n  ${troubled.ids[1]}  2026-01-03T00:00:00Z…2026-01-04T00:00:00Z  422 invalid-payload: no (invalid-payload)\n`);

    const json = await cli(['status', '--dir', troubled.dir, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ status: { pending: 0, failed: 1, delivered: 1 }, health: { state: 'unhealthy' } });
  });

  it('history: one line per entry, newest first; --limit, --since, --format json', async () => {
    const { dir, ids } = await outboxWith({ refused: true });
    const text = await cli(['history', '--dir', dir]);
    expect(text.code).toBe(0);
    const lines = text.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z  failed     422  ${ids[1]}  2026-01-03T00:00:00Z…2026-01-04T00:00:00Z  \\d+ B  1 attempt \\(422\\)  invalid-payload: no \\(invalid-payload\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^\\S+Z  delivered  201  ${ids[0]}  `));
    expect((await cli(['history', '--dir', dir, '--limit', '1'])).out.trimEnd().split('\n')).toHaveLength(1);
    expect((await cli(['history', '--dir', dir, '--since', '2999-01-01'])).out).toBe('no transmissions in the log for this period\n');
    expect((await cli(['history', '--dir', dir, '--since', '1h'])).out.trimEnd().split('\n')).toHaveLength(2);
    const json = JSON.parse((await cli(['history', '--dir', dir, '--format', 'json'])).out) as { entries: Array<{ messageId: string }> };
    expect(json.entries.map((e) => e.messageId)).toEqual([ids[1], ids[0]]);
  });

  it('flush: signs with the secrets from the environment or a file, never prints one, and exits 1 while windows still wait', async () => {
    const srv = await watchedServer();
    cleanups.push(srv.close);
    const { dir } = folder();
    const app = await testOutbox(dir, { baseUrl: srv.url, fetch: undefined });
    await app.enqueue(windowCounts(1));
    await app.enqueue(windowCounts(2));
    const settings = readFileSync(join(dir, 'outbox.json'), 'utf8');

    const missing = await cli(['flush', '--dir', dir]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('flush needs the signing secret(s): set TELEMETRY_SIGNING_SECRETS or TELEMETRY_SIGNING_SECRETS_FILE');

    const malformed = await cli(['flush', '--dir', dir], { TELEMETRY_SIGNING_SECRETS: `whsec_AAAA ${KEY_A}` });
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('signingSecrets must decode to 24 to 64 bytes');

    const secretFile = join(dir, '..', 'secrets');
    writeFileSync(secretFile, `${KEY_A}\n`, { mode: 0o600 });
    const sent = await cli(['flush', '--dir', dir], { TELEMETRY_SIGNING_SECRETS_FILE: secretFile });
    expect(sent).toMatchObject({ code: 0, out: 'delivered 2, refused 0, still pending 0\n', err: '' });
    expect(srv.stores.size).toBe(2);

    // The server is down: the windows wait, exit 1, and no secret in anything printed.
    const { dir: other } = folder();
    const later = await testOutbox(other, { baseUrl: 'http://127.0.0.1:9', fetch: undefined });
    await later.enqueue(windowCounts(3));
    const down = await cli(['flush', '--dir', other, '--format', 'json'], { TELEMETRY_SIGNING_SECRETS: `${KEY_A},${KEY_B}` });
    expect(down.code).toBe(1);
    expect(JSON.parse(down.out)).toMatchObject({ ok: false, pending: [{ rule: 'retries-exhausted' }] });
    for (const run of [missing, malformed, sent, down]) for (const secret of [KEY_A, KEY_B, KEY_A.slice(6, 20), KEY_B.slice(6, 20)]) expect(run.out + run.err).not.toContain(secret);
    // The CLI's address or secrets never change what the application saved.
    expect(readFileSync(join(dir, 'outbox.json'), 'utf8')).toBe(settings);
  }, 60_000);

  it('flush: exits 1 and names the holder while another flush runs', async () => {
    const { dir } = await outboxWith();
    const held = await fileStorage(dir).lock();
    if (!held.ok) throw new Error('no lock');
    cleanups.push(() => held.lock.release());
    const busy = await cli(['flush', '--dir', dir], { TELEMETRY_SIGNING_SECRETS: KEY_A });
    expect(busy.code).toBe(1);
    expect(busy.out).toMatch(/another flush is running \(process \d+ on .+ since .+\) \(busy\)/);
  });

  it('retry: puts one refused window, or all of them, back; an unknown id exits 2', async () => {
    const { dir, ids } = await outboxWith({ refused: true });
    const unknown = await cli(['retry', `msg_${'0'.repeat(64)}`, '--dir', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no window with this id');
    const delivered = await cli(['retry', ids[0]!, '--dir', dir]);
    expect(delivered.code).toBe(2);
    expect(delivered.err).toContain('(not-failed)');
    const one = await cli(['retry', ids[1]!, '--dir', dir]);
    expect(one).toMatchObject({ code: 0, out: `${ids[1]} (2026-01-03T00:00:00Z…2026-01-04T00:00:00Z) waits again; the next flush sends it (telemetry-outbox flush)\n` });
    expect(JSON.parse((await cli(['status', '--dir', dir, '--format', 'json'])).out)).toMatchObject({ status: { pending: 1, failed: 0 } });
    const none = await cli(['retry', '--all', '--dir', dir]);
    expect(none).toMatchObject({ code: 0, out: 'no refused windows to retry\n' });
  });
});

describe('telemetry-outbox for any language and any network', () => {
  const counts = JSON.stringify({ periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-02T00:00:00Z', activeSeats: 4, policiesActive: 1, policyExecutionsCount: 9, totalProvisionedSeats: 5, seatLimitHit: false, featuresUsed: ['sso'] });
  const withStdin = async (args: string[], stdin: string, env: Record<string, string> = { TELEMETRY_SIGNING_SECRETS: KEY_A }) => {
    let out = '';
    let err = '';
    const code = await runOutboxCli(args, { out: (t) => void (out += t), err: (t) => void (err += t), env, stdin: async () => new TextEncoder().encode(stdin) });
    return { code, out, err };
  };

  it('has help for init, enqueue, export, import-receipt, discard and supersede, and names their variables', async () => {
    const main = await cli(['--help']);
    for (const name of ['init', 'enqueue', 'export', 'import-receipt', 'discard', 'supersede', 'TELEMETRY_RECEIPT_KEYS', 'TELEMETRY_MASK_CUSTOMER']) expect(main.out).toContain(name);
    expect((await cli(['enqueue', '--help'])).out).toMatch(/\nexit codes: 0 queued \(or already queued with the same counts\), 1 refused .*, 2 error .*\n$/);
    for (const command of ['init', 'export', 'import-receipt', 'discard', 'supersede']) expect((await cli([command, '--help'])).out).toMatch(new RegExp(`^telemetry-outbox ${command}: .+\\n\\nusage: telemetry-outbox ${command} `));
  });

  it('init writes outbox.json with the header as masking makes it and no name or secret; enqueue then answers 0, 1 or 2', async () => {
    const { dir } = folder();
    expect(await cli(['init', '--dir', dir, '--license-id', 'lic-0042', '--customer', 'Example Holdings GmbH', '--version', '1'], {})).toMatchObject({ code: 2, err: expect.stringContaining('init needs the signing secret(s)') });
    expect(await cli(['init', '--dir', dir, '--license-id', 'lic-0042'], { TELEMETRY_SIGNING_SECRETS: KEY_A })).toMatchObject({ code: 2, err: expect.stringContaining('init needs --customer, --version') });
    const init = await cli(['init', '--dir', dir, '--license-id', 'lic-0042', '--customer', 'Example Holdings GmbH', '--version', '1'], { TELEMETRY_SIGNING_SECRETS: KEY_A, TELEMETRY_MASK_CUSTOMER: '1' });
    expect(init).toMatchObject({ code: 0, out: expect.stringContaining('"customerHeader": "anon-') });
    const settings = readFileSync(join(dir, 'outbox.json'), 'utf8');
    for (const hidden of ['Example', KEY_A.slice(6)]) expect(settings).not.toContain(hidden);

    expect(await withStdin(['enqueue', '--dir', dir], counts)).toMatchObject({ code: 0, out: expect.stringMatching(/^queued msg_[0-9a-f]{64} \(2026-11-01T00:00:00Z…2026-11-02T00:00:00Z\): on the disk/) });
    expect(await withStdin(['enqueue', '--dir', dir], counts)).toMatchObject({ code: 0, out: expect.stringMatching(/^already queued msg_/) });
    expect(await withStdin(['enqueue', '--dir', dir], counts.replace('"activeSeats":4', '"activeSeats":5'))).toMatchObject({ code: 1, err: expect.stringMatching(/^refused: .*\(window-conflict\)/) });
    expect(await withStdin(['enqueue', '--dir', dir], '{"periodStart": 1,')).toMatchObject({ code: 1, err: expect.stringContaining('refused: counts: is not valid JSON') });
    expect(await withStdin(['enqueue', '--dir', dir], '[1]')).toMatchObject({ code: 1, err: expect.stringContaining('counts: must be a JSON object') });
    expect(await withStdin(['enqueue', '--dir', dir], '{"a":1,"a":2}')).toMatchObject({ code: 1, err: expect.stringContaining('(duplicate-key)') });
    const json = await withStdin(['enqueue', '--dir', dir, '--format', 'json'], counts.replace('"activeSeats":4', '"activeSeats":-4'));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ result: 'refused', error: { rule: 'invalid-payload', errors: [{ path: '/activeSeats', rule: 'minimum' }] } });
    expect(await withStdin(['enqueue', '--dir', dir], counts, {})).toMatchObject({ code: 2, err: expect.stringContaining('enqueue needs the signing secret(s)') });
    expect(await withStdin(['enqueue', '--dir', join(dir, 'nowhere')], counts)).toMatchObject({ code: 2, err: expect.stringContaining('no such folder') });
    const full = await cli(['init', '--dir', dir, '--license-id', 'lic-0042', '--customer', 'Example Holdings GmbH', '--version', '1', '--max-pending', '1'], { TELEMETRY_SIGNING_SECRETS: KEY_A, TELEMETRY_MASK_CUSTOMER: '1' });
    expect(full.code).toBe(0);
    const later = counts.replaceAll('2026-11-02', '2026-11-03').replace('2026-11-01', '2026-11-02');
    expect(await withStdin(['enqueue', '--dir', dir, '--format', 'json'], later)).toMatchObject({ code: 2, out: expect.stringContaining('"result": "error"') });
    expect(await withStdin(['enqueue', '--dir', dir], later)).toMatchObject({ code: 2, err: expect.stringMatching(/^not queued: .*\(queue-full\)/) });
  });

  it('init --license takes who sends from the record and keeps its features, never its name: enqueue refuses another feature', async () => {
    const { dir, parent } = folder();
    const file = join(parent, 'license.json');
    writeFileSync(file, JSON.stringify({ licenseId: 'lic-0042', legalEntity: 'Example Holdings GmbH', features: ['sso'], dataRegion: 'eu' }));
    const env = { TELEMETRY_SIGNING_SECRETS: KEY_A };
    expect(await cli(['init', '--dir', dir, '--license', file, '--customer', 'Someone Else', '--version', '1'], env)).toMatchObject({ code: 2, err: expect.stringContaining('(invalid-option)') });
    writeFileSync(join(parent, 'broken.json'), JSON.stringify({ licenseId: 'lic-0042', features: ['sso'] }));
    expect(await cli(['init', '--dir', dir, '--license', join(parent, 'broken.json'), '--version', '1'], env)).toMatchObject({ code: 2, err: expect.stringMatching(/is not a license record, .*\/legalEntity/) });
    expect(await cli(['init', '--dir', dir, '--license', file, '--version', '1', '--mask-customer'], env)).toMatchObject({ code: 0 });
    const settings = readFileSync(join(dir, 'outbox.json'), 'utf8');
    expect(JSON.parse(settings)).toMatchObject({ licenseId: 'lic-0042', licensedFeatures: ['sso'], customerHeader: expect.stringMatching(/^anon-/) });
    expect(settings).not.toContain('Example');
    expect(await withStdin(['enqueue', '--dir', dir], counts.replace('["sso"]', '["sso", "audit-log"]'))).toMatchObject({ code: 1, err: expect.stringContaining('counts /featuresUsed/0 "audit-log": is not a feature the license declares') });
    expect(await withStdin(['enqueue', '--dir', dir], counts)).toMatchObject({ code: 0 });
  });

  it('export, import-receipt, discard and supersede say what is missing before they do anything', async () => {
    const { dir, ids } = await outboxWith({ refused: true });
    expect(await cli(['export', '--dir', dir], { TELEMETRY_SIGNING_SECRETS: KEY_A })).toMatchObject({ code: 2, err: expect.stringContaining('export needs --out <file>') });
    expect(await cli(['export', '--dir', dir, '--out', join(dir, '..', 'b.json')], { TELEMETRY_SIGNING_SECRETS: KEY_A })).toMatchObject({ code: 0, out: 'no window waits: nothing to export, no file written\n' });
    expect(await cli(['discard', ids[1]!, '--dir', dir])).toMatchObject({ code: 2, err: expect.stringContaining('discard needs --reason') });
    expect(await cli(['supersede', ids[1]!, '--dir', dir, '--reason', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('(not-configured)') });
    expect(await cli(['import-receipt', '--dir', dir])).toMatchObject({ code: 2, err: expect.stringContaining('import-receipt takes one receipt file') });
    writeFileSync(join(dir, '..', 'receipt.json'), '{"jws": "a.b.c"}');
    expect(await cli(['import-receipt', join(dir, '..', 'receipt.json'), '--dir', dir], { TELEMETRY_RECEIPT_KEYS: `ed25519:${'A'.repeat(43)}` })).toMatchObject({ code: 2, err: expect.stringContaining('(receipt-invalid)') });
    expect(await cli(['discard', ids[0]!, '--dir', dir, '--reason', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('(not-failed)') });
    expect(await cli(['discard', ids[1]!, '--dir', dir, '--reason', 'refused payload, counted again in the next window'])).toMatchObject({ code: 0, out: expect.stringContaining('is discarded') });
    const status = await cli(['status', '--dir', dir, '--format', 'json']);
    expect(JSON.parse(status.out)).toMatchObject({ status: { failed: 0, discarded: 1 }, health: { state: 'healthy' } });
  });
});
