/**
 * A small HTTP load generator for the end-to-end comparison: the same one
 * drives every server. Loopback only, bounded by the requests it is given:
 * `concurrency` keep-alive connections, each sending the next prepared
 * request as soon as its previous answer is in. Every answer must be 201 (a
 * new window stored); anything else fails the run rather than flattering it.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface PreparedRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

function post(agent: Agent, url: URL, prepared: PreparedRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, method: 'POST', path: prepared.path, headers: { ...prepared.headers, 'content-length': String(prepared.body.byteLength) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk.slice(0, 512)));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(prepared.body);
  });
}

/** Sends every request once, `concurrency` at a time, to `baseUrl` (127.0.0.1 only); returns requests per second. */
export async function load(baseUrl: string, requests: readonly PreparedRequest[], concurrency: number): Promise<number> {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`bench: the load generator sends to 127.0.0.1 only, not ${url.hostname} (loopback)`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const { status, body } = await post(agent, url, requests[i]!);
      if (status !== 201) throw new Error(`bench: ${baseUrl} answered ${status} to a new window (${body.slice(0, 300)}); the comparison counts stored windows only (status)`);
    }
  };
  const started = process.hrtime.bigint();
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return requests.length / (Number(process.hrtime.bigint() - started) / 1e9);
}
