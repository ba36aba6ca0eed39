// GET /v1/credit and /v1/credit/compare: credit per key, from stored credit (the rollup plus partial
// edge days) or computed on demand for another window, rounded so that rows add up to the totals.
import { LIMITS } from '../../../schemas/limits';
import {
  UNCREDITED_STAGE,
  USUAL_STAGES,
  type CompareReport,
  type CreditReport,
  type GroupBy,
  type ModelName,
} from '../../../schemas/query';
import { allocateCents } from '../attribution/models';
import { WEIGHT_UNITS } from '../attribution/credit-rows';
import { partialDayGroups, rollupGroups, siteStages, type CreditGroup, type CreditSlice } from '../db/reports';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';
import { computeGroups } from './on-demand';
import { splitDays, type QueryRange } from './range';

export interface ReportRequest {
  models: ModelName[];
  stage: string;
  dim: GroupBy;
  range: QueryRange;
  /** Absent: the site's window, from stored credit. */
  windowDays?: number;
}

interface Sums {
  units: number;
  cents: number;
  touches: number;
}

/** Conversions are shown to 4 decimals: 1e9 weight units per conversion = 1e4 shown units × 1e5. */
const SHOWN_PER_CONVERSION = 10_000;
const UNITS_PER_SHOWN = WEIGHT_UNITS / SHOWN_PER_CONVERSION;

function tooManyRows(dim: GroupBy): ApiError {
  const narrower = dim === 'account' || dim === 'campaign' || dim === 'content' || dim === 'term' ? 'a coarser group_by (channel, source, medium, touch_type) or ' : '';
  return new ApiError(
    400,
    'too_many_rows',
    `the result has more than ${LIMITS.queryRows.toLocaleString('en-US')} rows; use ${narrower}a shorter from/to range`,
  );
}

/**
 * `conversion` must be a stage the site has or one of the usual stages (those answer with empty
 * rows when the site has no such conversions yet); anything else is most likely a typo, so the
 * answer is 400 listing what is valid. closed_lost is never credited.
 */
function checkStage(stage: string, known: string[] | null): void {
  if (stage === UNCREDITED_STAGE) {
    throw new ApiError(400, 'invalid_conversion', 'closed_lost conversions are stored but never credited, so they have no credit to report');
  }
  if ((USUAL_STAGES as readonly string[]).includes(stage) || known?.includes(stage)) return;
  const allowed = [...new Set([...USUAL_STAGES, ...(known ?? [])])].filter((s) => s !== UNCREDITED_STAGE).sort();
  throw new ApiError(400, 'invalid_conversion', `conversion must be one of ${allowed.join(', ')} (this site's stages and the usual ones)`);
}

/** Sums per model and key, for one stage, grouping and range. One round trip for stored credit. */
export async function creditGroups(db: D1Database, site: Site, req: ReportRequest): Promise<{ groups: Map<string, Map<string, Sums>>; windowDays: number }> {
  const usual = (USUAL_STAGES as readonly string[]).includes(req.stage);
  const slice: CreditSlice = { models: req.models, stage: req.stage, dim: req.dim };
  const onDemand = req.windowDays !== undefined && req.windowDays !== site.settings.window_days;
  const limit = (LIMITS.queryRows + 1) * req.models.length;

  let rows: CreditGroup[];
  if (onDemand) {
    if (!usual) checkStage(req.stage, (await siteStages(db, site.id).all<{ stage: string }>()).results.map((r) => r.stage));
    else checkStage(req.stage, null);
    rows = await computeGroups(db, site, slice, req.range, req.windowDays!);
  } else {
    const split = splitDays(req.range.fromMs, req.range.toMs);
    const statements: D1PreparedStatement[] = [];
    if (split.days) statements.push(rollupGroups(db, site.id, slice, split.days, limit));
    for (const part of split.partial) statements.push(partialDayGroups(db, site.id, slice, part, limit));
    // An unusual stage is checked against the site's stages in the same round trip.
    if (!usual) statements.push(siteStages(db, site.id));
    const results = await db.batch<Record<string, unknown>>(statements);
    checkStage(req.stage, usual ? null : (results.pop()!.results as { stage: string }[]).map((r) => r.stage));
    rows = results.flatMap((r) => r.results as unknown as CreditGroup[]);
  }

  const groups = new Map<string, Map<string, Sums>>(req.models.map((m) => [m, new Map()]));
  for (const r of rows) {
    const byKey = groups.get(r.model)!;
    const sums = byKey.get(r.key) ?? { units: 0, cents: 0, touches: 0 };
    sums.units += r.units;
    sums.cents += r.cents;
    sums.touches += r.touches;
    byKey.set(r.key, sums);
  }
  for (const byKey of groups.values()) if (byKey.size > LIMITS.queryRows) throw tooManyRows(req.dim);
  return { groups, windowDays: onDemand ? req.windowDays! : site.settings.window_days };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareSums = ([ka, a]: [string, Sums], [kb, b]: [string, Sums]) => b.cents - a.cents || b.units - a.units || byText(ka, kb);

interface Shown {
  conversions: number;
  revenue: number;
  touches: number;
}

/**
 * Rounds each key's conversions to 4 decimals by largest remainder over the model's own ordering,
 * so that the shown rows add up to the shown total exactly (revenue is whole cents already), and a
 * model shows the same numbers alone as in a comparison.
 */
function showModel(entries: [string, Sums][]): { rows: Map<string, Shown>; totals: { conversions: number; revenue: number } } {
  const sorted = [...entries].sort(compareSums);
  let units = 0;
  let cents = 0;
  for (const [, s] of sorted) {
    units += s.units;
    cents += s.cents;
  }
  const total = Math.round(units / UNITS_PER_SHOWN);
  const parts = allocateCents(total, sorted.map(([, s]) => Math.max(0, s.units)));
  const rows = new Map<string, Shown>();
  sorted.forEach(([key, s], i) => rows.set(key, { conversions: parts[i] / SHOWN_PER_CONVERSION, revenue: s.cents / 100, touches: s.touches }));
  return { rows, totals: { conversions: total / SHOWN_PER_CONVERSION, revenue: cents / 100 } };
}

function header(req: ReportRequest, windowDays: number) {
  return { conversion: req.stage, group_by: req.dim, from: req.range.from, to: req.range.to, window_days: windowDays };
}

/** Rows by revenue, then conversions (both descending), then key. */
export async function buildCreditReport(db: D1Database, site: Site, req: ReportRequest): Promise<CreditReport> {
  const { groups, windowDays } = await creditGroups(db, site, req);
  const model = req.models[0];
  const sorted = [...groups.get(model)!].sort(compareSums);
  const shown = showModel(sorted);
  return {
    model,
    ...header(req, windowDays),
    totals: shown.totals,
    rows: sorted.map(([key]) => ({ key, ...shown.rows.get(key)! })),
  };
}

/** Keys of every model, ordered as the first model's report orders them (keys it lacks after). */
export async function buildCompareReport(db: D1Database, site: Site, req: ReportRequest): Promise<CompareReport> {
  const { groups, windowDays } = await creditGroups(db, site, req);
  const empty: Sums = { units: 0, cents: 0, touches: 0 };
  const keys = new Set<string>();
  for (const byKey of groups.values()) for (const key of byKey.keys()) keys.add(key);
  if (keys.size > LIMITS.queryRows) throw tooManyRows(req.dim);
  const first = groups.get(req.models[0])!;
  const order = [...keys].map((k): [string, Sums] => [k, first.get(k) ?? empty]).sort(compareSums);

  const shown = new Map(req.models.map((m) => [m, showModel(order.map(([k]) => [k, groups.get(m)!.get(k) ?? empty]))]));
  return {
    models: req.models,
    ...header(req, windowDays),
    totals: Object.fromEntries(req.models.map((m) => [m, shown.get(m)!.totals])),
    rows: order.map(([key]) => ({ key, models: Object.fromEntries(req.models.map((m) => [m, shown.get(m)!.rows.get(key)!])) })),
  };
}
