// The snippet's loader: reads its script tag's data-*, wires page views, forms and sending, replays tl.q.
import type { WireEvent } from '../../schemas/wire';
import { captureForm } from './forms';
import { newId } from './id';
import { enqueue, memoryStore, QUEUE_KEY, writeJson, type Store } from './queue';
import { session, SESSION_MINUTES_KEY, visitorId } from './session';
import { kick, send, startTransport } from './transport';

type Tl = ((...args: any[]) => void) & { q?: ArrayLike<any>[]; l?: 1 };

const win = window as unknown as { tl?: Tl };
const doc = document;
const loc = location;
// Set while a classic script (async included) first runs, which is when this line runs.
const script = doc.currentScript as HTMLScriptElement | null;
const data = script?.dataset;
const key = data?.site;

/** Every entry point the host page can reach goes through this: the snippet never throws into it. */
const safe =
  <A extends any[]>(fn: (...args: A) => unknown) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {}
  };

/** A string within a wire limit, or undefined for null and undefined. */
const text = (v: unknown) => (v == null ? undefined : ('' + v).slice(0, 1024));

// Without a key there is nowhere to send; a second copy of the snippet leaves the first in charge.
if (key && !win.tl?.l) safe(() => {
  const memory = memoryStore();
  let store: Store = memory;
  try {
    // Throws where storage is blocked (cookies disabled, sandboxed frames). Browsers whose private
    // mode refused writes (Safari before 11) cannot parse this bundle anyway.
    store = localStorage;
  } catch {}
  // data-api is an endpoint base ("https://t.example.com", "https://example.com/tl/"); /e goes after it.
  startTransport(store, (data.api || new URL(script!.src).origin).replace(/\/?$/, '/e'), key);

  const anonymous = () => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl || store.getItem('tl_c') == '0';
  const visitor = () => visitorId(store, doc, anonymous());

  /** Builds an event, writes it to the queue synchronously and schedules a send. */
  const record = (y: WireEvent['y'], fields: Partial<WireEvent>, page?: unknown) => {
    const now = Date.now();
    const anon = anonymous();
    // Without consent the session lives in this page's memory only.
    // Idle timeout: the site's session_minutes as the Worker last sent it, else the default 30.
    const idleMs = (+store.getItem(SESSION_MINUTES_KEY)! || 30) * 6e4;
    const [s, l] = session(anon ? memory : store, now, idleMs, page);
    const e = { i: newId(), y, c: now, s, l, u: loc.href.slice(0, 2048), ...fields, V: visitor() };
    if (anon) e.m = e.o = undefined;
    enqueue(store, e, now);
    kick();
  };

  let lastUrl: string | undefined;
  const page = safe(() => {
    const url = loc.href.split('#')[0];
    const ref = doc.referrer;
    const external = ref && ref.split('/')[2] != loc.host;
    // An unchanged URL (a replaceState for scroll state, a second tl('page')) is not a new view.
    if (url != lastUrl) {
      // The referrer belongs to the page load, not to the SPA navigations after it; and a
      // consent-less session lasts one page load, so there an internal page load is not a landing.
      record('page', { h: text(doc.title), r: lastUrl == null && external ? ref.slice(0, 2048) : undefined }, !anonymous() || !ref || external);
      lastUrl = url;
    }
  });

  const tl: Tl = safe((command: unknown, a?: any, b?: any) => {
    if (command == 'page') page();
    if (command == 'identify' && a?.email && !anonymous()) record('identify', { m: text(a.email), o: text(a.company) });
    // Properties go as given: the Worker refuses (and reports) an event whose properties are not flat.
    if (command == 'track' && a != null) record('track', { n: text(a), p: b });
    // The choice is kept for later pages; the ids go (or come back) at once. A refusal also drops
    // what is still queued: those events carry the visitor id, session and email given with consent.
    if (command == 'consent') {
      store.setItem('tl_c', a ? '1' : '0');
      visitor();
      if (!a) writeJson(store, QUEUE_KEY, []);
    }
    if (command == 'flush') send();
  });
  tl.l = 1;

  const hist = history;
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = hist[name];
    hist[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      // The router's own call is not ours to guard; only the page view after it is.
      const result = original.apply(this, args);
      page();
      return result;
    };
  }
  // (These handlers cannot throw: page and send guard themselves.)
  addEventListener('popstate', page);
  // A back-forward cache restore is a new view of the same URL.
  addEventListener('pageshow', (e) => e.persisted && ((lastUrl = ''), page()));
  addEventListener('pagehide', () => send(1));
  // document.hidden is visibilityState == 'hidden', in fewer bytes.
  doc.addEventListener('visibilitychange', () => doc.hidden && send(1));
  doc.addEventListener(
    'submit',
    safe((e: SubmitEvent) => {
      const fields = captureForm(e.target as HTMLFormElement);
      // Queued before the browser navigates away, then sent at once rather than on the next tick.
      if (fields) record('form', fields), send();
    }),
    true,
  );

  for (const args of win.tl?.q || []) tl.apply(0, args as any);
  win.tl = tl;
  page();
})();
