// Date presets and the weekly buckets of the revenue trend. Dates are UTC ISO days, as the API takes them.

export interface Range {
  from: string;
  to: string;
}

export type Preset = '30d' | '90d' | 'quarter' | 'year' | 'custom';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (ms: number) => Math.floor(ms / DAY) * DAY;

/** The range a preset means on `now`: the last 30 or 90 days or 12 months (today included), or this calendar quarter so far. */
export function presetRange(preset: Exclude<Preset, 'custom'>, now: number): Range {
  const today = dayStart(now);
  if (preset === 'quarter') {
    const d = new Date(today);
    const start = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
    return { from: iso(start), to: iso(today) };
  }
  // The API allows 366 days per query: a year is the last 365 days, today included.
  const days = preset === '30d' ? 30 : preset === '90d' ? 90 : 365;
  return { from: iso(today - (days - 1) * DAY), to: iso(today) };
}

/** Seven-day buckets from `from`, the last one cut at `to`; each is one credit query. */
export function weeks(range: Range): Range[] {
  const out: Range[] = [];
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (let at = Date.parse(`${range.from}T00:00:00Z`); at <= end; at += 7 * DAY) {
    out.push({ from: iso(at), to: iso(Math.min(at + 6 * DAY, end)) });
  }
  return out;
}
