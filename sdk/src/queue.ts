// The unsent-event queue and the one-tab-sends lock, kept in localStorage so every tab shares them.
import type { WireEvent } from '../../schemas/wire';

/** The part of the Web Storage API the snippet uses; tests and blocked storage get an in-memory one. */
export type Store = Pick<Storage, 'getItem' | 'setItem'>;

/** A queued event remembers the visitor id it was made under: consent may change before it is sent. */
export type Item = WireEvent & { V?: string };

export const QUEUE_KEY = 'tl_q';
export const LOCK_KEY = 'tl_l';
export const MAX_EVENTS = 1000;
export const MAX_AGE_MS = 7 * 864e5;
export const BATCH_EVENTS = 50;
export const BATCH_BYTES = 60 * 1024;

/** Used where localStorage is blocked, and for the session of a visitor who withheld consent. */
export const memoryStore = (): Store => {
  const m: Record<string, string> = {};
  return {
    // undefined rather than null for a missing key: every reader treats both alike.
    getItem: (k) => m[k] as string,
    setItem: (k, v) => {
      m[k] = v;
    },
  };
};

/** Parsed JSON at key; undefined when missing or corrupt (another script may have written anything). */
export const readJson = (store: Store, key: string): any => {
  try {
    return JSON.parse(store.getItem(key)!);
  } catch {}
};

export const writeJson = (store: Store, key: string, value: unknown): void => store.setItem(key, JSON.stringify(value));

/** The queue without events past their age, the newest MAX_EVENTS at most. */
export const readQueue = (store: Store, now: number): Item[] =>
  // concat turns whatever is stored (array, object, null) into an array; `now - c < age` is false
  // for a missing or non-numeric c, which drops malformed entries too.
  [].concat(readJson(store, QUEUE_KEY)).filter((e: Item) => now - e?.c < MAX_AGE_MS).slice(-MAX_EVENTS);

/** Appends an event; past MAX_EVENTS the oldest go. */
export const enqueue = (store: Store, item: Item, now: number): void =>
  writeJson(store, QUEUE_KEY, [...readQueue(store, now), item].slice(-MAX_EVENTS));

/** Removes settled events by id; re-reads first because other tabs may have added some. */
export const removeEvents = (store: Store, ids: string[], now: number): void =>
  writeJson(store, QUEUE_KEY, readQueue(store, now).filter((e) => !ids.includes(e.i)));

/**
 * The next batch: of the 50 oldest events, those made under the same visitor id as the first (the
 * batch carries one id), in order, that fit in 60 KB. An event too big to ever fit (huge track
 * properties) is passed over rather than blocking the queue; it ages out with the rest.
 */
export const nextBatch = (q: Item[]): Item[] => {
  let room = BATCH_BYTES;
  return q.slice(0, BATCH_EVENTS).filter((e) => {
    const size = new Blob([JSON.stringify(e)]).size + 1;
    return e.V == q[0].V && size <= room && ((room -= size), true);
  });
};

/**
 * Takes or renews the send lock for `ms` (0 releases it). Returns true while another tab's lease
 * runs. Two tabs racing may both win; that only sends an event twice, which the Worker dedupes.
 */
export const lockedOut = (store: Store, tab: string, now: number, ms: number): unknown => {
  const lock = readJson(store, LOCK_KEY);
  return (lock?.x > now && lock.i != tab) || writeJson(store, LOCK_KEY, { i: tab, x: now + ms });
};
