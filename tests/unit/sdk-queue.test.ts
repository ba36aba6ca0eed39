// The snippet's queue, batching, one-tab lock and retry rules, as pure functions over an in-memory Storage.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BATCH_BYTES,
  LOCK_KEY,
  MAX_AGE_MS,
  QUEUE_KEY,
  enqueue,
  lockedOut,
  memoryStore,
  nextBatch,
  readQueue,
  removeEvents,
  type Item,
} from '../../sdk/src/queue';
import { LEASE_MS, batchBody, retryDelay, retryable } from '../../sdk/src/transport';
import { LIMITS } from '../../schemas/limits';

const fakeStorage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), data: m };
};

const T0 = Date.UTC(2025, 0, 6, 9);
const SESSION = 'sess_0123456789abcdef';
let seq = 0;
const item = (fields: Partial<Item> = {}): Item => ({ i: `evt_${String(++seq).padStart(12, '0')}`, y: 'track', c: T0, s: SESSION, n: 'x', ...fields });

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('queue', () => {
  it('keeps events in order', () => {
    const store = fakeStorage();
    const events = [item(), item(), item()];
    for (const e of events) enqueue(store, e, T0);
    expect(readQueue(store, T0)).toEqual(events);
  });

  it('holds at most 1,000 events, dropping the oldest', () => {
    const store = fakeStorage();
    const events = Array.from({ length: 1005 }, () => item());
    for (const e of events) enqueue(store, e, T0);
    const q = readQueue(store, T0);
    expect(q).toHaveLength(1000);
    expect(q[0].i).toBe(events[5].i);
    expect(q[999].i).toBe(events[1004].i);
  });

  it('drops events older than 7 days', () => {
    const store = fakeStorage();
    enqueue(store, item({ c: T0 - MAX_AGE_MS }), T0);
    enqueue(store, item({ c: T0 - MAX_AGE_MS + 1, n: 'young' }), T0);
    expect(readQueue(store, T0).map((e) => e.n)).toEqual(['young']);
  });

  it('survives whatever else is stored under its key', () => {
    for (const stored of ['{broken', 'null', '{}', '"text"', '5', '[null, 3, {"c": "x"}, {}]']) {
      const store = fakeStorage();
      store.setItem(QUEUE_KEY, stored);
      expect(readQueue(store, T0)).toEqual([]);
      const e = item();
      enqueue(store, e, T0);
      expect(readQueue(store, T0)).toEqual([e]);
    }
  });

  it('removes sent events by id and keeps the ones queued meanwhile', () => {
    const store = fakeStorage();
    const [a, b, c] = [item(), item(), item()];
    for (const e of [a, b]) enqueue(store, e, T0);
    const sent = readQueue(store, T0).map((e) => e.i);
    enqueue(store, c, T0); // another tab, while the batch was in flight
    removeEvents(store, sent, T0);
    expect(readQueue(store, T0)).toEqual([c]);
  });

  it('falls back to a memory store with the same behaviour', () => {
    const store = memoryStore();
    const e = item();
    enqueue(store, e, T0);
    expect(readQueue(store, T0)).toEqual([e]);
    expect(store.getItem('missing')).toBeFalsy();
  });
});

describe('nextBatch', () => {
  it('takes at most 50 events, oldest first', () => {
    const q = Array.from({ length: 120 }, () => item());
    const batch = nextBatch(q);
    expect(batch).toHaveLength(LIMITS.snippetEvents);
    expect(batch).toEqual(q.slice(0, 50));
  });

  it('stays within 60 KB counting UTF-8 bytes, not characters', () => {
    vi.stubGlobal('navigator', {});
    // 1,000 three-byte characters: ~3 KB each, so about 20 fit.
    const q = Array.from({ length: 50 }, () => item({ h: '€'.repeat(1000) }));
    const batch = nextBatch(q);
    const bytes = new Blob([batchBody('pk_test', batch, T0)]).size;
    expect(batch.length).toBeGreaterThan(15);
    expect(batch.length).toBeLessThan(21);
    expect(bytes).toBeLessThanOrEqual(BATCH_BYTES + 200);
    expect(bytes).toBeLessThan(LIMITS.snippetBodyBytes);
  });

  it('passes over an event too big for any batch instead of blocking the queue', () => {
    const huge = item({ p: { blob: 'x'.repeat(BATCH_BYTES) } });
    const [a, b] = [item(), item()];
    expect(nextBatch([huge, a, b])).toEqual([a, b]);
  });

  it('groups events made under the same visitor id as the first, in order', () => {
    const q = [item({ V: 'visitor_A_0123' }), item(), item({ V: 'visitor_A_0123' }), item({ V: 'visitor_B_0123' })];
    expect(nextBatch(q)).toEqual([q[0], q[2]]);
    expect(nextBatch(q.slice(1))).toEqual([q[1]]);
  });

  it('is empty for an empty queue', () => {
    expect(nextBatch([])).toEqual([]);
  });
});

describe('batchBody', () => {
  it('is the wire batch: key, visitor id of the events, sent-at, events without bookkeeping', () => {
    vi.stubGlobal('navigator', { webdriver: false });
    const batch = [item({ V: 'visitor_A_0123' }), item({ V: 'visitor_A_0123' })];
    const body = JSON.parse(batchBody('pk_test', batch, T0 + 5));
    expect(body).toEqual({ k: 'pk_test', v: 'visitor_A_0123', t: T0 + 5, e: batch.map(({ V, ...e }) => e) });
  });

  it('has no v for events made without consent, and b:1 under automation', () => {
    vi.stubGlobal('navigator', { webdriver: true });
    const body = JSON.parse(batchBody('pk_test', [item()], T0));
    expect(body).not.toHaveProperty('v');
    expect(body.b).toBe(1);
  });
});

describe('lockedOut', () => {
  const A = 'tab_A_0123456789';
  const B = 'tab_B_0123456789';

  it('lets one tab send at a time until its lease ends', () => {
    const store = fakeStorage();
    expect(lockedOut(store, A, T0, LEASE_MS)).toBeFalsy();
    expect(JSON.parse(store.data.get(LOCK_KEY)!)).toEqual({ i: A, x: T0 + LEASE_MS });
    expect(lockedOut(store, B, T0 + 1, LEASE_MS)).toBeTruthy();
    expect(lockedOut(store, B, T0 + LEASE_MS - 1, LEASE_MS)).toBeTruthy();
    // A tab that closed without releasing blocks the others for one lease at most.
    expect(lockedOut(store, B, T0 + LEASE_MS, LEASE_MS)).toBeFalsy();
    expect(lockedOut(store, A, T0 + LEASE_MS + 1, LEASE_MS)).toBeTruthy();
  });

  it('is renewed by its holder and released with a zero lease', () => {
    const store = fakeStorage();
    lockedOut(store, A, T0, LEASE_MS);
    expect(lockedOut(store, A, T0 + 9000, LEASE_MS)).toBeFalsy();
    expect(lockedOut(store, B, T0 + 15_000, LEASE_MS)).toBeTruthy();
    lockedOut(store, A, T0 + 15_000, 0);
    expect(lockedOut(store, B, T0 + 15_000, LEASE_MS)).toBeFalsy();
  });

  it('is held through a backoff so that other tabs wait too', () => {
    const store = fakeStorage();
    lockedOut(store, A, T0, 60_000 + LEASE_MS);
    expect(lockedOut(store, B, T0 + 60_000, LEASE_MS)).toBeTruthy();
  });

  it('treats a corrupt lock as free', () => {
    const store = fakeStorage();
    store.setItem(LOCK_KEY, '{oops');
    expect(lockedOut(store, A, T0, LEASE_MS)).toBeFalsy();
  });
});

describe('retries', () => {
  it('retries network errors, 408, 429 and 5xx; drops other statuses', () => {
    for (const status of [0, 408, 429, 500, 502, 503, 504]) expect(retryable(status), String(status)).toBe(true);
    for (const status of [200, 202, 204, 400, 401, 403, 404, 405, 413, 415, 422]) expect(retryable(status), String(status)).toBe(false);
  });

  it('backs off exponentially from 1 s with ±50 % jitter, capped near 5 minutes', () => {
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0);
    expect([0, 1, 2, 3].map((n) => retryDelay(n, null))).toEqual([500, 1000, 2000, 4000]);
    random.mockReturnValue(0.999999);
    expect(retryDelay(0, null)).toBeCloseTo(1500, 0);
    expect(retryDelay(20, null)).toBeCloseTo(450_000, -1);
    random.mockReturnValue(0.5);
    expect(retryDelay(30, undefined)).toBe(300_000);
  });

  it('honours Retry-After seconds, and ignores a date or junk', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(retryDelay(0, '60')).toBe(60_000);
    expect(retryDelay(3, '2')).toBe(2000);
    expect(retryDelay(1, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(2000);
    expect(retryDelay(1, '0')).toBe(2000);
  });
});
