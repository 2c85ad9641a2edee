/**
 * The practical limit: a plain function written by hand for schema v1 alone,
 * with the same verdicts as the contract (calendar dates, the cross-field
 * rules included). What the shipped, generated validator is measured against.
 */
const KEYS = new Set(['schemaVersion', 'periodStart', 'periodEnd', 'activeSeats', 'policiesActive', 'policyExecutionsCount', 'totalProvisionedSeats', 'seatLimitHit', 'featuresUsed', 'appVersion', 'nodeVersion']);
const UTC = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.(\d{1,9}))?Z$/;
const FEATURE = /^[a-z][a-z0-9._-]{0,63}$/;
const SHA = /^[0-9a-f]{7,40}$/;
const MAJOR = /^[1-9][0-9]{0,2}$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function count(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
}

/** Sortable key of a valid UTC date-time: digits only, fraction padded to nine places; undefined if invalid. */
function instant(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 30) return undefined;
  const m = UTC.exec(v);
  if (m === null) return undefined;
  const year = +m[1]!;
  const month = +m[2]!;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (+m[3]! > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return undefined;
  return v.slice(0, 19) + (m[5] ?? '').padEnd(9, '0');
}

export function isTelemetryBaseline(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  for (const key in o) if (!KEYS.has(key)) return false;
  if (o['schemaVersion'] !== 1) return false;
  const start = instant(o['periodStart']);
  const end = instant(o['periodEnd']);
  if (start === undefined || end === undefined || start >= end) return false;
  if (!count(o['activeSeats']) || !count(o['policiesActive']) || !count(o['policyExecutionsCount']) || !count(o['totalProvisionedSeats'])) return false;
  if (typeof o['seatLimitHit'] !== 'boolean') return false;
  const features = o['featuresUsed'];
  if (!Array.isArray(features) || features.length > 256) return false;
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    // ASCII by the pattern, so < is code point order; strictly increasing is both sorted and unique.
    if (typeof f !== 'string' || !FEATURE.test(f) || (i > 0 && !(features[i - 1] < f))) return false;
  }
  if ('appVersion' in o && (typeof o['appVersion'] !== 'string' || !SHA.test(o['appVersion']))) return false;
  if ('nodeVersion' in o && (typeof o['nodeVersion'] !== 'string' || !MAJOR.test(o['nodeVersion']))) return false;
  return true;
}
