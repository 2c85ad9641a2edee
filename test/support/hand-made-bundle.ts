/**
 * Bundles made by hand, as a site with tooling of its own (or an attacker)
 * makes them: any windows, in any order, signed with a license's secrets. The
 * outbox makes only the bundles it would send; these can say what it never
 * would (two windows that overlap each other, a window edited after signing).
 */
import type { TelemetryRequest } from '../../src/uploader.js';
import { BUNDLE_FORMAT, BUNDLE_KIND, BUNDLE_WINDOW_HEADERS, type Bundle, type BundleWindow, type BundleWindowHeaders, signBundle } from '../../src/wire/bundle.js';

/** A built request as a window of a bundle: the headers a window carries (no timestamp, no signature) and the exact body. */
export function windowOfRequest(request: TelemetryRequest): BundleWindow {
  const headers = Object.fromEntries(BUNDLE_WINDOW_HEADERS.map((name) => [name, request.headers[name]!])) as BundleWindowHeaders;
  return { headers, body: new TextDecoder().decode(request.body) };
}

/** The requests as one bundle of `licenseId`, in their order, signed with `secrets`. */
export function handMadeBundle(licenseId: string, requests: readonly TelemetryRequest[], secrets: readonly string[], createdAt = '2026-11-20T10:00:00Z'): Promise<Bundle> {
  return signBundle({ bundle: BUNDLE_KIND, format: BUNDLE_FORMAT, licenseId, createdAt, windows: requests.map(windowOfRequest) }, secrets);
}
