/**
 * Header access that works the same for fetch's `Headers`, node:http's
 * `IncomingHttpHeaders` and plain records: names lowercased, repeated headers
 * joined with ", " exactly as fetch joins them.
 */

/** Anything request headers come as: a fetch `Headers`, node:http's `req.headers`, or a plain record. */
export type HeadersLike =
  | { forEach(callback: (value: string, name: string) => void): void }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Headers as {@link normalizeHeaders} gives them: lowercase names, one string each. What the checks of a request read. */
export type NormalizedHeaders = Readonly<Record<string, string>>;

/** The headers as a plain object with lowercase names (own properties only, no prototype). Done once per request, by whoever receives it. */
export function normalizeHeaders(headers: HeadersLike): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const previous = out[key];
    out[key] = previous === undefined ? value : `${previous}, ${value}`;
  };
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => add(name, value));
    return out;
  }
  const record = headers as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) add(name, String(v));
    else add(name, typeof value === 'string' ? value : String(value));
  }
  return out;
}
