// The snippet's sender: only an answer that was read takes events off the queue. A beacon's answer
// is never read, so what it carried stays queued for the next page (the Worker dedupes the resend).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { enqueue, memoryStore, readQueue, type Item } from '../../sdk/src/queue';
import { send, startTransport } from '../../sdk/src/transport';

let seq = 0;
const item = (fields: Partial<Item> = {}): Item => ({ i: `evt_${String(++seq).padStart(12, '0')}`, y: 'track', c: Date.now(), s: 'sess_0123456789abcdef', n: 'x', ...fields });

/** A fresh queue holding `n` events, and a sender for it whose beacons the browser accepts unless told otherwise. */
function page(n: number, accept = () => true) {
  const store = memoryStore();
  for (let k = 0; k < n; k++) enqueue(store, item(), Date.now());
  const beacons: { e: { i: string }[] }[] = [];
  vi.stubGlobal('navigator', { webdriver: false, sendBeacon: (_url: string, body: string) => accept() && beacons.push(JSON.parse(body)) > 0 });
  startTransport(store, 'https://t.example.com/e', 'pk_test');
  return { store, beacons, queued: () => readQueue(store, Date.now()).map((e) => e.i) };
}

afterEach(() => vi.unstubAllGlobals());

describe('send', () => {
  it('hands every queued event to sendBeacon as the page hides, and keeps them all queued', async () => {
    const p = page(120);
    const before = p.queued();
    await send(1);
    expect(p.beacons.map((b) => b.e.length)).toEqual([50, 50, 20]);
    expect(p.beacons.flatMap((b) => b.e.map((e) => e.i))).toEqual(before);
    expect(p.queued()).toEqual(before);
  });

  it('stops at a beacon the browser refuses; the rest waits in the queue too', async () => {
    let left = 1;
    const p = page(60, () => left-- > 0);
    await send(1);
    expect(p.beacons.map((b) => b.e.length)).toEqual([50]);
    expect(p.queued()).toHaveLength(60);
  });

  it('takes events off the queue once a fetch answer was read: 2xx, or a 4xx that will never succeed', async () => {
    for (const status of [200, 400]) {
      const p = page(3);
      await send(1);
      vi.stubGlobal('fetch', async () => ({ status, headers: { get: () => null }, text: async () => '{}' }));
      await send();
      expect([status, p.queued()]).toEqual([status, []]);
    }
  });

  it('keeps them when the fetch gets no readable answer or a retryable one', async () => {
    for (const answer of [() => Promise.reject(new TypeError('Failed to fetch')), async () => ({ status: 429, headers: { get: () => '1' }, text: async () => '' })]) {
      const p = page(2);
      vi.stubGlobal('fetch', answer);
      vi.stubGlobal('setTimeout', () => 0);
      await send();
      expect(p.queued()).toHaveLength(2);
    }
  });
});
