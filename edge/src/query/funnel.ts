// GET /v1/funnel: the cohort of keys whose first conversion of the first stage falls in the range,
// grouped by their first touch, with how many reached each later stage, step rates, median days
// between stages and the win rate.
import { NO_TOUCH, reportedAccount } from '../../../schemas/akey';
import { DAY_MS } from '../../../schemas/credit';
import { funnelTimes, type KeyFunnelRecord } from '../../../schemas/key-funnel';
import { NOT_SET, type GroupBy } from '../../../schemas/dimensions';
import { LIMITS } from '../../../schemas/limits';
import { FUNNEL_STAGES, type FunnelCells, type FunnelReport } from '../../../schemas/pipeline';
import { USUAL_STAGES } from '../../../schemas/query';
import { funnelCohort, type CohortRow } from '../db/funnel';
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

/** One cohort key: its first-stage conversion and the earliest conversion of each stage at or after it. */
interface CohortKey {
  akey: string;
  at: Record<string, number>;
}

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

  /** Reaching a stage passes every earlier one, so counts never rise from one stage to the next. */
  add(key: CohortKey): void {
    let last = 0;
    this.stages.forEach((s, i) => {
      if (key.at[s] !== undefined) last = i;
    });
    for (let i = 0; i <= last; i++) this.reached[i]++;
    for (let i = 1; i < this.stages.length; i++) {
      const before = key.at[this.stages[i - 1]];
      const after = key.at[this.stages[i]];
      if (before !== undefined && after !== undefined) this.days[i].push((after - before) / DAY_MS);
    }
    if (key.at[WON] !== undefined) this.won++;
    if (key.at[WON] !== undefined || key.at[LOST] !== undefined) this.decided++;
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
  // definitions_changed_at is read in the same round trip as the cohort.
  const [known, cohort, definitions] = await db.batch<Record<string, unknown>>([
    siteStages(db, site.id),
    funnelCohort(db, site.id, stages[0], req.range.fromMs, req.range.toMs, req.dim),
    definitionsRead(db, site.id),
  ]);
  checkStages(stages, (known.results as { stage: string }[]).map((r) => r.stage));
  const rows = cohort.results as unknown as CohortRow[];

  // Grouped by the key's first touch at or before its cohort conversion: the job keeps each key's
  // first touch, and a first touch after t0 means none at or before it.
  const groupOf = (row: CohortRow) => {
    if (row.first_at === null || row.first_at > row.t0) return NO_TOUCH;
    return req.dim === 'account' ? reportedAccount(row.akey) : (row.field ?? NOT_SET);
  };
  const totals = new FunnelTally(stages);
  const groups = new Map<string, FunnelTally>();
  for (const row of rows) {
    const key: CohortKey = { akey: row.akey, at: funnelTimes(JSON.parse(row.stages) as KeyFunnelRecord, stages[0])! };
    const group = groupOf(row);
    let tally = groups.get(group);
    if (!tally) groups.set(group, (tally = new FunnelTally(stages)));
    tally.add(key);
    totals.add(key);
  }
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
