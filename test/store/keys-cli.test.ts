/**
 * `telemetry-keys`, the operator's command for the license key store, run
 * against the throwaway PostgreSQL server (and once against a PGlite folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/wire/bytes.js';
import { freshDatabase, openPglite, postgresUrl } from '../support/databases.js';
import { keysCli as cli } from '../support/license-cli.js';

const K1 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const K2 = toBase64(Uint8Array.from({ length: 32 }, (_, i) => 200 - i));

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'telemetry-keys-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('telemetry-keys', () => {
  it('--help lists the commands, the environment and the exit codes; each command has its own help', async () => {
    const main = await cli(['--help'], {});
    expect(main.code).toBe(0);
    expect(main.out).toMatch(/^telemetry-keys: .+\n\nusage: telemetry-keys <command> \[arguments\] \[--json\]\n/);
    for (const word of ['issue <license-id>', 'rotate <license-id>', 'revoke <license-id> [<key-id>]', 'list [<license-id>]', 'set-license <file>', 'show-license [<license-id>]', 'forget <license-id>', 'delete-license <license-id>', 'telemetry-contract/schemas/license.json', 'rewrap', 'check', 'DATABASE_URL', 'DATA_DIR', 'TELEMETRY_KEK', 'TELEMETRY_KEK_FILE']) {
      expect(main.out).toContain(word);
    }
    expect(main.out).toContain('exit codes: 0 ok, 1 refused');
    const issue = await cli(['issue', '--help'], {});
    expect(issue).toMatchObject({ code: 0, out: expect.stringMatching(/^telemetry-keys issue: .+\n\nusage: telemetry-keys issue <license-id> \[--json\]\n/) });
  });

  it.each([
    [[], /^telemetry-keys: no command given; commands: issue, rotate, revoke, list, set-license, show-license, forget, delete-license, rewrap, check; see telemetry-keys --help\n$/],
    [['burn'], /^telemetry-keys: unknown command "burn"; /],
    [['issue'], /^telemetry-keys issue: usage: telemetry-keys issue <license-id>; see telemetry-keys issue --help\n$/],
    [['list', '--secret'], /^telemetry-keys: Unknown option '--secret'.*; see telemetry-keys --help\n$/],
  ])('exits 2 with one line for bad usage %j', async (args, message) => {
    const result = await cli(args, {});
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('exits 2 with one line when no key-encryption key or no database is configured', async () => {
    expect(await cli(['list'], { DATABASE_URL: 'postgres://nowhere' })).toMatchObject({ code: 2, err: expect.stringMatching(/^telemetry-keys list: TELEMETRY_KEK: no key-encryption key is set \(kek-missing\); /) });
    expect(await cli(['list'], { TELEMETRY_KEK: K1 })).toMatchObject({ code: 2, err: 'telemetry-keys list: DATABASE_URL, DATA_DIR: set one to the ingest server\'s database\n' });
    expect(await cli(['list'], { TELEMETRY_KEK: 'bm90IGEga2V5', DATABASE_URL: 'postgres://nowhere' })).toMatchObject({ code: 2, err: expect.not.stringContaining('bm90IGEga2V5') });
  });

  it.skipIf(postgresUrl() === undefined)('issues, rotates, lists, revokes, rewraps and checks on PostgreSQL; prints a secret only when it is made', async () => {
    const kekFile = join(folder, 'kek');
    writeFileSync(kekFile, `${K1}\n`);
    const env = { DATABASE_URL: await freshDatabase('keys'), TELEMETRY_KEK_FILE: kekFile };
    const issued = await cli(['issue', 'lic-0042'], env);
    expect(issued.code).toBe(0);
    const secret = /^whsec_\S+$/m.exec(issued.out)?.[0];
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(issued.out).toContain('shown once');
    expect(await cli(['issue', 'lic-0042'], env)).toMatchObject({ code: 1, err: expect.stringContaining('(license-has-key)') });
    const rotated = JSON.parse((await cli(['rotate', 'lic-0042', '--json'], env)).out) as { keyId: string; secret: string };
    expect(rotated).toMatchObject({ licenseId: 'lic-0042', keyId: 'k2', secret: expect.stringMatching(/^whsec_/) });
    await cli(['issue', 'lic-0043'], env);

    const listed = await cli(['list'], env);
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')[0]).toMatch(/^LICENSE\s+KEY\s+STATE\s+CREATED\s+REVOKED\s+KEK$/);
    expect(listed.out.trim().split('\n')).toHaveLength(4);
    for (const s of [secret!, rotated.secret]) expect(listed.out).not.toContain(s.slice(6));

    expect(await cli(['revoke', 'lic-0042', 'k1'], env)).toMatchObject({ code: 0, out: 'lic-0042: 1 key revoked\n' });
    expect(await cli(['revoke', 'lic-0042', 'k1'], env)).toMatchObject({ code: 1, err: expect.stringContaining('(no-active-key)') });
    const states = JSON.parse((await cli(['list', '--json'], env)).out) as Array<{ licenseId: string; keyId: string; state: string }>;
    expect(states.map((k) => `${k.licenseId} ${k.keyId} ${k.state}`)).toEqual(['lic-0042 k1 revoked', 'lic-0042 k2 active', 'lic-0043 k1 active']);

    // A new key-encryption key: first in the file, the old one after it; rewrap; then the new one alone.
    writeFileSync(kekFile, `${K2}\n${K1}\n`);
    expect(await cli(['rewrap'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^3 secrets re-encrypted under key-encryption key [0-9a-f]{16}, now the one in force: new values go under it\n$/) });
    writeFileSync(kekFile, `${K2}\n`);
    expect(await cli(['check'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^3 secrets readable \(3 under ([0-9a-f]{16})\); new ones go under \1; still needed: \1\n$/) });
    writeFileSync(kekFile, `${K1}\n`);
    const wrong = await cli(['check'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^telemetry-keys check: key store: secrets are stored under the key-encryption key [0-9a-f]{16}, which the keyring \([0-9a-f]{16}\) lacks \(kek-unknown\); [^\n]*\n$/);
    for (const text of [K1, K2, secret!.slice(6)]) expect(wrong.err).not.toContain(text);
  });

  it.skipIf(postgresUrl() === undefined)('sets and shows license records: the record file as shipped with the license, the legal entity never echoed in an error', async () => {
    const env = { DATABASE_URL: await freshDatabase('records'), TELEMETRY_KEK: K1 };
    const record = { licenseId: 'lic-0042', legalEntity: 'Jana Nováková', features: ['audit-log', 'sso'], contractEnd: '2028-01-01T00:00:00Z', dataRegion: 'eu' };
    const file = join(folder, 'lic-0042.json');
    writeFileSync(file, JSON.stringify(record));

    const bare = await cli(['issue', 'lic-0042'], env);
    expect(bare.code).toBe(0);
    expect(bare.err).toMatch(/^note: lic-0042 has no license record yet; store it with telemetry-keys set-license <file> /);
    expect(await cli(['set-license', file], env)).toEqual({ code: 0, out: 'lic-0042: license record stored; ship the same file with the license\n', err: '' });
    expect(await cli(['set-license', file, '--json'], env)).toMatchObject({ code: 0, out: expect.stringContaining('"created": false') });
    expect((await cli(['rotate', 'lic-0042'], env)).err).toBe('');

    const shown = await cli(['show-license', 'lic-0042', '--json'], env);
    expect(JSON.parse(shown.out)).toEqual(record);
    const listed = await cli(['show-license'], env);
    expect(listed.out).toMatch(/^LICENSE\s+LEGAL ENTITY\s+REGION\s+CONTRACT END\s+FEATURES\nlic-0042\s+Jana Nováková\s+eu\s+2028-01-01T00:00:00Z\s+audit-log, sso\n$/);
    expect(await cli(['show-license', 'lic-9'], env)).toMatchObject({ code: 1, err: 'show-license: lic-9 has no license record (no-license-record); store one with set-license\n' });
    expect(await cli(['check'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^2 secrets, 1 data key and 1 license record readable \(3 under [0-9a-f]{16}\)/) });

    writeFileSync(file, JSON.stringify({ ...record, legalEntity: 'Jana Nováková\u0000', features: ['SSO'] }));
    const refused = await cli(['set-license', file], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^telemetry-keys set-license: set-license: is not a license record, 2 problems: \/legalEntity: must match .*\/features\/0: must match .* \(license-record\)\n$/);
    writeFileSync(file, '{"legalEntity": "Jana Nováková",');
    const broken = await cli(['set-license', file], env);
    expect(broken).toMatchObject({ code: 2, err: expect.stringMatching(/: is not JSON; a license record is one JSON object/) });
    expect(await cli(['set-license', join(folder, 'missing.json')], env)).toMatchObject({ code: 2, err: expect.stringMatching(/missing\.json: cannot be read: ENOENT\n$/) });
    for (const result of [refused, broken]) expect(result.err).not.toContain('Nováková');
    expect(JSON.parse((await cli(['show-license', 'lic-0042', '--json'], env)).out)).toEqual(record);
  });

  it('works on a PGlite folder through DATA_DIR while no server has it open', async () => {
    const dir = join(folder, 'pglite');
    await (await openPglite(dir)).close();
    const env = { DATA_DIR: dir, TELEMETRY_KEK: K1 };
    expect((await cli(['issue', 'lic-0042'], env)).code).toBe(0);
    expect(JSON.parse((await cli(['list', '--json'], env)).out)).toMatchObject([{ licenseId: 'lic-0042', keyId: 'k1', state: 'active' }]);
    expect(await cli(['check', '--all'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^1 secret readable \(1 under [0-9a-f]{16}\)/) });
    expect(await cli(['list', '--all'], env)).toMatchObject({ code: 2, err: 'telemetry-keys list: --all: only check takes it\n' });
  }, 30_000);
});
