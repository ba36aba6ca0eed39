// GET /v1/funnel: the cohort of keys whose first conversion of the first stage falls in the range,
// grouped by their first touch, with how many reached each later stage, step rates, median days
// between stages and the win rate.
import { DAY_MS } from '../../../schemas/credit';
import type { GroupBy } from '../../../schemas/dimensions';
import { funnelStageAfter, funnelT0s, monthOfMs, type FunnelMonthGroups, type FunnelMonthStages } from '../../../schemas/funnel-months';
import { LIMITS } from '../../../schemas/limits';
import { FUNNEL_STAGES, type FunnelCells, type FunnelReport } from '../../../schemas/pipeline';
import { USUAL_STAGES } from '../../../schemas/query';
import { funnelMonthsRead } from '../db/funnel-months';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';
import { tooManyRows } from './credit-report';
import { definitionsChangedAtOf, definitionsRead } from './definitions';
import type { QueryRange } from './range';

export interface FunnelRequest {
  stages?: string[];
  dim: GroupBy;
  range: QueryRange;
}

const WON = 'closed_won';
const LOST = 'closed_lost';

/** Tallies of one row (or of the totals) while keys are added. */
class FunnelTally {
  readonly reached: number[];
  readonly days: number[][];
  won = 0;
  decided = 0;

  constructor(readonly stages: readonly string[]) {
    this.reached = stages.map(() => 0);
    this.days = stages.map(() => []);
  }

  /**
   * One cohort key: `at[i]` is its first-stage conversion (i = 0) or its earliest conversion of stage
   * i at or after it (NaN when it has none), any origin; `last` the latest stage it has. Reaching a
   * stage passes every earlier one, so counts never rise from one stage to the next.
   */
  add(at: Float64Array, last: number, won: boolean, lost: boolean): void {
    for (let i = 0; i <= last; i++) this.reached[i]++;
    for (let i = 1; i < at.length; i++) {
      const days = (at[i] - at[i - 1]) / DAY_MS;
      if (!Number.isNaN(days)) this.days[i].push(days);
    }
    if (won) this.won++;
    if (won || lost) this.decided++;
  }

  /** Adds another tally's keys: the totals are the sum of the rows. */
  merge(other: FunnelTally): void {
    for (let i = 0; i < this.stages.length; i++) {
      this.reached[i] += other.reached[i];
      for (const d of other.days[i]) this.days[i].push(d);
    }
    this.won += other.won;
    this.decided += other.decided;
  }

  cells(): FunnelCells {
    const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);
    const later = this.stages.slice(1);
    return {
      reached: Object.fromEntries(this.stages.map((s, i) => [s, this.reached[i]])),
      rate: Object.fromEntries(later.map((s, i) => [s, ratio(this.reached[i + 1], this.reached[i])])),
      median_days: Object.fromEntries(later.map((s, i) => [s, median(this.days[i + 1])])),
      win_rate: ratio(this.won, this.decided),
    };
  }
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(m * 100) / 100;
}

/** Every stage must be one of the usual ones or one this site has, as for `conversion` elsewhere. */
function checkStages(stages: string[], known: string[]): void {
  const unknown = stages.filter((s) => !(USUAL_STAGES as readonly string[]).includes(s) && !known.includes(s));
  if (!unknown.length) return;
  const allowed = [...new Set([...USUAL_STAGES, ...known])].filter((s) => s !== LOST).sort();
  throw new ApiError(400, 'invalid_stages', `unknown stage ${unknown.join(', ')}; stages must be among ${allowed.join(', ')}`);
}

export async function buildFunnel(db: D1Database, site: Site, req: FunnelRequest): Promise<FunnelReport> {
  const stages = req.stages ?? [...FUNNEL_STAGES];
  const first = stages[0];
  const { fromMs, toMs } = req.range;
  // definitions_changed_at is read in the same round trip as the cohort.
  const [known, cohort, definitions] = await db.batch<Record<string, unknown>>([
    siteStages(db, site.id),
    funnelMonthsRead(db, site.id, first, { first: monthOfMs(fromMs), last: monthOfMs(toMs) }, req.dim),
    definitionsRead(db, site.id),
  ]);
  checkStages(stages, (known.results as { stage: string }[]).map((r) => r.stage));

  // Each month row holds its keys' stages as ms after their t0 and each key's group (schemas/funnel-months.ts);
  // only the months at either end hold keys outside the range, and only they come with their t0s.
  const groups = new Map<string, FunnelTally>();
  const tallyOf = (group: string) => {
    let tally = groups.get(group);
    if (!tally) groups.set(group, (tally = new FunnelTally(stages)));
    return tally;
  };
  // A key's stages as ms after its t0: their differences are those of the times themselves, exactly.
  const after = new Float64Array(stages.length);
  for (const row of cohort.results as { t0s: string | null; stages: string; groups: string }[]) {
    const columns = JSON.parse(row.stages) as FunnelMonthStages;
    const { v, i: index } = JSON.parse(row.groups) as FunnelMonthGroups;
    const keys = index.length;
    const t0s = row.t0s === null ? null : funnelT0s(JSON.parse(row.t0s) as number[]);
    // A group's tally is made by its first key in range: a boundary month's other keys make no row.
    const tallies = new Array<FunnelTally | undefined>(v.length);
    // Each asked stage after the first, and the two that decide a deal.
    const asked = stages.map((s, i) => (i === 0 ? null : funnelStageAfter(keys, columns[s])));
    const won = first === WON ? null : funnelStageAfter(keys, columns[WON]);
    const lost = first === LOST ? null : funnelStageAfter(keys, columns[LOST]);
    for (let k = 0; k < keys; k++) {
      if (t0s !== null && (t0s[k] < fromMs || t0s[k] > toMs)) continue;
      after[0] = 0;
      let last = 0;
      for (let s = 1; s < stages.length; s++) {
        after[s] = asked[s]![k];
        if (!Number.isNaN(after[s])) last = s;
      }
      const tally = (tallies[index[k]] ??= tallyOf(v[index[k]]));
      tally.add(after, last, won === null || !Number.isNaN(won[k]), lost === null || !Number.isNaN(lost[k]));
    }
  }
  const totals = new FunnelTally(stages);
  for (const tally of groups.values()) totals.merge(tally);
  if (groups.size > LIMITS.queryRows) {
    throw tooManyRows(req.dim);
  }
  const sorted = [...groups].sort(([ka, a], [kb, b]) => b.reached[0] - a.reached[0] || (ka < kb ? -1 : ka > kb ? 1 : 0));
  return {
    stages,
    group_by: req.dim,
    from: req.range.from,
    to: req.range.to,
    totals: totals.cells(),
    rows: sorted.map(([key, tally]) => ({ key, ...tally.cells() })),
    definitions_changed_at: definitionsChangedAtOf(definitions),
  };
}
