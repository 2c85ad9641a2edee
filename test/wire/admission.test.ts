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

  /** Runs `count` requests, `maxInFlight` at a time, each taking `ms`, on the test's clock. */
  function serve(admission: Admission, time: ReturnType<typeof clock>, count: number, ms: number) {
    for (let done = 0; done < count; done += admission.maxInFlight) {
      const places = Array.from({ length: Math.min(admission.maxInFlight, count - done) }, () => admission.enter());
      time.advance(ms);
      for (const place of places) if (place.admitted) place.release();
    }
  }

  /** Fills every place (held, never released) and returns the Retry-After of `count` refusals after it. */
  function refusals(admission: Admission, count: number): number[] {
    while (admission.stats().inFlight < admission.maxInFlight) admission.enter();
    return Array.from({ length: count }, () => {
      const refused = admission.enter();
      return refused.admitted ? 0 : refused.retryAfterSeconds;
    });
  }

  it('tells each refusal the first second with room at the service\'s pace, so the refused come back spread out', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 4, now: time.now });
    // Requests that take 2 s each, four at a time: the service finishes one every 0.5 s.
    serve(admission, time, 4, 2000);
    expect(admission.stats().meanServiceMs).toBe(2000);
    // Two a second: the 1st and 2nd in the next second, the 3rd and 4th in the one after, …
    expect(refusals(admission, 8)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(admission.stats()).toMatchObject({ waiting: 8, backlogMs: 4000 });
    // Time passes: the seconds that have begun are dropped, and a new refusal goes to the first second with room.
    time.advance(3000);
    expect(admission.stats().waiting).toBe(2);
    expect(refusals(admission, 1)).toEqual([2]);
  });

  it('counts a client refused again once: its old second is dropped when it begins, so refusing the same clients again and again does not push Retry-After out', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 2, now: time.now });
    serve(admission, time, 2, 1000);
    // Two a second: six refused clients are told 1, 1, 2, 2, 3 and 3 s.
    const first = refusals(admission, 6);
    expect(first).toEqual([1, 1, 2, 2, 3, 3]);
    // Each second, the ones told that second come back and are refused again, the places still taken: ten rounds.
    let waits = first;
    for (let second = 1; second <= 10; second++) {
      time.advance(1000);
      const back = waits.filter((w) => w === 1).length;
      waits = [...waits.filter((w) => w > 1).map((w) => w - 1), ...refusals(admission, back)];
      expect(admission.stats().waiting).toBe(6);
    }
    // Six clients at two a second: never more than 3 s, however often they were refused.
    expect(Math.max(...waits)).toBe(3);
    expect(admission.stats().refused).toBeGreaterThan(20);
  });

  it('books at the service\'s pace now: a slow start does not keep the clients refused after it waiting', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 2, now: time.now });
    // A cold start: the first requests take 30 s, two at a time: one every 15 s.
    serve(admission, time, 2, 30_000);
    const held = [admission.enter(), admission.enter()];
    expect(refusals(admission, 4)).toEqual([15, 30, 45, 60]);
    // The service warms up: 200 requests of 100 ms each (the held two among them), 10 s in all.
    time.advance(100);
    for (const place of held) if (place.admitted) place.release();
    serve(admission, time, 198, 100);
    expect(admission.stats().meanServiceMs).toBeLessThan(102);
    // The four refused are still to come back, in seconds 15 to 60; the next second has room at 20 a second now.
    expect(refusals(admission, 1)).toEqual([1]);
    expect(admission.stats().waiting).toBe(5);
  });

  it('takes the pace from what the service released in the last whole second when that is more than its mean time says', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 4, now: time.now });
    // Four requests of 60 s, then eight of 0.1 s within one second: the mean still says one every 10 s or so.
    serve(admission, time, 4, 60_000);
    time.advance(1000);
    serve(admission, time, 8, 100);
    expect(admission.stats().meanServiceMs).toBeGreaterThan(30_000);
    time.advance(800);
    // In the next second, eight a second: eight refusals go to the next second, the ninth to the one after.
    expect(refusals(admission, 9)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2]);
  });

  it('never asks for more than maxRetryAfterSeconds, and spreads a herd larger than that window serves evenly over it, not all at the longest wait', () => {
    const time = clock();
    const admission = createAdmission({ maxInFlight: 1, maxRetryAfterSeconds: 5, now: time.now });
    serve(admission, time, 1, 3000);
    // One request every 3 s: the window of 5 s has room for one, in its 3rd second; the rest go to the least booked
    // seconds of the window, earliest first, one a second before any second gets a second one.
    expect(refusals(admission, 10)).toEqual([3, 1, 2, 4, 5, 1, 2, 3, 4, 5]);
    expect(admission.stats().waiting).toBe(10);
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
