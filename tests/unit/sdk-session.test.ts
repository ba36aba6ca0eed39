// Snippet ids, sessions and the visitor id, as pure functions over an in-memory Storage and a given clock.
import { describe, expect, it } from 'vitest';
import { newId } from '../../sdk/src/id';
import { MAX_SESSION_MS, SESSION_KEY, VISITOR_KEY, session, visitorId } from '../../sdk/src/session';
import { EVENT_ID_PATTERN } from '../../schemas/limits';

/** localStorage's semantics (null for a missing key), which the snippet's own fallback does not share. */
const fakeStorage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), data: m };
};

/** document.cookie: reads the jar, each write sets or (max-age=0) deletes one cookie. */
const fakeDocument = (initial: Record<string, string> = {}) => {
  const jar = new Map(Object.entries(initial));
  const writes: string[] = [];
  return {
    writes,
    get cookie() {
      return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    set cookie(line: string) {
      writes.push(line);
      const [pair, ...attrs] = line.split(';');
      const [name, value] = pair.split('=');
      if (attrs.some((a) => a.trim() === 'max-age=0')) jar.delete(name);
      else jar.set(name, value);
    },
  };
};

const MIN = 60_000;
const IDLE = 30 * MIN;
const T0 = Date.UTC(2025, 0, 6, 9);

describe('newId', () => {
  it('makes 21 characters of [A-Za-z0-9_], valid wire ids', () => {
    for (let n = 0; n < 200; n++) {
      const id = newId();
      expect(id).toMatch(/^\w{21}$/);
      expect(id).toMatch(EVENT_ID_PATTERN);
    }
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 20_000 }, newId));
    expect(ids.size).toBe(20_000);
  });

  it('uses the whole alphabet: 62 letters and digits, and _ for base64\'s + and /', () => {
    const seen = new Set(Array.from({ length: 2_000 }, newId).join(''));
    expect(seen.size).toBe(63);
  });
});

describe('session', () => {
  it('starts a session whose first page view is the landing', () => {
    const store = fakeStorage();
    const [id, landing] = session(store, T0, IDLE, true);
    expect(id).toMatch(EVENT_ID_PATTERN);
    expect(landing).toBe(1);
    expect(JSON.parse(store.data.get(SESSION_KEY)!)).toEqual({ i: id, s: T0, a: T0, p: 1 });
  });

  it('keeps the session while active, with one landing only', () => {
    const store = fakeStorage();
    const [id] = session(store, T0, IDLE, true);
    expect(session(store, T0 + 10 * MIN, IDLE, true)).toEqual([id, undefined]);
    expect(session(store, T0 + 39 * MIN, IDLE)).toEqual([id, undefined]);
    expect(JSON.parse(store.data.get(SESSION_KEY)!).a).toBe(T0 + 39 * MIN);
  });

  it('makes the first page view the landing even when another event started the session', () => {
    const store = fakeStorage();
    const [id, landing] = session(store, T0, IDLE);
    expect(landing).toBeUndefined();
    expect(session(store, T0 + 1000, IDLE, true)).toEqual([id, 1]);
  });

  it('ends after the idle time, not at it', () => {
    const store = fakeStorage();
    const [id] = session(store, T0, IDLE, true);
    expect(session(store, T0 + IDLE, IDLE)[0]).toBe(id);
    const [next, landing] = session(store, T0 + 2 * IDLE + 1, IDLE, true);
    expect(next).not.toBe(id);
    expect(landing).toBe(1);
  });

  it('honours a shorter idle time (the site\'s session_minutes)', () => {
    const store = fakeStorage();
    const [id] = session(store, T0, 5 * MIN);
    expect(session(store, T0 + 6 * MIN, 5 * MIN)[0]).not.toBe(id);
  });

  it('ends after 24 hours however active', () => {
    const store = fakeStorage();
    const [id] = session(store, T0, IDLE, true);
    let t = T0;
    while (t + 20 * MIN < T0 + MAX_SESSION_MS) {
      t += 20 * MIN;
      expect(session(store, t, IDLE)[0]).toBe(id);
    }
    const [next, landing] = session(store, T0 + MAX_SESSION_MS, IDLE, true);
    expect(next).not.toBe(id);
    expect(landing).toBe(1);
  });

  it('is shared by every tab using the same storage', () => {
    const store = fakeStorage();
    const [id] = session(store, T0, IDLE, true);
    // Another tab, a minute later: same storage, same session, and not a second landing.
    expect(session(store, T0 + MIN, IDLE, true)).toEqual([id, undefined]);
  });

  it('starts over from a corrupt, blanked or foreign record', () => {
    for (const stored of ['{nope', '', 'null', '42', '"x"', '{"i":"abcdefgh"}', '{"i":"abcdefgh","s":"x","a":1}']) {
      const store = fakeStorage();
      store.setItem(SESSION_KEY, stored);
      const [id, landing] = session(store, T0, IDLE, true);
      expect(id).toMatch(/^\w{21}$/);
      expect(landing).toBe(1);
    }
  });
});

describe('visitorId', () => {
  it('takes the cookie first and mirrors it into localStorage without writing the cookie', () => {
    const store = fakeStorage();
    store.setItem(VISITOR_KEY, 'from_storage_0123456');
    const doc = fakeDocument({ other: '1', tl_vid: 'from_cookie_01234567' });
    expect(visitorId(store, doc, false)).toBe('from_cookie_01234567');
    expect(store.getItem(VISITOR_KEY)).toBe('from_cookie_01234567');
    expect(doc.writes).toEqual([]);
  });

  it('falls back to the localStorage copy when the cookie is gone (Safari expiry, cleared cookies)', () => {
    const store = fakeStorage();
    store.setItem(VISITOR_KEY, 'from_storage_0123456');
    expect(visitorId(store, fakeDocument(), false)).toBe('from_storage_0123456');
  });

  it('ignores a cookie value that is not a valid id', () => {
    const store = fakeStorage();
    store.setItem(VISITOR_KEY, 'from_storage_0123456');
    expect(visitorId(store, fakeDocument({ tl_vid: 'short' }), false)).toBe('from_storage_0123456');
    expect(visitorId(store, fakeDocument({ xtl_vid: 'abcdefghijk' }), false)).toBe('from_storage_0123456');
  });

  it('ignores a stored copy that is not a valid id', () => {
    for (const stored of ['', 'short', 'has spaces in it', 'null']) {
      const store = fakeStorage();
      store.setItem(VISITOR_KEY, stored);
      expect(visitorId(store, fakeDocument(), false)).toMatch(/^[A-Za-z0-9_-]{21}$/);
    }
  });

  it('makes a new id once and keeps it', () => {
    const store = fakeStorage();
    const doc = fakeDocument();
    const id = visitorId(store, doc, false)!;
    expect(id).toMatch(EVENT_ID_PATTERN);
    expect(visitorId(store, doc, false)).toBe(id);
  });

  it('without consent deletes the cookie, the copy and the stored session, and gives no id', () => {
    const store = fakeStorage();
    store.setItem(VISITOR_KEY, 'from_storage_0123456');
    session(store, T0, IDLE, true);
    const doc = fakeDocument({ tl_vid: 'from_cookie_01234567' });
    expect(visitorId(store, doc, true)).toBeUndefined();
    expect(doc.cookie).not.toContain('tl_vid');
    expect(doc.writes).toEqual(['tl_vid=;max-age=0;path=/']);
    expect(store.getItem(VISITOR_KEY)).toBe('');
    expect(store.getItem(SESSION_KEY)).toBe('');
    // Consent given again: a fresh id, unrelated to the deleted one.
    const next = visitorId(store, doc, false);
    expect(next).toMatch(EVENT_ID_PATTERN);
    expect(next).not.toBe('from_storage_0123456');
  });
});
