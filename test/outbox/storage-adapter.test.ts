import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../examples/outbox-memory-storage.js';
import { openOutbox } from '../../src/outbox.js';
import { CUSTOMER, KEY_A, LICENSE, noWait, scriptedFetch, stored, windowCounts } from './support.js';

/** The outbox over the documented adapter example: the interface is all it needs. */
const open = (storage = memoryStorage(), fetch = scriptedFetch([stored()]).fetch) =>
  openOutbox({ storage, version: 1, licenseId: LICENSE, customer: CUSTOMER, signingSecrets: [KEY_A], baseUrl: 'https://telemetry.vendor.example', fetch, ...noWait });

describe('an outbox over another storage (examples/outbox-memory-storage.ts)', () => {
  it('queues, refuses a second copy with other counts, delivers, and logs', async () => {
    const outbox = await open();
    const queued = await outbox.enqueue(windowCounts(1));
    expect(queued).toMatchObject({ ok: true, duplicate: false });
    expect(await outbox.enqueue(windowCounts(1))).toMatchObject({ ok: true, duplicate: true });
    expect(await outbox.enqueue(windowCounts(1, 99))).toMatchObject({ ok: false, error: { rule: 'window-conflict' } });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ messageId: queued.ok && queued.messageId, status: 201 }] });
    expect(await outbox.status()).toMatchObject({ location: 'memory', pending: 0, delivered: 1 });
    expect((await outbox.history()).map((e) => e.outcome)).toEqual(['delivered']);
    expect((await outbox.health()).state).toBe('healthy');
  });

  it('keeps refused windows for retry, and lets one flusher run at a time', async () => {
    const storage = memoryStorage();
    let refuse = true;
    const outbox = await open(storage, scriptedFetch(() => (refuse ? { status: 422, body: { error: { rule: 'invalid-payload', message: 'no' } } } : stored())).fetch);
    const queued = await outbox.enqueue(windowCounts(1));
    if (!queued.ok) throw new Error('not queued');
    expect(await outbox.flush()).toMatchObject({ failed: [{ status: 422 }] });
    const held = await storage.lock();
    expect(await outbox.flush()).toMatchObject({ ok: false, error: { rule: 'busy' } });
    if (held.ok) await held.lock.release();
    refuse = false;
    expect(await outbox.retry(queued.messageId)).toMatchObject({ ok: true });
    expect(await outbox.flush()).toMatchObject({ ok: true, delivered: [{ status: 201 }] });
  });
});
