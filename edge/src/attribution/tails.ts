// Keeps every key's non-converting journey stored (db/tails.ts) for the data-driven fit: all keys
// when none are stored yet (a new site, a change of window or of channel rules), else only the keys
// marked since the last fit. A key's row is computed from its touches from its last window on, so a
// fit never reads a key's whole history.
import { formatAkey, parseAkey } from '../../../schemas/akey';
import { DAY_MS, encodeJourney } from '../../../schemas/credit';
import { keySources, latestTouchStatements } from '../db/fits';
import type { D1Meter } from '../db/meter';
import type { Site } from '../db/sites';
import { clearTails, markTailsComplete, readDirtyTails, readTailsAt, writeTails, type TailRow } from '../db/tails';
import { loadJourneyTouches, loadLoneVisitorPage } from './load';
import { byTimeThenId, FIT_LOOKBACK_MS, firstFrom, type JourneyTouch } from './models/journeys';

/** Keys per touch load (two round trips each: their latest touches, then their last windows). */
const KEYS_PER_CHUNK = 1000;
/** Lone visitors per page of their walk (one round trip each). */
const VISITORS_PER_PAGE = 5000;
/** A key's touches are read up to its latest, whenever that is (a fit takes touches as they are). */
const NO_END = Number.MAX_SAFE_INTEGER;

/** Every conversion's time by key and stage, sorted (what a key's journeys start after). */
export type KeyConversions = ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;

/**
 * One key's stored tail from its touches (any order; at least those from its latest touch − window
 * on): the channels within the window before its latest touch, and per stage with conversions how
 * many of them are at or before the latest conversion of that stage. Null without touches.
 */
export function tailRow(akey: string, touches: readonly JourneyTouch[], conversions: ReadonlyMap<string, readonly number[]> | undefined, windowMs: number): TailRow | null {
  if (!touches.length) return null;
  const sorted = [...touches].sort(byTimeThenId);
  const times = sorted.map((t) => t.at);
  const latest = times[times.length - 1];
  const start = firstFrom(times, latest - windowMs);
  let cuts: Record<string, number> | null = null;
  for (const [stage, list] of conversions ?? []) {
    // Strictly after: a touch at the conversion's own instant is in its window, so it has converted.
    const cut = firstFrom(times, list[list.length - 1], true) - start;
    if (cut > 0) (cuts ??= {})[stage] = cut;
  }
  return { akey, latest, journey: encodeJourney(sorted.slice(start).map((t) => t.channel)), cuts: cuts && JSON.stringify(cuts) };
}

/**
 * Brings the stored tails up to date for a fit at `fittedAt` (keys last touched before its year only
 * need a row with their latest touch, which keeps them out). Returns how many keys were computed.
 */
export async function refreshTails(meter: D1Meter, site: Site, conversions: KeyConversions, fittedAt: number): Promise<number> {
  const db = meter.db;
  const windowMs = site.settings.window_days * DAY_MS;
  const yearFrom = fittedAt - FIT_LOOKBACK_MS;
  const [state] = await meter.all<{ tails_at: number | null }>(readTailsAt(db, site.id));
  const all = !state?.tails_at;
  let computed = 0;

  /** Loads some keys' last windows and writes their rows (their marks taken off as read). */
  const refresh = async (keys: string[], marks: ReadonlyMap<string, number>) => {
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
    // From (a lower bound of the key's latest touch − window) on: all of its last window, and little
    // more. Without a bound (lone visitors, accounts without touches of their own), the fit's year.
    const ranges = new Map<string, { from: number; to: number }>();
    const personalKeys = new Set(personal.map((k) => k.akey));
    for (const akey of keys) {
      // A contact that joined an account has no personal key any more: nothing to load, no row.
      if (personalKeys.has(akey) && !latest.has(akey)) continue;
      ranges.set(akey, { from: Math.max(latest.get(akey) ?? -Infinity, yearFrom) - windowMs, to: NO_END });
    }
    const touches = await loadJourneyTouches(meter, site.id, ranges);
    await write(keys.map((akey) => [akey, touches.get(akey) ?? []]), marks);
  };
  const write = async (keyed: [string, readonly JourneyTouch[]][], marks: ReadonlyMap<string, number>) => {
    const rows: TailRow[] = [];
    const emptied: string[] = [];
    for (const [akey, touches] of keyed) {
      const row = tailRow(akey, touches, conversions.get(akey), windowMs);
      if (row) rows.push(row);
      else emptied.push(akey);
    }
    computed += keyed.length;
    await meter.batch(writeTails(db, site.id, rows, all ? [] : emptied, marks));
  };

  if (all) {
    // Marks made from here on are kept: the keys they name are computed again at the next fit.
    await meter.batch(clearTails(db, site.id));
    const sources = keySources(db, site.id);
    const [accounts, personal] = await meter.batch<{ id: string }>([sources.accounts, sources.personal]);
    const keys = [
      ...accounts.results.map((r) => formatAkey({ kind: 'account', domain: r.id })),
      ...personal.results.map((r) => formatAkey({ kind: 'personal', contactId: r.id })),
    ];
    for (let i = 0; i < keys.length; i += KEYS_PER_CHUNK) await refresh(keys.slice(i, i + KEYS_PER_CHUNK), new Map());
    for (let after: string | null = ''; after !== null; ) {
      const page = await loadLoneVisitorPage(meter, site.id, after, { from: yearFrom - windowMs, to: NO_END }, VISITORS_PER_PAGE);
      await write([...page.touches], new Map());
      after = page.next;
    }
    await meter.batch([markTailsComplete(db, site.id, fittedAt)]);
    return computed;
  }
  for (let after: string | null = ''; after !== null; ) {
    const dirty: { akey: string; marked_at: number }[] = await meter.all<{ akey: string; marked_at: number }>(readDirtyTails(db, site.id, after, KEYS_PER_CHUNK));
    if (dirty.length) await refresh(dirty.map((d) => d.akey), new Map(dirty.map((d) => [d.akey, d.marked_at])));
    after = dirty.length < KEYS_PER_CHUNK ? null : dirty[dirty.length - 1].akey;
  }
  return computed;
}
