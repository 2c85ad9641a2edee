/**
 * Admission control (src/server/admission.ts): the counting on a clock the
 * test moves, and `admitRequest` on a real node:http server in this process,
 * where a refused request is answered before its body is sent.
 */
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Admission, DEFAULT_MAX_IN_FLIGHT, admitRequest, createAdmission } from '../../src/server.js';

function clock(start = 1_000_000) {
  let ms = start;
  return { now: () => ms, advance: (by: number) => void (ms += by) };
}

describe('createAdmission', () => {
  it('admits up to maxInFlight at once and answers the next 503 overloaded, with Retry-After, at once', () => {
    const admission = createAdmission({ maxInFlight: 2 });
    const places = [admission.enter(), admission.enter()];
    expect(places.map((p) => p.admitted)).toEqual([true, true]);
    const refused = admission.enter();
    expect(refused).toMatchObject({ admitted: false, status: 503, retryAfterSeconds: 1, headers: { 'retry-after': '1', 'content-type': 'application/json', 'cache-control': 'no-store' } });
    if (refused.admitted) throw new Error('admitted past the limit');
    expect(JSON.parse(refused.body)).toEqual({ error: { rule: 'overloaded', message: 'server: 2 requests are in flight, the most this server takes at once; send again in 1 s, as Retry-After says (overloaded)' } });
    expect(admission.stats()).toMatchObject({ maxInFlight: 2, inFlight: 2, peakInFlight: 2, admitted: 2, refused: 1 });
  });

  it('frees a place when a request is released, once however often it is released', () => {
    const admission = createAdmission({ maxInFlight: 1 });
    const place = admission.enter();
    if (!place.admitted) throw new Error('refused the first request');
    place.release();
    place.release();
    expect(admission.stats().inFlight).toBe(0);
    expect(admission.enter().admitted).toBe(true);
    expect(admission.enter().admitted).toBe(false);
  });

  it('sizes Retry-After to the backlog: each refusal books the mean time per request over the places, so the refused come back spread out', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 4, now: time.now });
    // Requests that take 2 s each, four at a time: the service finishes one every 0.5 s.
    for (let i = 0; i < 4; i++) {
      const place = admission.enter();
      time.advance(2000);
      if (place.admitted) place.release();
    }
    expect(admission.stats().meanServiceMs).toBe(2000);
    for (let i = 0; i < 4; i++) admission.enter();
    const waits = Array.from({ length: 8 }, () => {
      const refused = admission.enter();
      return refused.admitted ? 0 : refused.retryAfterSeconds;
    });
    // 0.5 s each: the 1st and 2nd within 1 s, the 3rd and 4th within 2 s, …
    expect(waits).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(admission.stats().backlogMs).toBe(4000);
    // Time passes: the booked time runs down, and a new refusal goes after what is still booked.
    time.advance(3000);
    const later = admission.enter();
    expect(!later.admitted && later.retryAfterSeconds).toBe(2);
  });

  it('never asks for more than maxRetryAfterSeconds, however long the backlog, and sends the refusals past a fully booked window back over it again, evenly, not all at the longest wait', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 1, maxRetryAfterSeconds: 5, now: time.now });
    const place = admission.enter();
    time.advance(3000);
    if (place.admitted) place.release();
    admission.enter();
    const waits = Array.from({ length: 10 }, () => {
      const refused = admission.enter();
      return refused.admitted ? 0 : refused.retryAfterSeconds;
    });
    // 3 s a request: the first is booked 3 s ahead; the window of 5 s is then full, and the rest go 3 s apart around it.
    expect(waits).toEqual([3, 3, 1, 4, 2, 5, 3, 1, 4, 2]);
    expect(admission.stats().backlogMs).toBe(5000);
  });

  it('refuses a limit that is not a positive integer, naming the option, the rule and the kind of value', () => {
    expect(createAdmission().maxInFlight).toBe(DEFAULT_MAX_IN_FLIGHT);
    expect(() => createAdmission({ maxInFlight: 0 })).toThrow('maxInFlight: must be an integer from 1 to 1000000, got 0 (admission-config)');
    expect(() => createAdmission({ maxInFlight: '8' as unknown as number })).toThrow('maxInFlight: must be an integer from 1 to 1000000, got a string (admission-config)');
    expect(() => createAdmission({ maxRetryAfterSeconds: 1.5 })).toThrow(/^maxRetryAfterSeconds: .* got 1\.5 \(admission-config\)$/);
  });
});

describe('admitRequest on node:http', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A server whose admitted requests wait until the test lets them go; it counts what its handler saw. */
  async function holdingServer(admission: Admission) {
    const held: Array<() => void> = [];
    const seen = { handled: 0, bodyBytes: 0, mostAtOnce: 0, atOnce: 0 };
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (!admitRequest(admission, req, res, { maxDiscardBytes: 64 * 1024 })) return;
      seen.handled++;
      seen.mostAtOnce = Math.max(seen.mostAtOnce, ++seen.atOnce);
      req.on('data', (chunk: Buffer) => (seen.bodyBytes += chunk.length));
      held.push(() => {
        seen.atOnce--;
        res.writeHead(201).end('{}');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server!.address() as AddressInfo).port, held, seen };
  }

  /** Sends the headers of a POST announcing `length` body bytes and `sent` of them; resolves with the answer's status, Retry-After and whether the socket then closed. */
  function post(port: number, length: number, sent: Uint8Array = new Uint8Array()): Promise<{ status: number; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': String(length), 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
      });
      req.on('error', reject);
      req.flushHeaders();
      if (sent.length > 0) req.write(sent);
    });
  }

  it('answers a request past the limit before its body is sent, never hands it to the handler, and frees a place when an answer is sent', async () => {
    const admission = createAdmission({ maxInFlight: 2 });
    const { port, held, seen } = await holdingServer(admission);
    // Two requests take the places and keep them: their bodies are still to come.
    const first = post(port, 10);
    const second = post(port, 10);
    await expect.poll(() => seen.handled).toBe(2);
    // The third announces 10 MB and sends none of it: it is answered now, not after its body.
    expect(await post(port, 10_000_000)).toEqual({ status: 503, retryAfter: '1' });
    expect(seen).toMatchObject({ handled: 2, bodyBytes: 0 });
    expect(admission.stats()).toMatchObject({ inFlight: 2, refused: 1 });

    held.shift()!();
    expect((await first).status).toBe(201);
    await expect.poll(() => admission.stats().inFlight).toBe(1);
    const third = post(port, 10);
    await expect.poll(() => seen.handled).toBe(3);
    expect(seen.mostAtOnce).toBe(2);
    for (const release of held.splice(0)) release();
    expect([(await second).status, (await third).status]).toEqual([201, 201]);
  });

  it('drops a refused request\'s body as it comes, and closes a connection that sends more than maxDiscardBytes of it', async () => {
    const admission = createAdmission({ maxInFlight: 1 });
    const { port, seen } = await holdingServer(admission);
    const sockets: Socket[] = [];
    server!.on('connection', (socket: Socket) => sockets.push(socket));
    // Holds the only place until the server closes; its ending then is no part of the test.
    post(port, 10).catch(() => undefined);
    await expect.poll(() => seen.handled).toBe(1);
    const big = 8 * 1024 * 1024;
    let status = 0;
    // Keep-alive, so that the server would read the whole body to reuse the connection if nothing cut it off.
    const agent = new Agent({ keepAlive: true });
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-length': String(big) } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    req.on('error', () => undefined);
    // 8 MB against a limit of 64 kB, in pieces as fast as the socket takes them, until it is closed.
    const piece = new Uint8Array(64 * 1024);
    let left = big / piece.length;
    const pump = () => {
      while (left > 0 && !req.destroyed) {
        left--;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
    await expect.poll(() => sockets.length).toBe(2);
    const refused = sockets[1]!;
    await new Promise((resolve) => (refused.destroyed ? resolve(undefined) : refused.once('close', resolve)));
    await expect.poll(() => status).toBe(503);
    // Closed after a few reads, well before the body's end, and nothing of it reached the handler.
    expect(refused.bytesRead).toBeLessThan(big / 4);
    expect(seen).toMatchObject({ handled: 1, bodyBytes: 0 });
    agent.destroy();
  });
});
