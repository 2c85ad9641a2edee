/**
 * The server path: `ingest` (size, content type, signature, contract headers,
 * JSON and I-JSON, version, schema and rules, message id) against the least
 * any receiver must do the usual way, one WebCrypto HMAC-SHA-256 over the body
 * plus `JSON.parse`; the share of `ingest`'s time its I-JSON check takes; and
 * the same request (and a forged one) with 100,000 licenses in the key map
 * against one, since a request must cost the same however many licenses exist.
 *
 * `ingest` hashes with node:crypto here (src/wire/hashes.ts); a second copy of
 * it, loaded while the runtime offers no `process.getBuiltinModule`, runs the
 * portable @noble/hashes, as on a runtime without node:crypto. Both are timed,
 * and the HMAC of the request alone on each path, and on WebCrypto.
 */
import { fileURLToPath } from 'node:url';
import { importBundle } from '../scripts/contract/import-bundle.js';
import { iJsonProblem } from '../src/contract/i-json.js';
import { ingest } from '../src/server/ingest.js';
import { createTelemetryRequest } from '../src/uploader/request.js';
import { type Hashes, hashes, hashesOf, platformCrypto } from '../src/wire/hashes.js';
import { generateSecret, parseSecret } from '../src/wire/signature.js';
import { utf8 } from '../src/wire/bytes.js';
import type { Row } from './report.js';
import { timeAsync, timeSync } from './timing.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const INGEST = '`ingest` (verify signature, parse, validate, dedupe key), 1 license';
const INGEST_MANY = '`ingest`, the same request, 100,000 licenses in `licenseKeys`';
const FORGED_ONE = '`ingest` refusing a forged signature (`license-key-mismatch`), 1 license';
const FORGED_MANY = '`ingest` refusing a forged signature, 100,000 licenses';
/** Licenses in the large key map: a vendor with a large installed base. */
const MANY = 100_000;
const INGEST_PORTABLE = '`ingest`, 1 license, hashing with @noble/hashes (a runtime without node:crypto)';
const BARE = 'bare minimum (one WebCrypto HMAC over the body + `JSON.parse`)';
const I_JSON = 'the I-JSON check alone, on the same body (part of `ingest`)';
const HMAC_NODE = 'node:crypto `createHmac` (what `ingest` uses on Node.js)';
const HMAC_PORTABLE = '@noble/hashes, the key\'s state prepared once (the fallback)';
const HMAC_WEBCRYPTO = 'WebCrypto `crypto.subtle.sign`, awaited (the bare minimum\'s)';

/** `ingest` from a fresh copy of src/, loaded while the runtime offers no getBuiltinModule: the portable hashes throughout. */
async function portableIngest(): Promise<typeof ingest> {
  const original = process.getBuiltinModule;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  let loaded: Record<string, unknown>;
  try {
    loaded = await importBundle(root, 'bench-portable-ingest.ts', { contents: "export { ingest } from './src/server/ingest.ts';\nexport { hashes } from './src/wire/hashes.ts';" });
  } finally {
    process.getBuiltinModule = original;
  }
  const implementation = (loaded['hashes'] as Hashes).implementation;
  if (implementation !== '@noble/hashes') throw new Error(`bench: the portable copy of ingest hashes with ${implementation}`);
  return loaded['ingest'] as typeof ingest;
}

/** Microseconds per HMAC-SHA-256 of the request's signed content, on each path. */
async function hmacCost(secret: string, head: Uint8Array, body: Uint8Array): Promise<Row[]> {
  const key = parseSecret(secret);
  const platform = platformCrypto();
  if (platform === undefined) throw new Error('bench: this runtime offers no node:crypto through process.getBuiltinModule (Node.js 20.16 and later do)');
  // Each key prepared once, as `ingest` keeps it per key object.
  const [nodeMac, portableMac] = [hashesOf(platform).hmacSha256(key), hashesOf(undefined).hmacSha256(key)];
  const sync = timeSync(
    {
      [HMAC_NODE]: () => nodeMac(head, body).length === 32,
      [HMAC_PORTABLE]: () => portableMac(head, body).length === 32,
    },
    [0],
    { sampleSeconds: 0.05 },
  );
  const webKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signed = new Uint8Array([...head, ...body]);
  const web = await timeAsync({ [HMAC_WEBCRYPTO]: () => crypto.subtle.sign('HMAC', webKey, signed) }, { rounds: 15, sampleSeconds: 0.1 });
  const micro = { ...sync, ...web };
  const reference = 1e6 / micro[HMAC_NODE]!;
  return Object.entries(micro).map(([name, perSecond]) => ({ name, value: 1e6 / perSecond, unit: 'µs per call', ratio: 1e6 / perSecond / reference }));
}

export async function ingestPath(): Promise<{ rows: Row[]; hmacRows: Row[]; slowdown: number; portableSlowdown: number; implementation: string; iJsonShare: number; licenseScaling: number }> {
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
    { version: 1, licenseId: 'lic-2026-0042', customer: 'ACME Corp', signingSecrets: [secret] },
  );
  if (!built.ok) throw new Error(`bench: cannot build the benchmark request: ${built.error.message}`);
  const { headers, body } = built.request;
  // One options object for every call, as a server holds it: ingest caches imported keys per key object.
  const options = { licenseKeys: new Map([['lic-2026-0042', [{ id: 'bench', secret }]]]), acceptedVersions: [1] };
  const many = new Map<string, { id: string; secret: string }[]>();
  for (let i = 0; i < MANY - 1; i++) many.set(`lic-${String(i).padStart(6, '0')}`, [{ id: 'k1', secret: generateSecret() }]);
  many.set('lic-2026-0042', [{ id: 'bench', secret }]);
  const manyOptions = { licenseKeys: many, acceptedVersions: [1] };
  const first = await ingest({ method: 'POST', headers, body }, options);
  if (!first.ok) throw new Error(`bench: ingest refuses the benchmark request: ${first.error.message}`);
  // Signed with a key the license does not hold: what a forger from another license sends.
  const forged = { ...headers, 'webhook-signature': `v1,${btoa(String.fromCharCode(...new Uint8Array(32)))}` };
  const refused = await ingest({ method: 'POST', headers: forged, body }, manyOptions);
  if (refused.ok || refused.error.rule !== 'license-key-mismatch') throw new Error('bench: ingest did not refuse the forged request with license-key-mismatch');

  const portable = await portableIngest();
  const same = await portable({ method: 'POST', headers, body }, options);
  if (JSON.stringify(same) !== JSON.stringify(first)) throw new Error('bench: ingest on @noble/hashes does not give the same result as on node:crypto');
  const raw = Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const decoder = new TextDecoder();
  const ops = await timeAsync({
    [INGEST]: async () => {
      const result = await ingest({ method: 'POST', headers, body }, options);
      if (!result.ok) throw new Error(`bench: ingest refused the request mid-run: ${result.error.message}`);
    },
    [INGEST_MANY]: async () => {
      const result = await ingest({ method: 'POST', headers, body }, manyOptions);
      if (!result.ok) throw new Error(`bench: ingest refused the request mid-run: ${result.error.message}`);
    },
    [INGEST_PORTABLE]: async () => {
      const result = await portable({ method: 'POST', headers, body }, options);
      if (!result.ok) throw new Error(`bench: ingest refused the request mid-run: ${result.error.message}`);
    },
    [FORGED_ONE]: () => ingest({ method: 'POST', headers: forged, body }, options),
    [FORGED_MANY]: () => ingest({ method: 'POST', headers: forged, body }, manyOptions),
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
    hmacRows: await hmacCost(secret, utf8(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body),
    implementation: hashes.implementation,
    slowdown: bare / ops[INGEST]!,
    portableSlowdown: bare / ops[INGEST_PORTABLE]!,
    iJsonShare: ops[INGEST]! / check,
    licenseScaling: ops[INGEST_MANY]! / ops[INGEST]!,
  };
}
