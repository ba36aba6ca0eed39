// What the funnel tallies of each key, packed per first stage and UTC month (schemas/funnel-months.ts):
// a key's entries, the months a change of its record or first touch moves, and a month's rows (pure).
import { NO_TOUCH, reportedAccount } from '../../../schemas/akey';
import { GROUP_BY, NOT_SET, type TouchFields } from '../../../schemas/dimensions';
import { monthOfMs, type FunnelMonth, type FunnelMonthGroups, type FunnelMonthStages } from '../../../schemas/funnel-months';
import { funnelTimes, type KeyFunnelRecord } from '../../../schemas/key-funnel';

/** A key's first touch as stored (db/first-touch.ts): its time and the fields a funnel groups by. */
type FirstTouch = TouchFields & { occurred_at: number };

/** What a month is built from: a key's stored record (db/key-funnel.ts) and first touch. */
export interface FunnelKeySource {
  akey: string;
  /** JSON text of the record. */
  stages: string;
  /** The first touch, null when the key has none. */
  first: FirstTouch | null;
}

/** One key in the row of one first stage: t0, the other stages' times from t0, its group per dimension (GROUP_BY order). */
export interface FunnelEntry {
  akey: string;
  t0: number;
  after: Map<string, number>;
  groups: string[];
}

export const monthId = (m: FunnelMonth): string => `${m.stage}\u0000${m.month}`;

/** The key's entry for every stage it has, as the first stage of a funnel (CONTRACT §10). */
export function funnelEntries(source: FunnelKeySource): Map<string, FunnelEntry> {
  const record = JSON.parse(source.stages) as KeyFunnelRecord;
  const out = new Map<string, FunnelEntry>();
  for (const stage of Object.keys(record)) {
    const at = funnelTimes(record, stage)!;
    const t0 = at[stage];
    const after = new Map<string, number>();
    for (const [other, time] of Object.entries(at)) if (other !== stage) after.set(other, time - t0);
    // Grouped by the key's first touch at or before t0.
    const noTouch = source.first === null || source.first.occurred_at > t0;
    const groups = GROUP_BY.map((dim) => {
      if (noTouch) return NO_TOUCH;
      return dim === 'account' ? reportedAccount(source.akey) : (source.first![dim] ?? NOT_SET);
    });
    out.set(stage, { akey: source.akey, t0, after, groups });
  }
  return out;
}

const entryText = (e: FunnelEntry) => JSON.stringify([e.t0, [...e.after].sort(([a], [b]) => (a < b ? -1 : 1)), e.groups]);

/**
 * The months whose rows change when a key goes from `before` to `now` (either may be null: no record):
 * for each first stage whose entry differs, the month it left and the month it joined.
 */
export function movedMonths(before: FunnelKeySource | null, now: FunnelKeySource | null): FunnelMonth[] {
  const old = before ? funnelEntries(before) : new Map<string, FunnelEntry>();
  const fresh = now ? funnelEntries(now) : new Map<string, FunnelEntry>();
  const out = new Map<string, FunnelMonth>();
  for (const stage of new Set([...old.keys(), ...fresh.keys()])) {
    const a = old.get(stage);
    const b = fresh.get(stage);
    if (a && b && entryText(a) === entryText(b)) continue;
    for (const e of [a, b]) {
      if (!e) continue;
      const m = { stage, month: monthOfMs(e.t0) };
      out.set(monthId(m), m);
    }
  }
  return [...out.values()];
}

/** The months (first stage × month) whose rows the chunk's changes of records and first touches move. */
export function funnelMonthsMoved(
  akeys: Iterable<string>,
  stored: { records: ReadonlyMap<string, string>; first: ReadonlyMap<string, FirstTouch> },
  funnel: { writes: readonly { akey: string; stages: string }[]; removals: readonly string[] },
  firstWrites: readonly (FirstTouch & { akey: string })[],
  firstRemovals: readonly string[],
): FunnelMonth[] {
  const records = new Map<string, string | null>([...funnel.writes.map((w) => [w.akey, w.stages] as const), ...funnel.removals.map((a) => [a, null] as const)]);
  const firsts = new Map<string, FirstTouch | null>([...firstWrites.map((r) => [r.akey, r] as const), ...firstRemovals.map((a) => [a, null] as const)]);
  const source = (akey: string, stages: string | null | undefined, first: FirstTouch | null | undefined): FunnelKeySource | null =>
    stages == null ? null : { akey, stages, first: first ?? null };
  const out = new Map<string, FunnelMonth>();
  for (const akey of akeys) {
    const before = source(akey, stored.records.get(akey), stored.first.get(akey));
    const now = source(akey, records.has(akey) ? records.get(akey) : stored.records.get(akey), firsts.has(akey) ? firsts.get(akey) : stored.first.get(akey));
    for (const m of movedMonths(before, now)) out.set(monthId(m), m);
  }
  return [...out.values()];
}

/** A month row stays far below D1's 2 MB per row; a larger month is split between its keys. */
const MAX_PART_CHARS = 1_000_000;

/** One stored part as JSON text: its keys' t0s, their stages, their groups per dimension (GROUP_BY order). */
export interface FunnelMonthPart {
  t0s: string;
  stages: string;
  groups: string[];
}

/** The rows (parts, in order) of one first stage and month from its keys' entries; none when it has no key. */
export function funnelMonthParts(stage: string, entries: FunnelEntry[], maxChars = MAX_PART_CHARS): FunnelMonthPart[] {
  const sorted = [...entries].sort((a, b) => a.t0 - b.t0 || (a.akey < b.akey ? -1 : a.akey > b.akey ? 1 : 0));
  return splitParts(stage, sorted, maxChars);
}

/** Halves until each part fits: a month holds at most a few thousand keys, so this is a few encodings. */
function splitParts(stage: string, entries: FunnelEntry[], maxChars: number): FunnelMonthPart[] {
  if (!entries.length) return [];
  const part = encodePart(stage, entries);
  const chars = part.t0s.length + part.stages.length + part.groups.reduce((n, g) => n + g.length, 0);
  if (chars <= maxChars || entries.length === 1) return [part];
  const half = entries.length >> 1;
  return [...splitParts(stage, entries.slice(0, half), maxChars), ...splitParts(stage, entries.slice(half), maxChars)];
}

function encodePart(stage: string, entries: FunnelEntry[]): FunnelMonthPart {
  const stages = [...new Set(entries.flatMap((e) => [...e.after.keys()]))].filter((s) => s !== stage).sort();
  const t0s = entries.map((e, i) => (i ? e.t0 - entries[i - 1].t0 : e.t0));
  const columns: FunnelMonthStages = {};
  for (const other of stages) {
    const gaps: number[] = [];
    const ms: number[] = [];
    let previous = -1;
    entries.forEach((e, k) => {
      const after = e.after.get(other);
      if (after === undefined) return;
      gaps.push(k - previous);
      ms.push(after);
      previous = k;
    });
    columns[other] = [gaps, ms];
  }
  const groups = GROUP_BY.map((_, d) => {
    const index = new Map<string, number>();
    const i = entries.map((e) => {
      let at = index.get(e.groups[d]);
      if (at === undefined) index.set(e.groups[d], (at = index.size));
      return at;
    });
    return JSON.stringify({ v: [...index.keys()], i } satisfies FunnelMonthGroups);
  });
  return { t0s: JSON.stringify(t0s), stages: JSON.stringify(columns), groups };
}
