/**
 * What leaves the process: a real HTTP server on 127.0.0.1 records the header
 * names and values it receives from this package's uploader, and they are
 * exactly the ones the contract declares (its headers and its transport
 * headers), with the values it fixes. Without the uploader setting them, the
 * runtime's fetch would add its own (user-agent, accept-language, …).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '../../schema/index.js';
import { toJsonSchema } from '../../scripts/emit/json-schema.js';
import { createTelemetryRequest, discoverAcceptedVersions, sendTelemetry, testConnection } from '../../src/uploader.js';
import { KEY_A, counts } from './support.js';

interface Received {
  readonly method: string;
  /** Header names as received, lowercased, in order; a name sent twice appears twice. */
  readonly names: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

const received: Received[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const names = req.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    received.push({ method: req.method ?? '', names, headers: req.headers as Record<string, string> });
    req.resume();
    req.on('end', () => {
      if (req.method === 'HEAD') res.writeHead(200, { 'x-telemetry-accepted-versions': '1' }).end();
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const schema = toJsonSchema(v1) as { 'x-headers': { properties: Record<string, unknown> }; 'x-transport-headers': { properties: Record<string, { const?: string }> } };
const declared = [...Object.keys(schema['x-headers'].properties), ...Object.keys(schema['x-transport-headers'].properties)];
const fixedValues = Object.fromEntries(Object.entries(schema['x-transport-headers'].properties).flatMap(([name, s]) => (typeof s.const === 'string' ? [[name, s.const]] : [])));

const options = { version: 1 as const, licenseId: 'lic-0042', customer: 'Example Holdings GmbH', signingSecrets: [KEY_A], maskCustomer: false };

describe('the headers that leave the process', () => {
  it('sends exactly the headers the contract declares, to a real HTTP server', async () => {
    received.length = 0;
    const built = await createTelemetryRequest(counts(), options);
    if (!built.ok) throw new Error(built.error.message);
    expect(await sendTelemetry(built.request, { baseUrl: url, allowHttpLoopback: true, retries: 0 })).toMatchObject({ ok: true, status: 201 });
    const [report] = received;
    // Each declared header once, and nothing else: no header of the runtime's own, none twice.
    expect([...report!.names].sort()).toEqual([...declared].sort());
    for (const [name, value] of Object.entries(fixedValues)) expect({ name, value: report!.headers[name] }).toEqual({ name, value });
    expect(report!.headers['host']).toBe(new URL(url).host);
    expect(report!.headers['content-length']).toBe(String(built.request.body.byteLength));
  });

  it('sends a connection test and a version discovery with no header the contract does not declare', async () => {
    received.length = 0;
    expect(await testConnection({ baseUrl: url, allowHttpLoopback: true, ...options })).toMatchObject({ diagnosis: 'unexpected-answer' });
    expect(await discoverAcceptedVersions({ baseUrl: url, allowHttpLoopback: true })).toEqual({ ok: true, versions: [1] });
    expect(received.map((r) => r.method)).toEqual(['POST', 'HEAD']);
    const [probe, head] = received;
    expect([...probe!.names].sort()).toEqual([...declared].sort());
    // A HEAD has no body, so no content-type, signature or content-length: what it sends is a subset.
    expect(head!.names.filter((name) => !declared.includes(name))).toEqual([]);
    for (const [name, value] of Object.entries(fixedValues)) expect({ name, value: head!.headers[name] }).toEqual({ name, value });
  });
});
