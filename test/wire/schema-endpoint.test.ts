import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaEndpoint } from '../../src/server.js';
import { repoRoot } from '../helpers.js';

const committed = readFileSync(join(repoRoot, 'generated/v1/telemetry.schema.json'));
const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => schemaEndpoint({ method, url, headers }, { acceptedVersions: [1] });
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe('schemaEndpoint', () => {
  it('serves the current version as application/schema+json, byte for byte the committed file', async () => {
    const response = await get('/api/v1/telemetry/schema');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/schema+json');
    expect(Buffer.from(response.body).equals(committed)).toBe(true);
    expect(response.headers['content-length']).toBe(String(committed.byteLength));
  });

  it('has a strong ETag derived from the bytes, and a Cache-Control lifetime', async () => {
    const response = await get('/api/v1/telemetry/schema?version=1');
    const digest = createHash('sha256').update(committed).digest('base64url');
    expect(response.headers['etag']).toBe(`"sha256-${digest}"`);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect((await schemaEndpoint({ method: 'GET', url: '/api/v1/telemetry/schema', headers: {} }, { acceptedVersions: [1], maxAgeSeconds: 60 })).headers['cache-control']).toBe('public, max-age=60');
  });

  it('answers 304 without a body when If-None-Match names the current ETag', async () => {
    const { headers } = await get('/api/v1/telemetry/schema');
    for (const condition of [headers['etag']!, `W/${headers['etag']}`, `"other", ${headers['etag']}`, '*']) {
      const response = await get('/api/v1/telemetry/schema', { 'If-None-Match': condition });
      expect(response.status, condition).toBe(304);
      expect(response.body.byteLength).toBe(0);
      expect(response.headers['etag']).toBe(headers['etag']);
    }
    expect((await get('/api/v1/telemetry/schema', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await get('/api/v1/telemetry/schema', {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.body.byteLength).toBe(0);
    expect(response.headers['content-length']).toBe(String(committed.byteLength));
  });

  it('states the accepted versions on every answer', async () => {
    expect((await get('/api/v1/telemetry/schema')).headers['x-telemetry-accepted-versions']).toBe('1');
    expect((await get('/api/v1/telemetry/schema?version=9')).headers['x-telemetry-accepted-versions']).toBe('1');
  });

  it('answers 404 for a version it does not serve, listing the supported ones', async () => {
    const response = await get('/api/v1/telemetry/schema?version=9');
    expect(response.status).toBe(404);
    expect(JSON.parse(text(response.body))).toMatchObject({ error: { rule: 'unsupported-version', supportedVersions: [1] } });
  });

  it.each(['abc', '0', '01', '1.0', ''])('answers 400 for the version parameter %j', async (value) => {
    expect((await get(`/api/v1/telemetry/schema?version=${value}`)).status).toBe(400);
  });

  it('answers 400 for a repeated version parameter, 404 for another path, 405 for another method', async () => {
    expect((await get('/api/v1/telemetry/schema?version=1&version=1')).status).toBe(400);
    expect((await get('/api/v1/telemetry/schemas')).status).toBe(404);
    const post = await get('/api/v1/telemetry/schema', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });
});
