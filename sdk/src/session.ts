// The anonymous visitor id (tl_vid cookie mirrored in localStorage) and the session shared across tabs.
import { newId } from './id';
import { readJson, writeJson, type Store } from './queue';

export const SESSION_KEY = 'tl_s';
/** The site's session_minutes as the Worker last answered it (TL-Session-Minutes on POST /e). */
export const SESSION_MINUTES_KEY = 'tl_m';
export const VISITOR_KEY = 'tl_vid';
/** A session never lasts longer than this, however active. */
export const MAX_SESSION_MS = 864e5;

/** Stored session: id, started at, last activity, and 1 once its landing page view was sent. */
export type Session = { i: string; s: number; a: number; p?: 1 };

/**
 * Records activity at `now` and returns [session id, whether this page view is the session's landing].
 * A new session starts after `idleMs` without activity or 24 h after the start; nothing else ends one
 * (a new campaign mid-session makes a new touch at the Worker, not a new session).
 */
export const session = (store: Store, now: number, idleMs: number, page?: unknown): [string, 1 | undefined] => {
  let x: Session = readJson(store, SESSION_KEY);
  // A negation, so that a corrupt record (NaN comparisons) starts a new session too.
  if (!(now - x?.a <= idleMs && now - x.s < MAX_SESSION_MS && x.i)) x = { i: newId(), s: now, a: now };
  const landing = page && !x.p ? (x.p = 1) : undefined;
  x.a = now;
  writeJson(store, SESSION_KEY, x);
  return [x.i, landing];
};

/**
 * The visitor id: the tl_vid cookie first, then its localStorage copy, else a new one. The cookie
 * itself is set by the Worker (Set-Cookie on /e, 1 year, SameSite=Lax, Secure on https): a
 * script-written cookie would fall under Safari's 7-day cap. Without consent the cookie, the copy
 * and the stored session are deleted ('' reads as missing) and there is no id.
 */
export const visitorId = (store: Store, doc: { cookie: string }, anonymous: unknown): string | undefined => {
  // One pattern reads both, cookie first: the stored copy is appended as if it were a later cookie.
  // An id that is not 8–64 of [A-Za-z0-9_-] would make the Worker refuse whole batches: never used.
  const id = anonymous ? '' : /\btl_vid=([\w-]{8,64})/.exec(`${doc.cookie};tl_vid=${store.getItem(VISITOR_KEY)}`)?.[1] || newId();
  store.setItem(VISITOR_KEY, id);
  if (!id) {
    doc.cookie = 'tl_vid=;max-age=0;path=/';
    store.setItem(SESSION_KEY, '');
  }
  return id || undefined;
};
