/**
 * The dedupe key of a report window and the Standard Webhooks message id
 * derived from it. Both sides compute them the same way, so a window resent
 * after a failure (or by a second uploader run) is recognised and stored once.
 */
import { sha256, toHex, utf8 } from './bytes.js';
import { CONTRACT_HEADERS, headerPattern } from './contract-headers.js';
import { isDateTime } from '../contract/formats.js';
import { canonicalFraction, canonicalInstant, compareInstants, type Instant, parseInstant } from '../contract/instant.js';

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const licensePattern = headerPattern(CONTRACT_HEADERS.licenseId);

/** An RFC 3339 date-time with any offset, or a Date, as an exact UTC instant and its canonical spelling. */
function toInstant(value: string | Date, name: string): { readonly instant: Instant; readonly text: string } {
  // The contract's own spelling, what ingest always passes: canonical once trailing fractional zeros go, no Date needed.
  const contract = typeof value === 'string' ? parseInstant(value) : undefined;
  if (contract !== undefined) {
    return { instant: contract, text: `${(value as string).slice(0, 19)}${canonicalFraction(contract.nanos)}Z` };
  }
  const instant = anyInstant(value, name);
  return { instant, text: canonicalInstant(instant) };
}

function anyInstant(value: string | Date, name: string): Instant {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`dedupeKey: ${name} is an invalid Date (date-time)`);
    const seconds = Math.floor(ms / 1000);
    return { seconds, nanos: String((ms - seconds * 1000) * 1_000_000).padStart(9, '0') };
  }
  const m = typeof value === 'string' ? RFC3339.exec(value) : null;
  // :60 leap seconds are not instants Date can place, and the contract refuses them too.
  if (m === null || !isDateTime(value) || m[2]!.endsWith(':60')) {
    throw new RangeError(`dedupeKey: ${name} must be an RFC 3339 date-time such as 2026-11-01T00:00:00Z (date-time)`);
  }
  const offset = m[4]!.toUpperCase();
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  if (Number.isNaN(ms)) throw new RangeError(`dedupeKey: ${name} is outside the range of dates (date-time)`);
  return { seconds: ms / 1000, nanos: (m[3] ?? '').padEnd(9, '0') };
}

/**
 * The dedupe key of one license's window: `<licenseId>/<start>/<end>`, both
 * bounds as canonical UTC instants (offset applied, trailing fractional zeros
 * dropped), so every spelling of the same window gives the same key. Throws a
 * RangeError for an invalid license id, date-time or an empty/reversed window.
 *
 * @example
 * dedupeKey('lic-0042', '2026-11-01T01:00:00+01:00', '2026-11-16T00:00:00.000Z');
 * // "lic-0042/2026-11-01T00:00:00Z/2026-11-16T00:00:00Z"
 */
export function dedupeKey(licenseId: string, periodStart: string | Date, periodEnd: string | Date): string {
  if (typeof licenseId !== 'string' || !licensePattern.test(licenseId)) {
    throw new RangeError(`dedupeKey: licenseId must match ${licensePattern.source} (pattern)`);
  }
  const start = toInstant(periodStart, 'periodStart');
  const end = toInstant(periodEnd, 'periodEnd');
  if (compareInstants(start.instant, end.instant) >= 0) throw new RangeError('dedupeKey: periodEnd must be later than periodStart (period-order)');
  return `${licenseId}/${start.text}/${end.text}`;
}

const customerPattern = headerPattern(CONTRACT_HEADERS.customer);

/**
 * The Standard Webhooks message id of a window as one sender sends it: `msg_`
 * + hex SHA-256 of its dedupe key, a line feed, and the `x-telemetry-customer`
 * header exactly as sent (the percent-encoded name or the mask). The id is
 * signed, so the license id, the window and the customer header are
 * authenticated with it, and any Standard Webhooks library still verifies
 * the signature. The same for every retry, so it doubles as an idempotency key.
 * Throws a RangeError for a customer header the contract refuses.
 *
 * @example
 * const id = await messageId(dedupeKey('lic-0042', start, end), 'Example%20Holdings%20GmbH'); // "msg_…" (64 hex digits)
 */
export async function messageId(key: string, customerHeader: string): Promise<string> {
  return messageIdNow(key, customerHeader);
}

/** {@link messageId} without the promise, for ingest's hot path (not exported from the package). */
export function messageIdNow(key: string, customerHeader: string): string {
  if (typeof customerHeader !== 'string' || !customerPattern.test(customerHeader)) {
    throw new RangeError(`messageId: customerHeader must be the ${CONTRACT_HEADERS.customer} value as sent, matching ${customerPattern.source.slice(0, 40)}… (pattern)`);
  }
  return hashedMessageId(`${key}\n${customerHeader}`);
}

/** `msg_` + hex SHA-256 of a text: the form of every message id (a window's, a probe's). */
export function hashedMessageId(text: string): string {
  return `msg_${toHex(sha256(utf8(text)))}`;
}
