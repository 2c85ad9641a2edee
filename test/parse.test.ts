import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, parseTelemetry } from '../src/index.js';
import { fixture } from './helpers.js';

const text = JSON.stringify(fixture('v1/full.json'));
const rules = (result: ReturnType<typeof parseTelemetry>) => (result.ok ? [] : result.errors.map((e) => [e.path, e.rule]));

describe('parseTelemetry', () => {
  it('parses and validates a string body', () => {
    const result = parseTelemetry(text);
    expect(result.ok && result.value.featuresUsed).toEqual(['audit-log', 'policy.simulator', 'sso', 'sso_saml']);
  });

  it('parses UTF-8 bytes', () => {
    expect(parseTelemetry(new TextEncoder().encode(text)).ok).toBe(true);
  });

  it('reports validation errors of a well-formed body', () => {
    expect(rules(parseTelemetry(text.replace('"activeSeats":0', '"activeSeats":-1')))).toEqual([['/activeSeats', 'minimum']]);
  });

  describe('size limit', () => {
    it('accepts a body of exactly maxBytes', () => {
      expect(parseTelemetry(text, { maxBytes: new TextEncoder().encode(text).byteLength }).ok).toBe(true);
    });
    it('refuses a body one byte over maxBytes, as a string and as bytes', () => {
      const limit = new TextEncoder().encode(text).byteLength - 1;
      expect(rules(parseTelemetry(text, { maxBytes: limit }))).toEqual([['', 'too-large']]);
      expect(rules(parseTelemetry(new TextEncoder().encode(text), { maxBytes: limit }))).toEqual([['', 'too-large']]);
    });
    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      const body = `"${'é'.repeat(10)}"`; // 12 code units, 22 bytes
      expect(rules(parseTelemetry(body, { maxBytes: 21 }))).toEqual([['', 'too-large']]);
      expect(rules(parseTelemetry(body, { maxBytes: 22 }))).toEqual([['', 'type']]);
    });
    it('refuses deep nesting by size before parsing', () => {
      const deep = `${'['.repeat(DEFAULT_MAX_BYTES)}${']'.repeat(DEFAULT_MAX_BYTES)}`;
      expect(rules(parseTelemetry(deep))).toEqual([['', 'too-large']]);
    });
    it('refuses a nonsensical limit as a programming error', () => {
      expect(() => parseTelemetry(text, { maxBytes: 0 })).toThrow(RangeError);
      expect(() => parseTelemetry(text, { maxBytes: Number.NaN })).toThrow(/maxBytes must be a positive integer/);
    });
  });

  describe('malformed input', () => {
    it.each(['', '{', '{"schemaVersion": 1,}', 'undefined', "{'a': 1}", 'NaN'])('reports %j as a JSON syntax error', (body) => {
      expect(rules(parseTelemetry(body))).toEqual([['', 'json-syntax']]);
    });
    it('does not echo the input in a syntax error', () => {
      const result = parseTelemetry('{"token": sk_live_secret}');
      expect(JSON.stringify(result)).not.toContain('sk_live_secret');
    });
    it('reports invalid UTF-8 bytes', () => {
      expect(rules(parseTelemetry(new Uint8Array([0x7b, 0xff, 0x7d])))).toEqual([['', 'invalid-utf8']]);
    });
    it('reports a body of the wrong type instead of throwing', () => {
      expect(rules(parseTelemetry(42 as unknown as string))).toEqual([['', 'type']]);
    });
  });

  describe('prototype pollution', () => {
    it('refuses __proto__ as an unknown field and leaves Object.prototype alone', () => {
      const body = text.replace('{', '{"__proto__":{"polluted":true,"schemaVersion":1},');
      const result = parseTelemetry(body);
      expect(rules(result)).toEqual([['/__proto__', 'additionalProperties']]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
    it('refuses constructor and prototype keys as unknown fields', () => {
      const body = text.replace('{', '{"constructor":{"prototype":{"polluted":true}},');
      expect(rules(parseTelemetry(body))).toEqual([['/constructor', 'additionalProperties']]);
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
    it('cannot pass by hiding a required field behind __proto__', () => {
      // Text built by hand: an object literal with __proto__ would set the prototype instead of a key.
      const raw = text.replace('"seatLimitHit":true', '"__proto__":{"seatLimitHit":true}');
      expect(rules(parseTelemetry(raw))).toEqual([
        ['/seatLimitHit', 'required'],
        ['/__proto__', 'additionalProperties'],
      ]);
    });
  });
});
