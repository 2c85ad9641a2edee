/**
 * Offline bundles and their receipts at the wire: the published vectors
 * checked against independent computations (node:crypto HMAC and SHA-256,
 * jose for the EdDSA JWS), and ingestBundle refusing what a forger, an editor
 * or another license could make of a bundle, while taking it weeks late.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { type Bundle, type BundleOptions, type IngestSuccess, bundleResponse, generateReceiptKey, ingest, ingestBundle, receiptKeyId, storeBundleWindows, verifyReceipt } from '../../src/server.js';
import { BUNDLE_MEDIA_TYPE, serializeBundle, signBundle } from '../../src/wire/bundle.js';
import { utf8 } from '../../src/wire/bytes.js';
import { signMessage } from '../../src/wire/signature.js';
import { type ReceiptDocument, signReceipt } from '../../src/wire/receipt.js';
import { repoRoot } from '../helpers.js';
import { handMadeBundle } from '../support/hand-made-bundle.js';
import { KEY_A, KEY_B, KEY_REVOKED, built, counts, license } from './support.js';

interface BundleVectors {
  version: number;
  secrets: Record<string, string>;
  receiptKey: { privateKey: string; publicKey: string; keyId: string; receivedAt: string };
  bundles: Array<{
    name: string;
    input: { licenseId: string; signingSecrets: string[]; createdAt: string; outcomes: Array<{ status: number }> };
    expected: { manifest: string; bundleId: string; bundle: Bundle; receipt: ReceiptDocument };
  }>;
}
const vectors = JSON.parse(readFileSync(join(repoRoot, 'generated/bundle-vectors.json'), 'utf8')) as BundleVectors;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const secretBytes = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64');

const keysOf = (secrets: readonly string[], revoked: readonly string[] = []) => new Map([['lic-0042', [...secrets.map((secret, i) => ({ id: `k${i}`, secret })), ...revoked.map((secret, i) => ({ id: `r${i}`, secret, revoked: true }))]]]);
const options = (extra: Partial<BundleOptions> = {}): BundleOptions => ({ licenseKeys: keysOf([KEY_A, KEY_B]), acceptedVersions: [1], ...extra });
const upload = (text: string | Uint8Array, extra: Partial<BundleOptions> = {}, contentType = BUNDLE_MEDIA_TYPE) =>
  ingestBundle({ method: 'POST', headers: { 'content-type': contentType }, body: typeof text === 'string' ? utf8(text) : text }, options(extra));

/** A bundle of the test license's windows, one per day from 2026-11-01, signed with `secrets`. */
async function bundleOf(days: number[], secrets: readonly string[] = [KEY_A], change: (i: number) => Record<string, unknown> = () => ({})): Promise<Bundle> {
  const requests = [];
  for (const [i, day] of days.entries()) {
    const start = `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
    const end = `2026-11-${String(day + 1).padStart(2, '0')}T00:00:00Z`;
    requests.push(await built({}, { ...counts(), periodStart: start, periodEnd: end, ...change(i) }));
  }
  return handMadeBundle('lic-0042', requests, secrets);
}

describe('bundle vectors', () => {
  it.each(vectors.bundles.map((b) => [b.name, b] as const))('%s: manifest, id and signature as computed independently', (_name, vector) => {
    const { bundle, manifest, bundleId } = vector.expected;
    const lines = [`telemetry-contract offline bundle 1`, `license ${bundle.licenseId}`, `created ${bundle.createdAt}`, ...bundle.windows.map((w) => `window ${w.headers['webhook-id']} ${sha256(w.body)} ${w.supersedes ?? '-'}`)];
    expect(manifest).toBe(`${lines.join('\n')}\n`);
    expect(bundleId).toBe(`bnd_${sha256(manifest)}`);
    expect(bundle.signature).toBe(vector.input.signingSecrets.map((s) => `v1,${createHmac('sha256', secretBytes(s)).update(manifest, 'utf8').digest('base64')}`).join(' '));
    for (const w of bundle.windows) {
      const body = JSON.parse(w.body) as { periodStart: string; periodEnd: string; schemaVersion: number };
      expect(w.headers['webhook-id']).toBe(`msg_${sha256(`lic-0042/${body.periodStart}/${body.periodEnd}\n${w.headers['x-telemetry-customer']}`)}`);
      expect(w.headers['x-telemetry-schema-version']).toBe(String(body.schemaVersion));
    }
  });

  it.each(vectors.bundles.map((b) => [b.name, b] as const))('%s: the receipt is an EdDSA JWS any JOSE library verifies, its readable part the signed payload', async (_name, vector) => {
    const { receipt, bundle, bundleId } = vector.expected;
    const key = await jose.importJWK({ kty: 'OKP', crv: 'Ed25519', x: vectors.receiptKey.publicKey.slice('ed25519:'.length) }, 'EdDSA');
    const { payload, protectedHeader } = await jose.compactVerify(receipt.jws, key);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: vectors.receiptKey.keyId, typ: 'telemetry-receipt+json' });
    const { jws: _jws, ...readable } = receipt;
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(readable);
    expect(readable).toMatchObject({ bundleId, licenseId: bundle.licenseId, receivedAt: vectors.receiptKey.receivedAt });
    expect(receipt.windows.map((w) => [w.messageId, w.bodySha256, w.status])).toEqual(bundle.windows.map((w, i) => [w.headers['webhook-id'], sha256(w.body), vector.input.outcomes[i]!.status]));
    expect(receiptKeyId(vectors.receiptKey.publicKey)).toBe(createHash('sha256').update(Buffer.from(vectors.receiptKey.publicKey.slice(8), 'base64url')).digest('hex').slice(0, 16));
    expect(await verifyReceipt(receipt, [vectors.receiptKey.publicKey])).toMatchObject({ ok: true, keyId: vectors.receiptKey.keyId });
  });

  it('are accepted by ingestBundle as they stand, window by window', async () => {
    for (const vector of vectors.bundles) {
      const verified = await ingestBundle(
        { method: 'POST', headers: { 'content-type': BUNDLE_MEDIA_TYPE }, body: utf8(JSON.stringify(vector.expected.bundle)) },
        { licenseKeys: keysOf(vector.input.signingSecrets), acceptedVersions: [vectors.version], allowSupersede: true },
      );
      expect(verified).toMatchObject({ ok: true, bundleId: vector.expected.bundleId, keyId: 'k0' });
      if (verified.ok) expect(verified.windows.map((w) => w.result.ok)).toEqual(vector.expected.bundle.windows.map(() => true));
    }
  });
});

describe('ingestBundle', () => {
  it('takes a bundle weeks after it was made, and a copy an editor re-indented: the signature covers the windows, not the timing or the layout', async () => {
    const bundle = await bundleOf([1, 2, 3]);
    for (const text of [serializeBundle(bundle), JSON.stringify(bundle), JSON.stringify(bundle, null, 4).replace(/\n/g, '\r\n')]) {
      const verified = await upload(text);
      expect(verified).toMatchObject({ ok: true, licenseId: 'lic-0042', createdAt: '2026-11-20T10:00:00Z' });
      if (!verified.ok) return;
      expect(verified.windows.map((w) => w.result)).toEqual(verified.windows.map(() => expect.objectContaining({ ok: true, kind: 'report', licenseId: 'lic-0042', keyId: 'k0' })));
    }
  });

  it('refuses a forged or edited bundle: another license\'s key, a changed count, a removed signature, a revoked key', async () => {
    const bundle = await bundleOf([1, 2]);
    const other = await bundleOf([1, 2], [KEY_REVOKED]);
    expect(await upload(JSON.stringify(other))).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    const edited = { ...bundle, windows: [{ ...bundle.windows[0]!, body: bundle.windows[0]!.body.replace('"activeSeats":42', '"activeSeats":4') }, bundle.windows[1]!] };
    expect(edited.windows[0]!.body).not.toBe(bundle.windows[0]!.body);
    expect(await upload(JSON.stringify(edited))).toMatchObject({ ok: false, status: 401, error: { rule: 'license-key-mismatch' } });
    expect(await upload(JSON.stringify({ ...bundle, createdAt: '2026-11-21T10:00:00Z' }))).toMatchObject({ ok: false, status: 401 });
    expect(await upload(JSON.stringify({ ...bundle, signature: '' }))).toMatchObject({ ok: false, status: 400, error: { rule: 'malformed-bundle' } });
    expect(await upload(JSON.stringify(bundle), { licenseKeys: keysOf([KEY_B], [KEY_A]) })).toMatchObject({ ok: false, status: 401, error: { rule: 'revoked-key' } });
  });

  it('checks each window exactly as ingest checks a live report, and answers each on its own', async () => {
    const bundle = await bundleOf([1, 2, 3]);
    // The customer header is outside the manifest; the message id, which is inside, binds it.
    const renamed = { ...bundle, windows: bundle.windows.map((w, i) => (i === 1 ? { ...w, headers: { ...w.headers, 'x-telemetry-customer': 'Someone%20Else' } } : w)) };
    const verified = await upload(JSON.stringify(renamed));
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.windows.map((w) => (w.result.ok ? 'ok' : w.result.error.rule))).toEqual(['ok', 'message-id-mismatch', 'ok']);
    // An invalid payload, signed into a bundle, gets the very answer a live request of it gets.
    const invalid = await bundleOf([4], [KEY_A], () => ({}));
    const body = invalid.windows[0]!.body.replace('"activeSeats":42', '"activeSeats":-1');
    const id = invalid.windows[0]!.headers['webhook-id'];
    const forgedBody = await signBundle({ ...invalid, windows: [{ ...invalid.windows[0]!, body }] }, [KEY_A]);
    const windowAnswer = await upload(JSON.stringify(forgedBody));
    const now = Date.now();
    const signed = await signMessage({ id, timestamp: Math.floor(now / 1000), body, secrets: [KEY_A] });
    const live = await ingest({ method: 'POST', headers: { ...invalid.windows[0]!.headers, ...signed }, body: utf8(body) }, { licenseKeys: keysOf([KEY_A]), acceptedVersions: [1], now: () => now });
    expect(live).toMatchObject({ ok: false, status: 422, error: { rule: 'invalid-payload' } });
    expect(windowAnswer.ok && windowAnswer.windows[0]!.result).toEqual(live);
  });

  it('checks each window against the license record, as ingest does: a feature outside the license, another entity\'s name, a license without a record', async () => {
    // Built by an uploader that has no record to check against: the server's record decides.
    const windows = await bundleOf([1, 2, 3], [KEY_A], (i) => (i === 1 ? { featuresUsed: ['sso', 'reports.pdf'] } : {}));
    const other = await built({ customer: 'Other Holdings AG' }, { ...counts(), periodStart: '2026-11-04T00:00:00Z', periodEnd: '2026-11-05T00:00:00Z' });
    const h = other.headers;
    const foreignName = { headers: { 'content-type': 'application/json' as const, 'webhook-id': h['webhook-id']!, 'x-telemetry-customer': h['x-telemetry-customer']!, 'x-telemetry-license-id': h['x-telemetry-license-id']!, 'x-telemetry-schema-version': h['x-telemetry-schema-version']! }, body: new TextDecoder().decode(other.body) };
    const bundle = await signBundle({ ...windows, windows: [...windows.windows, foreignName] }, [KEY_A]);
    const withRecord = new Map([['lic-0042', { keys: [{ id: 'k0', secret: KEY_A }], license: license() }]]);
    const verified = await upload(serializeBundle(bundle), { licenseKeys: withRecord });
    expect(verified.ok && verified.windows.map((w) => (w.result.ok ? 'ok' : `${w.result.status} ${w.result.error.rule}`))).toEqual(['ok', '422 feature-not-licensed', 'ok', '422 customer-not-licensed']);
    // What the window was checked against travels with it to the store, which stamps the region from it.
    expect(verified.ok && verified.windows[0]!.result).toMatchObject({ ok: true, license: { dataRegion: 'eu' } });
    const noRecord = await upload(serializeBundle(bundle), { licenseKeys: keysOf([KEY_A]), requireLicenseRecord: true });
    expect(noRecord.ok && noRecord.windows[0]!.result).toMatchObject({ ok: false, status: 503, error: { rule: 'license-record-missing' } });
  });

  it('answers a window of another license 422 license-mismatch, and a correction 409 supersede-refused unless the server takes corrections', async () => {
    const bundle = await bundleOf([1, 2]);
    const foreign = { ...bundle, windows: [bundle.windows[0]!, { ...bundle.windows[1]!, headers: { ...bundle.windows[1]!.headers, 'x-telemetry-license-id': 'lic-0099' } }] };
    const verified = await upload(serializeBundle(await signBundle(foreign, [KEY_A])));
    expect(verified.ok && verified.windows.map((w) => (w.result.ok ? 'ok' : `${w.result.status} ${w.result.error.rule}`))).toEqual(['ok', '422 license-mismatch']);
    const correction = await signBundle({ ...bundle, windows: [{ ...bundle.windows[0]!, supersedes: 'b'.repeat(64) }] }, [KEY_A]);
    const refused = await upload(serializeBundle(correction));
    expect(refused.ok && refused.windows[0]!.result).toMatchObject({ ok: false, status: 409, error: { rule: 'supersede-refused' } });
    const taken = await upload(serializeBundle(correction), { allowSupersede: true });
    expect(taken.ok && taken.windows[0]!.result).toMatchObject({ ok: true, supersedes: 'b'.repeat(64) });
  });

  it('refuses what is not a bundle before looking up a key: size, media type, shape, a window twice', async () => {
    const bundle = await bundleOf([1]);
    const text = serializeBundle(bundle);
    expect(await upload(text, { maxBundleBytes: text.length - 1 })).toMatchObject({ ok: false, status: 413, error: { rule: 'too-large' } });
    expect(await upload(text, {}, 'application/json')).toMatchObject({ ok: false, status: 415, error: { rule: 'unsupported-media-type' } });
    expect(await ingestBundle({ method: 'GET', headers: { 'content-type': BUNDLE_MEDIA_TYPE }, body: utf8(text) }, options())).toMatchObject({ ok: false, status: 405, error: { rule: 'method-not-allowed' } });
    const failing = await upload(text, { licenseKeys: () => Promise.reject(new Error('database down')) });
    expect(failing).toMatchObject({ ok: false, status: 503, error: { rule: 'key-lookup-failed' }, headers: { 'retry-after': '5' } });
    expect(await upload('{"bundle":1,"bundle":2}')).toMatchObject({ ok: false, status: 400, error: { rule: 'duplicate-key' } });
    expect(await upload(JSON.stringify({ ...bundle, extra: true }))).toMatchObject({ ok: false, status: 400, error: { rule: 'malformed-bundle', message: expect.stringMatching(/^bundle: has a member the format does not define \("extra"\)/) } });
    const twice = { ...bundle, windows: [bundle.windows[0]!, bundle.windows[0]!] };
    expect(await upload(JSON.stringify(twice))).toMatchObject({ ok: false, status: 400, error: { rule: 'malformed-bundle', message: expect.stringContaining('bundle /windows/1/headers/webhook-id: names a window that is already in this bundle') } });
    const headerless = { ...bundle, windows: [{ ...bundle.windows[0]!, headers: { ...bundle.windows[0]!.headers, 'webhook-signature': 'v1,x' } }] };
    expect(await upload(JSON.stringify(headerless))).toMatchObject({ ok: false, status: 400, error: { message: expect.stringContaining('has a header a window does not carry ("webhook-signature")') } });
  });
});

describe('receipts', () => {
  it('are signed per window with the outcome the store gave, and verify only with the server\'s key: an edited or re-signed one is refused', async () => {
    const bundle = await bundleOf([1, 2]);
    const verified = await upload(serializeBundle(bundle));
    if (!verified.ok) throw new Error(verified.error.message);
    const outcomes = await storeBundleWindows(verified, async (report: IngestSuccess) => (report.payload.periodStart === '2026-11-01T00:00:00Z' ? { status: 201 } : { status: 409, error: { rule: 'window-conflict', message: 'x: stored with another body (window-conflict)', storedDigest: 'c'.repeat(64) } }));
    const server = await generateReceiptKey();
    const answer = await bundleResponse(verified, outcomes, { receiptKey: server.privateKey });
    expect(answer.status).toBe(200);
    const document = JSON.parse(answer.body) as ReceiptDocument;
    expect(document.windows).toEqual([
      { messageId: bundle.windows[0]!.headers['webhook-id'], bodySha256: sha256(bundle.windows[0]!.body), status: 201 },
      { messageId: bundle.windows[1]!.headers['webhook-id'], bodySha256: sha256(bundle.windows[1]!.body), status: 409, rule: 'window-conflict', message: 'x: stored with another body (window-conflict)', storedDigest: 'c'.repeat(64) },
    ]);
    expect(await verifyReceipt(document, [server.publicKey])).toMatchObject({ ok: true, receipt: { bundleId: verified.bundleId } });
    // The customer holds the license's HMAC secret, never the server's Ed25519 key: what it can make does not verify.
    const readable = { ...document, windows: document.windows.map((w) => ({ ...w, status: 201 })) };
    expect(await verifyReceipt(readable, [server.publicKey])).toMatchObject({ ok: false, error: { rule: 'receipt-forged' } });
    const [head, , signature] = document.jws.split('.');
    const payload = Buffer.from(JSON.stringify({ ...readable, jws: undefined })).toString('base64url');
    expect(await verifyReceipt({ ...readable, jws: `${head}.${payload}.${signature}` }, [server.publicKey])).toMatchObject({ ok: false, error: { rule: 'receipt-forged' } });
    const forger = await generateReceiptKey();
    const forged = await signReceipt({ ...readable }, forger.privateKey);
    expect(await verifyReceipt(forged, [server.publicKey])).toMatchObject({ ok: false, error: { rule: 'receipt-key-unknown', message: expect.stringContaining(forger.keyId) } });
    const sameKid = await signReceipt({ ...readable }, forger.privateKey);
    const swapped = `${document.jws.split('.')[0]}.${sameKid.jws.split('.')[1]}.${sameKid.jws.split('.')[2]}`;
    expect(await verifyReceipt({ ...readable, jws: swapped }, [server.publicKey])).toMatchObject({ ok: false, error: { rule: 'receipt-forged' } });
    expect(await verifyReceipt('not a receipt', [server.publicKey])).toMatchObject({ ok: false, error: { rule: 'receipt-invalid' } });
  });

  it('use keys in the forms openssl and licenses use, and refuse others with a clear error', async () => {
    const pair = await generateReceiptKey();
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]{64}\n-----END PRIVATE KEY-----\n$/);
    expect(pair.publicKey).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    expect(pair.keyId).toBe(receiptKeyId(pair.publicKey));
    await expect(signReceipt({ receipt: 'telemetry-contract bundle receipt', format: 1, bundleId: `bnd_${'0'.repeat(64)}`, licenseId: 'l', receivedAt: new Date().toISOString(), windows: [] }, 'not a key')).rejects.toThrow(/^receiptKey: must be an Ed25519 private key in PKCS#8 PEM/);
    expect(() => receiptKeyId('ed25519:short')).toThrow(/\(receipt-key\)$/);
  });
});
