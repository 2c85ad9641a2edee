import { createTelemetryRequest, type CreateRequestOptions, type TelemetryCounts, type TelemetryRequest } from '../../src/uploader.js';
import { fixture } from '../helpers.js';

/** Test-only secrets (32 fixed bytes each); generated/signature-vectors.json publishes the same values. */
export const KEY_A = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)))}`;
export const KEY_B = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0x20 + i)))}`;
export const KEY_REVOKED = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0x80 + i)))}`;

/** 2026-11-16T01:00:00Z, an hour after the fixture window ends. */
export const NOW_MS = Date.UTC(2026, 10, 16, 1, 0, 0);
export const NOW_S = NOW_MS / 1000;

export const counts = (): TelemetryCounts => fixture<TelemetryCounts>('wire/counts.json');

export const baseOptions = (): CreateRequestOptions => ({
  licenseId: 'lic-0042',
  customer: 'Example Holdings GmbH',
  signingSecrets: [KEY_A],
  maskCustomer: false,
  now: () => NOW_MS,
});

/** A built request; fails the test if building fails. */
export async function built(overrides: Partial<CreateRequestOptions> = {}, c: TelemetryCounts = counts()): Promise<TelemetryRequest> {
  const result = await createTelemetryRequest(c, { ...baseOptions(), ...overrides });
  if (!result.ok) throw new Error(`building the request failed: ${result.error.message}`);
  return result.request;
}
