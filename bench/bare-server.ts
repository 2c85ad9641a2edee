/**
 * The least a server must do to store a signed report once, for the
 * end-to-end comparison: node:http, one HMAC-SHA-256 check of the Standard
 * Webhooks signature (node:crypto) under one key for every license (where the
 * example server looks up each license's own and its record), `JSON.parse`,
 * one `INSERT … ON CONFLICT DO NOTHING` into the same table (its month
 * partition created once, when first needed) through a `pg` pool of the same
 * size as the example server's (with the SHA-256 of the body for the table's
 * body_digest column), the customer header and the message id AES-256-GCM
 * encrypted as the table requires (under one key for every license, where the
 * store keeps one per license). No size limit, no header checks, no validation, no row
 * in the windows table (no overlap check).
 *
 *   DATABASE_URL=… TELEMETRY_VENDOR_WIDE_SECRET=whsec_… tsx bench/bare-server.ts
 *
 * Prints "listening on http://127.0.0.1:<port>/" once it listens.
 */
import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createMonthStatement, monthOf, monthsOnDemand } from '../src/store/partitions.js';
import { storagePlan } from '../src/store-postgres.js';

const secret = Buffer.from(process.env['TELEMETRY_VENDOR_WIDE_SECRET']!.slice('whsec_'.length), 'base64');
const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 8 });
pool.on('error', () => {});
const dataKey = randomBytes(32);
/** nonce ‖ ciphertext ‖ tag, as the store seals a value. */
const seal = (value: string): Buffer => {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
  return Buffer.concat([nonce, cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
};

// The v1 columns, filled from the parsed body and the headers. The window start is $3 read as text first: a bare
// `$3::timestamptz` would make the driver type $3 as timestamptz, and period_start would then get PostgreSQL's spelling.
const INSERT = `INSERT INTO telemetry_reports (dedupe_key, window_start, received_at, body_digest, schema_version, period_start, period_end, active_seats, policies_active, policy_executions_count, total_provisioned_seats, seat_limit_hit, features_used, app_version, node_version, webhook_id, customer, license_id)
  VALUES ($1, $3::text::timestamptz, now(), $16, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (dedupe_key, window_start) DO NOTHING RETURNING dedupe_key`;

/** The table is partitioned by window month: each month's partition created once, when first needed, as the store does. */
const months = monthsOnDemand((month) => pool.query(createMonthStatement({ schema: undefined, table: storagePlan.table }, month)));
const monthFor = (start: string) => months.ensure(monthOf({ plan: storagePlan, schema: undefined }, new Date(start)));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const id = String(req.headers['webhook-id']);
    const expected = createHmac('sha256', secret).update(`${id}.${String(req.headers['webhook-timestamp'])}.`).update(body).digest();
    const given = Buffer.from(String(req.headers['webhook-signature']).split(' ')[0]!.slice(3), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    const p = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const license = String(req.headers['x-telemetry-license-id']);
    const params = [`${license}/${String(p['periodStart'])}/${String(p['periodEnd'])}`, p['schemaVersion'], p['periodStart'], p['periodEnd'], p['activeSeats'], p['policiesActive'], p['policyExecutionsCount'], p['totalProvisionedSeats'], p['seatLimitHit'], p['featuresUsed'], p['appVersion'] ?? null, p['nodeVersion'] ?? null, seal(id), seal(String(req.headers['x-telemetry-customer'])), license, createHash('sha256').update(body).digest('hex')];
    monthFor(String(p['periodStart'])).then(() => pool.query(INSERT, params)).then(
      ({ rows }) => res.writeHead(rows.length === 1 ? 201 : 200, { 'content-type': 'application/json' }).end('{}'),
      () => res.writeHead(503, { 'retry-after': '5' }).end(),
    );
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
