/**
 * The server path: `ingest` (size, content type, signature, contract headers,
 * JSON and I-JSON, version, schema and rules, message id) against the least
 * any receiver must do the usual way, one WebCrypto HMAC-SHA-256 over the body
 * plus `JSON.parse`; and the share of `ingest`'s time its I-JSON check takes.
 */
import { iJsonProblem } from '../src/i-json.js';
import { ingest } from '../src/ingest.js';
import { createTelemetryRequest } from '../src/request.js';
import { generateSecret } from '../src/signature.js';
import type { Row } from './report.js';
import { timeAsync, timeSync } from './timing.js';

const INGEST = '`ingest` (verify signature, parse, validate, dedupe key)';
const BARE = 'bare minimum (one WebCrypto HMAC over the body + `JSON.parse`)';
const I_JSON = 'the I-JSON check alone, on the same body (part of `ingest`)';

export async function ingestPath(): Promise<{ rows: Row[]; slowdown: number; iJsonShare: number }> {
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
  const text = decoder.decode(body);
  if (iJsonProblem(text) !== undefined) throw new Error('bench: the benchmark body is not I-JSON');
  // Synchronous, so timed on its own; what matters is its time against ingest's, not its rate.
  const check = timeSync({ [I_JSON]: (t: string) => iJsonProblem(t) === undefined }, [text], { sampleSeconds: 0.05 })[I_JSON]!;
  const bare = ops[BARE]!;
  return {
    rows: [...Object.entries(ops).map(([name, value]) => ({ name, value, unit: 'requests/s', ratio: value / bare })), { name: I_JSON, value: check, unit: 'bodies/s', ratio: check / bare }],
    slowdown: bare / ops[INGEST]!,
    iJsonShare: ops[INGEST]! / check,
  };
}
