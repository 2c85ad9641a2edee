/**
 * I-JSON (RFC 7493) on both receiving paths: a body that JSON parsers could
 * read differently is refused by parseTelemetry and by ingest alike, with the
 * same rule and the JSON Pointer of the place, before the schema looks at it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contracts } from '../schema/index.js';
import { toJsonSchema } from '../scripts/emit/json-schema.js';
import { utf8 } from '../src/wire/bytes.js';
import { dedupeKey, messageId } from '../src/wire/dedupe.js';
import { iJsonProblem } from '../src/contract/i-json.js';
import { receivedPointerToken } from '../src/contract/errors.js';
import { parseTelemetry, validateTelemetry } from '../src/index.js';
import { ingest } from '../src/server.js';
import { RUNS, mutationArbitrary, payloadArbitrary } from './support/arbitraries.js';
import { KEY_A, NOW_MS, counts, rawRequest } from './wire/support.js';

const keys = [{ id: 'current', secret: KEY_A }];
const options = { licenseKeys: new Map([['lic-0042', keys]]), acceptedVersions: [1], now: () => NOW_MS };
/** A valid v1 body of the fixture window, as text; `extra` is spliced in after the first member. */
const valid = JSON.stringify({ schemaVersion: 1, ...counts(), featuresUsed: ['audit-log', 'sso'] });
const withMembers = (extra: string) => valid.replace('{"schemaVersion":1,', `{"schemaVersion":1,${extra},`);

/** What each path says about a body: [rule, path] from parseTelemetry; [status, rule, path] from ingest. */
async function bothPaths(body: string | Uint8Array) {
  const parsed = parseTelemetry(body);
  const request = await rawRequest(body);
  const ingested = await ingest(request, options);
  return {
    parse: parsed.ok ? 'ok' : [parsed.errors[0]!.rule, parsed.errors[0]!.path],
    ingest: ingested.ok ? 'ok' : [ingested.status, ingested.error.rule, ingested.error.errors?.[0]?.path],
    message: ingested.ok ? '' : ingested.error.message,
  };
}

describe('I-JSON: each rule through parseTelemetry and ingest', () => {
  it('accepts the valid body on both paths (the cases below differ from it only where they say)', async () => {
    expect(await bothPaths(valid)).toMatchObject({ parse: 'ok', ingest: 'ok' });
  });

  it.each([
    ['a repeated member, the second value winning in JSON.parse (the example of the issue)', withMembers('"activeSeats":-1'), ''],
    ['a repeated member spelled with an escape', withMembers('"active\\u0053eats":7'), ''],
    ['a repeated member spelled with two different escapes', `{"\\u0061ctiveSeats":1,${valid.slice(1).replace('"activeSeats"', '"activ\\u0065Seats"')}`, ''],
    ['the same name, one spelled with an escaped solidus', withMembers('"app\\/x":1,"app/x":2'), ''],
    ['a repeated member inside an object inside an array', withMembers('"extra":[{"a":1},{"b":{"c":1,"c":2}}]'), '/extra/1/b'],
    // A name that is not a short identifier is the sender's text: the pointer names it by its length.
    ['a repeated member inside a member whose name is not an identifier', withMembers('"a/b~c":{"x":1,"x":1}'), '/<a name of 5 characters>'],
    ['a repeated member after twenty others', withMembers(`${Array.from({ length: 20 }, (_, i) => `"m${i}":${i}`).join(',')},"m3":0`), ''],
  ])('duplicate-key: %s', async (_case, body, path) => {
    const result = await bothPaths(body);
    expect(result).toMatchObject({ parse: ['duplicate-key', path], ingest: [400, 'duplicate-key', path] });
    expect(result.message.startsWith(`body${path === '' ? '' : ` ${path}`}: has the member `)).toBe(true);
    expect(result.message).toMatch(/: has the member ("[A-Za-z0-9_-]{1,32}"|a name of \d+ characters?) more than once; .*\(duplicate-key\)$/);
  });

  it.each([
    ['an unpaired high surrogate escape in a string', withMembers('"x":"\\ud800"'), 'unpaired-surrogate', '/x'],
    ['an unpaired low surrogate escape in an array item', valid.replace('"sso"]', '"sso","\\udc00"]'), 'unpaired-surrogate', '/featuresUsed/2'],
    ['a high surrogate escape followed by another high one', withMembers('"x":"\\ud83d\\ud83d"'), 'unpaired-surrogate', '/x'],
    ['an unpaired surrogate escape in a member name', withMembers('"\\ud800":1'), 'unpaired-surrogate', ''],
    ['an escaped noncharacter', withMembers('"x":"\\uFFFE"'), 'noncharacter', '/x'],
    ['a noncharacter above U+FFFF, as an escaped pair', withMembers('"x":"\\ud83f\\udfff"'), 'noncharacter', '/x'],
  ])('%s', async (_case, body, rule, path) => {
    expect(await bothPaths(body)).toMatchObject({ parse: [rule, path], ingest: [400, rule, path] });
  });

  it('leaves a well-paired surrogate escape to the schema, which refuses it by pattern (422, not 400)', async () => {
    const result = await bothPaths(valid.replace('"sso"]', '"sso","\\ud83d\\ude00"]'));
    expect(result).toMatchObject({ parse: ['pattern', '/featuresUsed/2'], ingest: [422, 'invalid-payload', '/featuresUsed/2'] });
  });

  it('byte-order-mark: a UTF-8 BOM, on both paths, named in the message', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(valid)]);
    const result = await bothPaths(bytes);
    expect(result).toMatchObject({ parse: ['byte-order-mark', ''], ingest: [400, 'byte-order-mark', ''] });
    expect(result.message).toBe('body: starts with a UTF-8 byte-order mark (EF BB BF), which I-JSON (RFC 7493) forbids; send the JSON text without it (byte-order-mark)');
  });

  it('byte-order-mark: U+FEFF at the start of a string, and a UTF-16 BOM', async () => {
    expect(parseTelemetry(`\ufeff${valid}`)).toMatchObject({ ok: false, errors: [{ path: '', rule: 'byte-order-mark', message: expect.stringContaining('byte-order mark (U+FEFF)') }] });
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(valid, (c) => [c.charCodeAt(0), 0]).flat()]);
    expect(await bothPaths(utf16)).toMatchObject({ parse: ['byte-order-mark', ''], ingest: [400, 'byte-order-mark', ''] });
  });

  it('a lone surrogate written as a character: refused in a string, and impossible in UTF-8 bytes', async () => {
    expect(parseTelemetry(withMembers('"x":"\ud800"'))).toMatchObject({ ok: false, errors: [{ path: '/x', rule: 'unpaired-surrogate' }] });
    // The three bytes a surrogate would take are not UTF-8: the decoder refuses them first.
    const bytes = utf8(withMembers('"x":"???"'));
    bytes.set([0xed, 0xa0, 0x80], bytes.indexOf(0x3f));
    expect(await bothPaths(bytes)).toMatchObject({ parse: ['invalid-utf8', ''], ingest: [400, 'invalid-utf8', ''] });
  });

  it('is checked before the schema: an unknown member repeated is a duplicate first', async () => {
    expect(await bothPaths(withMembers('"zz":1,"zz":2'))).toMatchObject({ parse: ['duplicate-key', ''], ingest: [400, 'duplicate-key', ''] });
  });
});

describe('I-JSON: properties', () => {
  const schema = toJsonSchema(contracts.find((c) => c.version === 1)!);

  /** Writes `value` as JSON, with the member `name` of the object at `target` (pre-order object count) written twice. */
  function withDuplicate(value: unknown, target: number, spell: (name: string) => string, repeat: string): { text: string; pointer: string | undefined } {
    let seen = 0;
    let found: string | undefined;
    const write = (node: unknown, at: string): string => {
      if (Array.isArray(node)) return `[${node.map((item, i) => write(item, `${at}/${i}`)).join(',')}]`;
      if (typeof node !== 'object' || node === null) return JSON.stringify(node);
      const here = seen++;
      // Errors name a member by its text only when it is a short identifier, else by its length.
      const members = Object.entries(node).map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${at}/${receivedPointerToken(k)}`)}`);
      if (here === target) {
        found = at;
        const name = Object.keys(node)[0] ?? 'x';
        if (Object.keys(node).length === 0) members.push(`${JSON.stringify(name)}:1`);
        members.push(`${spell(name)}:${repeat}`);
      }
      return `{${members.join(',')}}`;
    };
    const text = write(value, '');
    return { text, pointer: found };
  }

  /** A random spelling of the same name: any character may be written as a \u escape, upper or lower case hex. */
  const spelling = fc.tuple(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), fc.boolean()).map(([escape, upper]) => (name: string) => {
    const unit = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');
    const chars = Array.from(name, (c, i) => (escape[i % 8] ? Array.from(c, (u) => `\\u${upper ? unit(u).toUpperCase() : unit(u)}`).join('') : JSON.stringify(c).slice(1, -1)));
    return `"${chars.join('')}"`;
  });
  /** Valid payloads, and objects at random depth: arrays of objects of arrays, with a valid payload somewhere inside. */
  const tree = fc.oneof(
    payloadArbitrary(schema),
    fc.tuple(fc.jsonValue({ maxDepth: 3 }), payloadArbitrary(schema)).map(([noise, payload]) => ({ payload, noise: [noise, { nested: noise }] })),
  );
  const countObjects = (node: unknown): number =>
    Array.isArray(node) ? node.reduce<number>((n, item) => n + countObjects(item), 0) : typeof node === 'object' && node !== null ? 1 + Object.values(node).reduce<number>((n, v) => n + countObjects(v), 0) : 0;
  const duplicated = tree.chain((value) =>
    fc.record({ value: fc.constant(value), target: fc.nat({ max: countObjects(value) - 1 }), spell: spelling, repeat: fc.constantFrom('42', '-1', '"x"', 'null', '{"a":[1]}') }),
  );

  it('one member duplicated at a random depth, in any spelling: both paths refuse, naming that object', async () => {
    await fc.assert(
      fc.asyncProperty(duplicated, async ({ value, target, spell, repeat }) => {
        const { text, pointer } = withDuplicate(value, target, spell, repeat);
        const result = await bothPaths(text);
        expect(result).toMatchObject({ parse: ['duplicate-key', pointer], ingest: [400, 'duplicate-key', pointer] });
      }),
      { numRuns: Math.min(RUNS, 300) },
    );
  });

  it('without duplicates, the verdict is that of JSON.parse and validation, on both paths', async () => {
    const body = fc.oneof(payloadArbitrary(schema), mutationArbitrary(schema).map((m) => m.payload), fc.jsonValue({ maxDepth: 3 }));
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const text = JSON.stringify(value);
        const expected = validateTelemetry(JSON.parse(text));
        expect(iJsonProblem(text)).toBeUndefined();
        expect(parseTelemetry(text)).toEqual(expected);
        // The message id of the body's own window, so a valid body is accepted whole.
        const window = expected.ok ? await messageId(dedupeKey('lic-0042', expected.value.periodStart, expected.value.periodEnd), 'Example%20Holdings%20GmbH') : undefined;
        const result = await ingest(await rawRequest(text, window === undefined ? {} : { id: window }), options);
        expect(result.ok).toBe(expected.ok);
        if (!result.ok) expect(result.status).toBe(422);
      }),
      { numRuns: Math.min(RUNS, 300) },
    );
  });
});
