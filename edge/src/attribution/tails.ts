// Keeps every key's non-converting journey stored (db/tails.ts) for the data-driven fit: the keys
// marked since the last fit, and after a full scan (a new site, a change of settings) also every key
// without a row (the credit chunks of a full recompute write their keys' rows). A key's row is
// computed from its touches from its last window on, so a fit never reads a key's whole history.
import { formatAkey, parseAkey } from '../../../schemas/akey';
import { DAY_MS, type TailRow } from '../../../schemas/credit';
import { keysWithoutTails, latestTouchStatements } from '../db/fits';
import type { D1Meter } from '../db/meter';
import type { Site } from '../db/sites';
import { markTailsComplete, NO_TOUCH_CHANGED, readDirtyTails, readTailsAt, writeTails } from '../db/tails';
import { loadJourneyTouches, loadLoneVisitorPage } from './load';
import { mergedTail, NO_END, tailRow, type DirtyTail, type KeyConversions } from './tail-rows';
import { FIT_LOOKBACK_MS, type JourneyTouch } from './models/journeys';

/** Keys per touch load (two round trips each: their latest touches, then their last windows). */
const KEYS_PER_CHUNK = 1000;
/** Lone visitors per page of their walk (one round trip each). */
const VISITORS_PER_PAGE = 5000;

/**
 * Brings the stored tails up to date for a fit at `fittedAt` (keys last touched before its year only
 * need a row with their latest touch, which keeps them out).
 */
export async function refreshTails(meter: D1Meter, site: Site, conversions: KeyConversions, fittedAt: number): Promise<void> {
  const db = meter.db;
  const windowMs = site.settings.window_days * DAY_MS;
  const yearFrom = fittedAt - FIT_LOOKBACK_MS;
  const [state] = await meter.all<{ tails_at: number | null }>(readTailsAt(db, site.id));
  const all = !state?.tails_at;

  /**
   * Ranges that hold each key's last window whole: from (a lower bound of its latest touch − window)
   * on, or without a bound (lone visitors, accounts without touches of their own) from the fit's year
   * on. A contact that joined an account has no personal key any more: it gets no range, and no row.
   */
  const wholeRanges = async (keys: readonly string[]) => {
    const accounts: { akey: string; id: string }[] = [];
    const personal: { akey: string; id: string }[] = [];
    for (const akey of keys) {
      const p = parseAkey(akey);
      if (p.kind === 'account') accounts.push({ akey, id: p.domain });
      else if (p.kind === 'personal') personal.push({ akey, id: p.contactId });
    }
    const latest = new Map<string, number | null>();
    if (accounts.length || personal.length) {
      for (const r of await meter.batch<{ akey: string; latest: number | null }>(latestTouchStatements(db, site.id, { accounts, personal }, NO_END))) {
        for (const row of r.results) latest.set(row.akey, row.latest);
      }
    }
    const personalKeys = new Set(personal.map((k) => k.akey));
    const ranges = new Map<string, { from: number; to: number }>();
    for (const akey of keys) {
      if (personalKeys.has(akey) && !latest.has(akey)) continue;
      ranges.set(akey, { from: Math.max(latest.get(akey) ?? -Infinity, yearFrom) - windowMs, to: NO_END });
    }
    return ranges;
  };

  /**
   * Computes some keys' rows and writes them, taking off the marks read (`dirty`; none for the keys
   * without a row after a full scan). A marked key with a stored row reads only its touches since the
   * mark and keeps the rest (mergedTail), or reads none when only its conversions changed; any other
   * key reads its last window whole.
   */
  const refresh = async (keys: readonly string[], dirty: ReadonlyMap<string, DirtyTail>) => {
    const rows: TailRow[] = [];
    const emptied: string[] = [];
    const add = (akey: string, row: TailRow | null) => (row ? rows.push(row) : emptied.push(akey));
    const partial = new Map<string, { from: number; to: number }>();
    const whole: string[] = [];
    for (const akey of keys) {
      const d = dirty.get(akey);
      const row = d && d.since >= NO_TOUCH_CHANGED ? mergedTail(d, [], conversions.get(akey), windowMs) : undefined;
      if (row !== undefined) add(akey, row);
      else if (d && d.latest !== null && d.since >= d.latest - windowMs) partial.set(akey, { from: d.since, to: NO_END });
      else whole.push(akey);
    }
    let ranges = await wholeRanges(whole);
    for (const akey of whole) if (!ranges.has(akey)) emptied.push(akey);
    let touches = await loadJourneyTouches(meter, site.id, new Map([...partial, ...ranges]));
    for (const akey of ranges.keys()) add(akey, tailRow(akey, touches.get(akey) ?? [], conversions.get(akey), windowMs));
    const again: string[] = [];
    for (const akey of partial.keys()) {
      const row = mergedTail(dirty.get(akey)!, touches.get(akey) ?? [], conversions.get(akey), windowMs);
      // The stored row cannot serve after all (touches left the key): its last window, whole.
      if (row === undefined) again.push(akey);
      else add(akey, row);
    }
    if (again.length) {
      ranges = await wholeRanges(again);
      touches = await loadJourneyTouches(meter, site.id, ranges);
      for (const akey of again) add(akey, ranges.has(akey) ? tailRow(akey, touches.get(akey) ?? [], conversions.get(akey), windowMs) : null);
    }
    await meter.batch(writeTails(db, site.id, rows, emptied, new Map([...dirty].map(([akey, d]) => [akey, d.marked_at]))));
  };
  const write = async (keyed: [string, readonly JourneyTouch[]][]) => {
    const rows: TailRow[] = [];
    for (const [akey, touches] of keyed) {
      const row = tailRow(akey, touches, conversions.get(akey), windowMs);
      if (row) rows.push(row);
    }
    await meter.batch(writeTails(db, site.id, rows, [], new Map()));
  };

  for (let after: string | null = ''; after !== null; ) {
    const dirty: DirtyTail[] = await meter.all<DirtyTail>(readDirtyTails(db, site.id, after, KEYS_PER_CHUNK));
    if (dirty.length) await refresh(dirty.map((d) => d.akey), new Map(dirty.map((d) => [d.akey, d])));
    after = dirty.length < KEYS_PER_CHUNK ? null : dirty[dirty.length - 1].akey;
  }
  if (!all) return;
  // Since the full scan cleared every row, each row written is exact as of its read, and a change
  // since marked its key (done above): what is left are the keys without a row, and lone visitors.
  const sources = keysWithoutTails(db, site.id);
  const [accounts, personal] = await meter.batch<{ id: string }>([sources.accounts, sources.personal]);
  const keys = [
    ...accounts.results.map((r) => formatAkey({ kind: 'account', domain: r.id })),
    ...personal.results.map((r) => formatAkey({ kind: 'personal', contactId: r.id })),
  ];
  for (let i = 0; i < keys.length; i += KEYS_PER_CHUNK) await refresh(keys.slice(i, i + KEYS_PER_CHUNK), new Map());
  for (let after: string | null = ''; after !== null; ) {
    const page = await loadLoneVisitorPage(meter, site.id, after, { from: yearFrom - windowMs, to: NO_END }, VISITORS_PER_PAGE);
    await write([...page.touches]);
    after = page.next;
  }
  await meter.batch([markTailsComplete(db, site.id, fittedAt)]);
}
