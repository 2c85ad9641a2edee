/**
 * From raw request bytes to a validated payload: size limit first (before any
 * decoding or parsing work), then strict UTF-8, then JSON that is also I-JSON
 * (RFC 7493: no byte-order mark, unique member names, whole characters), then
 * validation.
 */
import type { Telemetry } from '../../generated/index.js';
import { type ValidationResult, makeError } from './errors.js';
import { byteOrderMark, iJsonProblem } from './i-json.js';
import { validateTelemetry } from './validate.js';

/**
 * 64 KiB. The largest valid v1 payload (256 feature names of 64 characters,
 * every count at its maximum) is about 18 KiB.
 */
export const DEFAULT_MAX_BYTES = 64 * 1024;

export interface ParseOptions {
  /** Largest accepted body in bytes (UTF-8); larger input is refused before it is parsed. Default {@link DEFAULT_MAX_BYTES}. */
  readonly maxBytes?: number;
}

// ignoreBOM: a byte-order mark stays in the text, to be refused by name rather than dropped silently.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 length of a string, stopping early once it passes `limit`. */
function utf8LengthOver(text: string, limit: number): boolean {
  // Each UTF-16 code unit encodes to 1-3 bytes; decide cheaply when we can.
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

/**
 * Parses and validates a telemetry body. Never throws on bad input: an
 * oversized body, invalid UTF-8, malformed JSON, JSON that breaks I-JSON (a
 * byte-order mark, a repeated member name, a lone surrogate or a Unicode
 * noncharacter) and an invalid payload all come back as errors. Keys such as `__proto__` stay plain own properties
 * (JSON.parse never assigns prototypes) and are then refused as unknown fields.
 *
 * @example
 * const result = parseTelemetry(await request.bytes(), { maxBytes: 65536 });
 * if (result.ok) save(result.value);
 */
export function parseTelemetry(text: string | Uint8Array, options: ParseOptions = {}): ValidationResult<Telemetry> {
  const decoded = parseJsonBody(text, options);
  return decoded.ok ? validateTelemetry(decoded.value) : decoded;
}

/**
 * The first steps of {@link parseTelemetry} without validation: size limit,
 * strict UTF-8, JSON, I-JSON. For receivers that check the version between parsing
 * and validation.
 *
 * @example
 * const decoded = parseJsonBody(bytes, { maxBytes: 65536 });
 * if (decoded.ok) inspect(decoded.value);
 */
export function parseJsonBody(text: string | Uint8Array, options: ParseOptions = {}): ValidationResult<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`parseTelemetry: maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  let source: string;
  if (typeof text === 'string') {
    if (utf8LengthOver(text, maxBytes)) return tooLarge(maxBytes);
    const mark = byteOrderMark(text);
    if (mark !== undefined) return { ok: false, errors: [mark] };
    source = text;
  } else if (text instanceof Uint8Array) {
    if (text.byteLength > maxBytes) return tooLarge(maxBytes);
    const mark = byteOrderMark(text);
    if (mark !== undefined) return { ok: false, errors: [mark] };
    try {
      source = decoder.decode(text);
    } catch {
      return { ok: false, errors: [makeError('', 'is not valid UTF-8', 'invalid-utf8')] };
    }
  } else {
    return { ok: false, errors: [makeError('', `must be a string or a Uint8Array of JSON text, got ${typeof text}`, 'type')] };
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    // V8's message quotes the input; keep only the position, the input may hold secrets.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    return { ok: false, errors: [makeError('', `is not valid JSON${position === undefined ? '' : ` (error at character ${position})`}`, 'json-syntax')] };
  }
  const problem = iJsonProblem(source);
  if (problem !== undefined) return { ok: false, errors: [problem] };
  return { ok: true, value };
}

function tooLarge(maxBytes: number): ValidationResult<never> {
  return { ok: false, errors: [makeError('', `is larger than the limit of ${maxBytes} bytes`, 'too-large')] };
}
