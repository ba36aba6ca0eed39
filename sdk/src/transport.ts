// Sends the queue to POST {api}/e: fetch(keepalive) while the page lives, sendBeacon as it is hidden.
import { newId } from './id';
import { lockedOut, nextBatch, readQueue, removeEvents, type Item, type Store } from './queue';
import { SESSION_MINUTES_KEY } from './session';

/** How long a tab's claim to send lasts; renewed before every batch. */
export const LEASE_MS = 1e4;
const MAX_BACKOFF_MS = 3e5;

/** Network errors (status 0), 408, 429 and 5xx are worth retrying; anything else will never succeed. */
export const retryable = (status: number): boolean => !status || status == 408 || status == 429 || status >= 500;

/**
 * The server's Retry-After when it gave one in seconds (~~ reads "120" as 120, a date or junk as 0),
 * else 1 s × 2^attempt capped at 5 min, with ±50 % jitter so that tabs and visitors spread out.
 */
export const retryDelay = (attempt: number, retryAfter: string | null | undefined): number =>
  1e3 * ~~retryAfter! || Math.min(MAX_BACKOFF_MS, 1e3 * 2 ** attempt) * (0.5 + Math.random());

/** The batch body; `V` is the queue's bookkeeping, not part of the wire. */
export const batchBody = (key: string, batch: Item[], now: number): string =>
  JSON.stringify({ k: key, v: batch[0]?.V, t: now, b: navigator.webdriver ? 1 : undefined, e: batch.map(({ V, ...e }) => e) });

// One sender per page; module state keeps the bundle small (the snippet is a single instance).
let store: Store;
let url: string;
let key: string;
let timer: ReturnType<typeof setTimeout> | undefined;
let busy: unknown;
let attempt = 0;
const tab = newId();

export const startTransport = (s: Store, endpoint: string, siteKey: string): void => {
  store = s;
  url = endpoint;
  key = siteKey;
};

const later = (ms: number) => {
  clearTimeout(timer);
  timer = setTimeout(send, ms);
};

/**
 * Sends the next batch, then the one after, until the queue is empty, another tab holds the lock or
 * a retry is due. With `hidden` the page may be going away: every batch goes by sendBeacon,
 * synchronously, whatever this tab has in flight, and the lock is freed for the next page or tab.
 * Only an answer that was read takes events off the queue: a beacon's never is, so what it carried
 * stays queued and goes again from the next page (the Worker answers it as duplicates).
 */
export const send = async (hidden?: unknown): Promise<unknown> => {
  if (!hidden) {
    // Whatever was scheduled happens now.
    clearTimeout(timer);
    timer = undefined;
    // One fetch at a time per tab: events queued meanwhile go out with the next batch.
    if (busy) return;
  }
  try {
    const now = Date.now();
    // Another tab is sending (or backing off) from the same queue: it will take these events too.
    if (lockedOut(store, tab, now, LEASE_MS)) return;
    let q = readQueue(store, now);
    let batch = nextBatch(q);
    // Beacons until the queue is covered or the browser refuses one.
    if (hidden) while (batch[0] && navigator.sendBeacon(url, batchBody(key, batch, now))) batch = nextBatch((q = q.filter((e) => !batch.includes(e))));
    // Nothing (more) to send, or a page going away: a zero lease frees the lock.
    if (hidden || !batch[0]) return lockedOut(store, tab, now, 0);
    busy = 1;
    let res: Response | undefined;
    try {
      res = await fetch(url, { method: 'POST', body: batchBody(key, batch, now), keepalive: true, credentials: 'include' });
      // Reading the answer ends the request, which frees the browser's 64 KB keepalive quota for the next batch.
      await res.text();
      // The site's session length setting, kept for the next events (session.ts: SESSION_MINUTES_KEY);
      // an answer without it (an error, a proxy that strips it) leaves the kept value alone.
      const minutes = res.headers.get('tl-session-minutes');
      if (minutes) store.setItem(SESSION_MINUTES_KEY, minutes);
    } catch {}
    busy = 0;
    if (retryable(res?.status!)) {
      const delay = retryDelay(attempt++, res?.headers.get('retry-after'));
      // Keep the lock through the wait so other tabs back off too.
      lockedOut(store, tab, Date.now(), delay + LEASE_MS);
      return later(delay);
    }
    // 2xx: accepted, duplicate and rejected events are all settled; other 4xx: never deliverable.
    attempt = 0;
    removeEvents(store, batch.map((e) => e.i), now);
    send();
  } catch {
    // Storage full or gone: the events wait in the queue for the next page.
  }
};

/** Soon, unless a retry is already scheduled: new events then wait for the backoff like the rest. */
export const kick = (): unknown => timer || later(0);
