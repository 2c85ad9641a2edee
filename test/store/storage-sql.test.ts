/**
 * The storage generator (scripts/emit/storage-sql.ts): what the migrations
 * say, that a later version ALTERs and never rewrites an earlier one, and
 * that the generated constraints hold on a real engine (PGlite here; the
 * store's suite runs the v1 migration on PostgreSQL too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Contract, defineContract } from '../../schema/contract.js';
import { privacy } from '../../schema/privacy.js';
import { Count } from '../../schema/types.js';
import { TelemetryV1, v1 } from '../../schema/v1.js';
import { FindingsError } from '../../scripts/cli/findings.js';
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { toSqlPattern } from '../../scripts/emit/sql-pattern.js';
import { toStorage } from '../../scripts/emit/storage-sql.js';
import type { IngestSuccess } from '../../src/server/ingest.js';
import { StoreError } from '../../src/store/database.js';
import { openStore } from '../../src/store/store.js';
import { storagePlan } from '../../src/store-postgres.js';
import { v2 } from '../fixtures/contracts/v2.js';
import { repoRoot } from '../helpers.js';
import { freshSchema, openPglite } from '../support/databases.js';
import { testKeyring } from '../support/keyring.js';

const input = (...contracts: Contract[]) => contracts.map((contract) => ({ contract, schema: toJsonSchema(contract) }));

let db: PGlite;
beforeAll(async () => {
  db = await openPglite();
}, 60_000);
afterAll(() => db?.close());

describe('generated/v<N>/storage.sql', () => {
  it('is what the store embeds, byte for byte, and says where it comes from', () => {
    const onDisk = readFileSync(join(repoRoot, 'generated/v1/storage.sql'), 'utf8');
    expect(storagePlan.migrations.map((m) => m.sql)).toEqual([onDisk]);
    expect(onDisk.split('\n')[0]).toBe('-- generated from schema/v1.ts by `npm run generate`; do not edit');
    expect(toStorage(input(v1)).migrations.get(1)).toBe(onDisk);
  });

  it('gives no column to a header or a body field kept P0D', () => {
    const probe = defineContract({
      ...v1,
      payload: Type.Object(
        {
          ...TelemetryV1.properties,
          checkedOnly: Count(privacy({ purpose: 'Checked on arrival, never kept.', legalBasis: 'contract', basisNote: 'tests', category: 'usage-aggregate', retention: 'P0D', owner: 'Platform team', reviewBy: '2027-05-31' })),
        },
        { additionalProperties: false },
      ),
    });
    const { migrations, plan } = toStorage(input(probe));
    const stored = plan.versions[1]!.columns.map((c) => c.field);
    for (const notKept of ['checkedOnly', 'webhook-timestamp', 'webhook-signature', 'x-telemetry-schema-version']) expect(stored).not.toContain(notKept);
    expect(stored).toContain('activeSeats');
    expect(migrations.get(1)).not.toMatch(/checked_only|webhook_timestamp|webhook_signature|telemetry_schema_version/);
  });

  it('takes the table to v2 with ALTERs, leaving the v1 migration as v1 alone generates it', () => {
    const both = toStorage(input(v1, v2));
    expect(both.migrations.get(1)).toBe(toStorage(input(v1)).migrations.get(1));
    const second = both.migrations.get(2)!;
    expect(second).not.toMatch(/CREATE TABLE/);
    expect(second).toContain('-- Applied after generated/v1/storage.sql;');
    expect(second).toContain('ALTER TABLE telemetry_reports ADD COLUMN environment_pairs_total bigint CONSTRAINT environment_pairs_total_check CHECK (CASE schema_version WHEN 1 THEN environment_pairs_total IS NULL WHEN 2 THEN (environment_pairs_total IS NOT NULL AND');
    expect(second).toContain('ADD COLUMN redeemed_codes jsonb');
    expect(second).toContain('ADD CONSTRAINT schema_version_check CHECK (schema_version IN (1, 2))');
    expect(second).toMatch(/COMMENT ON COLUMN telemetry_reports\.environment_pairs_paired IS 'Field environmentPairs\.paired\. .*Retention: P400D/);
  });

  it('refuses a field whose column would change type between versions', () => {
    const changed = defineContract({
      ...v2,
      payload: Type.Object({ ...v2.payload.properties, activeSeats: Type.String({ maxLength: 8, ...privacy({ ...(TelemetryV1.properties.activeSeats as unknown as { 'x-privacy': Parameters<typeof privacy>[0] })['x-privacy'] }) }) }, { additionalProperties: false }),
    });
    let error: unknown;
    try {
      toStorage(input(v1, changed));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FindingsError);
    expect((error as FindingsError).findings).toEqual([expect.objectContaining({ where: 'generated/v2/storage.sql', rule: 'storage-type-change', what: expect.stringContaining('column active_seats would change from bigint to text') })]);
  });
});

describe('the migrations on a database', () => {
  it('hold v1 and v2 reports side by side, and refuse a v2 report without its required nested field', async () => {
    const { plan } = toStorage(input(v1, v2));
    const schema = freshSchema('v2');
    const store = openStore(db, plan, { schema, keyring: testKeyring });
    expect(await store.migrate()).toEqual({ applied: [1, 2] });
    const base = { ok: true, keyId: 'k', messageId: `msg_${'a'.repeat(64)}`, licenseId: 'lic-1', customer: { masked: true, value: `anon-${'0'.repeat(32)}-4` }, headers: {} };
    const window = { periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-16T00:00:00Z', activeSeats: 1, policiesActive: 2, policyExecutionsCount: 3, totalProvisionedSeats: 4, seatLimitHit: false, featuresUsed: ['sso'] };
    // Three windows of one license, one after the other: the store refuses windows that overlap.
    const key = (days: string) => `lic-1/2026-11-${days.slice(0, 2)}T00:00:00Z/2026-11-${days.slice(3)}T00:00:00Z`;
    const reportV1 = { ...base, dedupeKey: key('01-16'), schemaVersion: 1, payload: { schemaVersion: 1, ...window } };
    const payloadV2 = { schemaVersion: 2, ...window, environmentPairs: { total: 3, sandboxOnly: 1, paired: 2 }, redeemedCodes: [{ codeId: 'ABCDEFGH', redeemedAt: '2026-11-02T00:00:00Z' }] };
    expect((await store.put(reportV1 as unknown as IngestSuccess)).status).toBe(201);
    expect((await store.put({ ...base, dedupeKey: key('16-20'), schemaVersion: 2, payload: payloadV2 } as unknown as IngestSuccess)).status).toBe(201);
    expect((await store.get(key('16-20')))?.payload).toEqual(payloadV2);
    const { environmentPairs: _, ...missing } = payloadV2;
    await expect(store.put({ ...base, dedupeKey: key('20-25'), schemaVersion: 2, payload: missing } as unknown as IngestSuccess)).rejects.toThrow(StoreError);
    // A v1 report cannot hold a field v1 does not have, whoever writes it.
    await expect(db.query(`UPDATE ${schema}.telemetry_reports SET environment_pairs_total = 1 WHERE dedupe_key = $1`, [key('01-16')])).rejects.toMatchObject({ constraint: 'environment_pairs_total_check' });
  });

  it('restates each contract pattern so PostgreSQL matches exactly what ECMAScript matches', async () => {
    const cases: Array<[string, string[]]> = [
      ['^[A-Za-z0-9%._~!*\'()-]{1,768}$', ['a', 'A'.repeat(768), 'A'.repeat(769), '', 'a b', "o'k", 'ü']],
      ['^[a-z][a-z0-9._-]{0,63}$', ['sso', 'audit-log', 'Audit', '1abc', `a${'b'.repeat(63)}`, `a${'b'.repeat(64)}`, 'a\n']],
      ['^msg_[0-9a-f]{64}$', [`msg_${'a'.repeat(64)}`, `msg_${'a'.repeat(63)}`, `msg_${'A'.repeat(64)}`]],
      ['^(ab|c)+\\.x?$', ['ab.', 'cab.x', '.', 'abx', 'ab.xx']],
      ['^a.b\\d\\w$', ['axb1_', 'a\nb1_', 'a\u00e9b1x', 'axb\u0661x', 'axb1\u00e9']],
      ['^x{300,}$', ['x'.repeat(299), 'x'.repeat(300), 'x'.repeat(700)]],
    ];
    for (const [pattern, samples] of cases) {
      const sql = toSqlPattern(pattern);
      const { rows } = await db.query<{ matches: boolean[] }>('SELECT array_agg(s ~ $1 ORDER BY i) AS matches FROM unnest($2::text[]) WITH ORDINALITY AS t(s, i)', [sql, samples]);
      expect(rows[0]!.matches, pattern).toEqual(samples.map((s) => new RegExp(pattern, 'u').test(s)));
    }
  });

  it('refuses to restate a pattern outside the subset, naming it', () => {
    expect(() => toSqlPattern('^(?=a)a$')).toThrow('pattern "^(?=a)a$": lookarounds and named groups are not supported at character 2');
    expect(() => toSqlPattern('a+')).toThrow(/must be anchored/);
    expect(() => toSqlPattern('^\\bx$')).toThrow(/escape \\b/);
  });
});
