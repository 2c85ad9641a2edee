import { utf8 } from '../../src/wire/bytes.js';
import { createTelemetryRequest, dedupeKey, messageId, signMessage, type CreateRequestOptions, type LicenseRecord, type TelemetryCounts, type TelemetryRequest } from '../../src/uploader.js';
import { fixture } from '../helpers.js';

/** Test-only secrets (32 fixed bytes each); generated/signature-vectors.json publishes the same values. */
export const KEY_A = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)))}`;
export const KEY_B = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0x20 + i)))}`;
export const KEY_REVOKED = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0x80 + i)))}`;

/** 2026-11-16T01:00:00Z, an hour after the fixture window ends. */
export const NOW_MS = Date.UTC(2026, 10, 16, 1, 0, 0);
export const NOW_S = NOW_MS / 1000;

export const counts = (): TelemetryCounts<1> => fixture<TelemetryCounts<1>>('wire/counts.json');

/** The fixture's build listed as one of the vendor's releases, so `ingest` keeps its appVersion (see `knownSoftware`). */
export const FIXTURE_SOFTWARE = { builds: ['3f2a9c1'] } as const;

/** What the tests' installation names and signs with: it sends v1. */
export const baseOptions = (): CreateRequestOptions & { readonly version: 1 } => ({
  version: 1,
  licenseId: 'lic-0042',
  customer: 'Example Holdings GmbH',
  signingSecrets: [KEY_A],
  maskCustomer: false,
  now: () => NOW_MS,
});

/** A built request; fails the test if building fails. */
export async function built(overrides: Partial<CreateRequestOptions> & { readonly version?: 1 } = {}, c: TelemetryCounts<1> = counts()): Promise<TelemetryRequest> {
  const result = await createTelemetryRequest(c, { ...baseOptions(), ...overrides });
  if (!result.ok) throw new Error(`building the request failed: ${result.error.message}`);
  return result.request;
}

/** Signs any body, text or bytes, with the contract headers of the fixture window: for bodies the uploader would refuse to build. */
export async function rawRequest(
  body: string | Uint8Array,
  { version = '1', id, secrets = [KEY_A], contentType = 'application/json' }: { version?: string; id?: string; secrets?: string[]; contentType?: string } = {},
): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
  const bytes = typeof body === 'string' ? utf8(body) : body;
  const messageIdValue = id ?? (await messageId(dedupeKey('lic-0042', '2026-11-01T00:00:00Z', '2026-11-16T00:00:00Z'), 'Example%20Holdings%20GmbH'));
  const headers = {
    'content-type': contentType,
    'x-telemetry-customer': 'Example%20Holdings%20GmbH',
    'x-telemetry-license-id': 'lic-0042',
    'x-telemetry-schema-version': version,
    ...(await signMessage({ id: messageIdValue, timestamp: NOW_S, body: bytes, secrets })),
  };
  return { headers, body: bytes };
}

/** The license record of the fixture's license, as the vendor would ship it: the features counts.json names, and one more. */
export const license = (overrides: Partial<LicenseRecord> = {}): LicenseRecord => ({
  licenseId: 'lic-0042',
  legalEntity: 'Example Holdings GmbH',
  features: ['audit-log', 'export', 'sso'],
  contractEnd: '2028-01-01T00:00:00Z',
  dataRegion: 'eu',
  ...overrides,
});
