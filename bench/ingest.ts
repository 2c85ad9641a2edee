/**
 * The server path: `ingest` (size, signature, contract headers, JSON, version,
 * schema and rules, message id) against the least any receiver must do, one
 * HMAC-SHA-256 over the body with the same WebCrypto API plus `JSON.parse`.
 */
import { ingest } from '../src/ingest.js';
import { createTelemetryRequest } from '../src/request.js';
import { generateSecret } from '../src/signature.js';
import type { Row } from './report.js';
import { timeAsync } from './timing.js';

const INGEST = '`ingest` (verify signature, parse, validate, dedupe key)';
const BARE = 'bare minimum (one HMAC over the body + `JSON.parse`)';

export async function ingestPath(): Promise<{ rows: Row[]; slowdown: number }> {
  const secret = generateSecret();
  const built = await createTelemetryRequest(
    {
      periodStart: '2026-11-01T00:00:00Z',
      periodEnd: '2026-11-15T00:00:00Z',
      activeSeats: 42,
      policiesActive: 7,
      policyExecutionsCount: 1200,
      totalProvisionedSeats: 50,
      seatLimitHit: false,
      featuresUsed: ['audit-log', 'policy.simulator', 'sso'],
      appVersion: '0123456789abcdef',
      nodeVersion: '20',
    },
    { licenseId: 'lic-2026-0042', customer: 'ACME Corp', signingSecrets: [secret] },
  );
  if (!built.ok) throw new Error(`bench: cannot build the benchmark request: ${built.error.message}`);
  const { headers, body } = built.request;
  // One options object for every call, as a server holds it: ingest caches imported keys per key object.
  const options = { keys: [{ id: 'bench', secret }] };
  const first = await ingest({ method: 'POST', headers, body }, options);
  if (!first.ok) throw new Error(`bench: ingest refuses the benchmark request: ${first.error.message}`);

  const raw = Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const decoder = new TextDecoder();
  const ops = await timeAsync({
    [INGEST]: async () => {
      const result = await ingest({ method: 'POST', headers, body }, options);
      if (!result.ok) throw new Error(`bench: ingest refused the request mid-run: ${result.error.message}`);
    },
    [BARE]: async () => {
      await crypto.subtle.sign('HMAC', key, body);
      return JSON.parse(decoder.decode(body));
    },
    // Both wait on the runtime's crypto thread pool, whose latency swings from run to run: many rounds.
  }, { rounds: 31 });
  const bare = ops[BARE]!;
  return {
    rows: Object.entries(ops).map(([name, value]) => ({ name, value, unit: 'requests/s', ratio: value / bare })),
    slowdown: bare / ops[INGEST]!,
  };
}
