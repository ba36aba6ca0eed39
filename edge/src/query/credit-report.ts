// GET /v1/credit and /v1/credit/compare: credit per key, from stored credit (the rollup plus partial
// edge days) or computed on demand for another window, rounded so that rows add up to the totals.
import { WEIGHT_UNITS } from '../../../schemas/credit';
import type { StoredCents } from '../../../schemas/rollup';
import { LIMITS } from '../../../schemas/limits';
import {
  UNCREDITED_STAGE,
  USUAL_STAGES,
  type CompareReport,
  type CreditReport,
  type GroupBy,
  type ModelName,
} from '../../../schemas/query';
import { creditForWindow, ON_DEMAND_MAX_CONVERSIONS, TooManyConversions } from '../attribution/on-demand';
import { allocateCents, DATA_DRIVEN } from '../attribution/models';
import { creditParts } from '../attribution/derived-credit';
import { parseFits } from '../attribution/parsed-fits';
import { addConversion } from '../attribution/rollup';
import { addColumn, addInto, totalCents, type KeySums, type ModelSums } from '../attribution/rollup-rows';
import { creditInRange, groupParts, type StoredCreditRow } from '../db/credit';
import { readFits, type StoredFit } from '../db/fits';
import { D1Meter } from '../db/meter';
import { siteStages } from '../db/reports';
import { rollupModels, type RollupSpan } from '../db/rollup';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';
import { splitDays, splitMonths, type QueryRange } from './range';
import { definitionsChangedAtOf, definitionsRead } from './definitions';
import { sortByReportOrder } from './report-order';
import { spendByKey, spendFigures, spendStatements } from './spend-report';

export interface ReportRequest {
  models: ModelName[];
  stage: string;
  dim: GroupBy;
  range: QueryRange;
  /** Absent: the site's window, from stored credit. */
  windowDays?: number;
}

/** A key's sums for one model: cents add as a number, BigInt only past 2^53 (rollup-rows.ts). */
type Sums = ModelSums;

/** Conversions are shown to 4 decimals: 1e9 weight units per conversion = 1e4 shown units × 1e5. */
const SHOWN_PER_CONVERSION = 10_000;
const UNITS_PER_SHOWN = WEIGHT_UNITS / SHOWN_PER_CONVERSION;

export function tooManyRows(dim: GroupBy): ApiError {
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
export function checkStage(stage: string, known: string[] | null): void {
  if (stage === UNCREDITED_STAGE) {
    throw new ApiError(400, 'invalid_conversion', 'closed_lost conversions are stored but never credited, so they have no credit to report');
  }
  if ((USUAL_STAGES as readonly string[]).includes(stage) || known?.includes(stage)) return;
  const allowed = [...new Set([...USUAL_STAGES, ...(known ?? [])])].filter((s) => s !== UNCREDITED_STAGE).sort();
  throw new ApiError(400, 'invalid_conversion', `conversion must be one of ${allowed.join(', ')} (this site's stages and the usual ones)`);
}

/** The sums of one report: per model, per key. */
export type ModelGroups = Map<string, Map<string, ModelSums>>;

/** Adds sums kept per key (credit rows, the on-demand window) into `groups`, for the models it has. */
function addByKey(groups: ModelGroups, byKey: ReadonlyMap<string, KeySums>): void {
  for (const [key, sums] of byKey) {
    for (const [model, s] of sums) {
      const byModel = groups.get(model);
      if (!byModel) continue;
      let to = byModel.get(key);
      if (!to) byModel.set(key, (to = { units: 0, cents: 0, touches: 0 }));
      addInto(to, s.units, s.bigCents === undefined ? s.cents : totalCents(s), s.touches);
    }
  }
}

/**
 * Sums per model and key of the stored credit (the rollup for whole months and days, credit rows for
 * partial edge days) of `models` — the request's, or other entries of the rollup such as INFLUENCED —
 * and, for a stage that is not a usual one, the site's stages to check it against, all in one round
 * trip, with the `extra` statements a report also needs (their results come back as `extra`).
 * SQL extracts the asked models from each rollup row and this adds them up: a few rows per report
 * (a year is 12 month rows and the edge days), every sum exact (cents past 2^53 in BigInt).
 */
export async function storedGroups(
  db: D1Database,
  site: Site,
  req: Omit<ReportRequest, 'models'>,
  models: ReadonlySet<string>,
  extra: D1PreparedStatement[] = [],
): Promise<{ groups: ModelGroups; stages: string[] | null; extra: D1Result[] }> {
  const usual = (USUAL_STAGES as readonly string[]).includes(req.stage);
  const split = splitDays(req.range.fromMs, req.range.toMs);
  const statements: D1PreparedStatement[] = [];
  // Whole months from month rows, the whole days around them from day rows: one statement for all.
  const spans: RollupSpan[] = [];
  if (split.days) {
    const { months, days } = splitMonths(split.days);
    if (months) spans.push({ grain: 'month', ...months });
    for (const d of days) spans.push({ grain: 'day', ...d });
  }
  const asked = [...models];
  if (spans.length) statements.push(rollupModels(db, site.id, req.stage, req.dim, spans, asked));
  for (const part of split.partial) statements.push(creditInRange(db, site.id, req.stage, part.fromMs, part.toMs));
  // Partial days sum stored credit, whose data-driven models are derived under the latest fits.
  const derive = split.partial.length > 0 && asked.some((m) => DATA_DRIVEN.has(m as ModelName));
  if (derive) statements.push(readFits(db, site.id));
  // An unusual stage is checked against the site's stages in the same round trip.
  if (!usual) statements.push(siteStages(db, site.id));
  const results = await db.batch<Record<string, unknown>>([...statements, ...extra]);
  const extraResults = results.splice(statements.length);
  const stages = usual ? null : (results.pop()!.results as { stage: string }[]).map((r) => r.stage);
  const fits = derive ? parseFits(results.pop()!.results as unknown as StoredFit[]) : new Map();

  const columns = asked.map((): Map<string, ModelSums> => new Map());
  // The rollup's one statement first (when there were whole days), then one per partial day.
  const rollupRows = spans.length ? (results.shift()!.results as { v: string }[]) : [];
  for (const row of rollupRows) {
    const extracted = JSON.parse(row.v) as [string[], ...(StoredCents[] | null)[]];
    for (let m = 0; m < asked.length; m++) addColumn(extracted[0], extracted[m + 1], columns[m]);
  }
  const groups: ModelGroups = new Map(asked.map((model, m) => [model, columns[m]]));
  if (results.length) {
    const partial = new Map<string, KeySums>();
    for (const result of results) {
      for (const c of groupParts(result.results as unknown as StoredCreditRow[])) {
        addConversion(c.meta, creditParts(c.payloads, c.meta.stage, fits), [req.dim], (_dim, key) => keySums(partial, key));
      }
    }
    addByKey(groups, partial);
  }
  return { groups, stages, extra: extraResults };
}

const keySums = (byKey: Map<string, KeySums>, key: string): KeySums => {
  let sums = byKey.get(key);
  if (!sums) byKey.set(key, (sums = new Map()));
  return sums;
};

/** Sums per model and key, for one stage, grouping and range, and the results of `extra`. One round trip for stored credit. */
export async function creditGroups(
  db: D1Database,
  site: Site,
  req: ReportRequest,
  extra: D1PreparedStatement[] = [],
): Promise<{ groups: ModelGroups; windowDays: number; extra: D1Result[] }> {
  const fixed = req.models.filter((m) => DATA_DRIVEN.has(m));
  if (req.windowDays !== undefined && fixed.length) {
    throw new ApiError(
      400,
      'window_fixed_for_model',
      `${fixed.join(' and ')} ${fixed.length > 1 ? 'are' : 'is'} fitted on the site's own window (${site.settings.window_days} days); omit window_days, or ask for rule-based models only`,
    );
  }
  const onDemand = req.windowDays !== undefined && req.windowDays !== site.settings.window_days;
  let groups: ModelGroups;
  let extraResults: D1Result[] = [];
  if (onDemand) {
    if (extra.length) extraResults = await db.batch(extra);
    const usual = (USUAL_STAGES as readonly string[]).includes(req.stage);
    checkStage(req.stage, usual ? null : (await siteStages(db, site.id).all<{ stage: string }>()).results.map((r) => r.stage));
    let byKey: Map<string, KeySums>;
    try {
      byKey = await creditForWindow(new D1Meter(db), site, { stage: req.stage, dim: req.dim, fromMs: req.range.fromMs, toMs: req.range.toMs, windowDays: req.windowDays! });
    } catch (err) {
      if (!(err instanceof TooManyConversions)) throw err;
      throw new ApiError(
        400,
        'too_many_conversions',
        `a window other than the site's own (${site.settings.window_days} days) is computed per request, for at most ` +
          `${ON_DEMAND_MAX_CONVERSIONS.toLocaleString('en-US')} conversions; narrow from/to, or omit window_days to read stored credit`,
      );
    }
    groups = new Map(req.models.map((m) => [m, new Map()]));
    addByKey(groups, byKey);
  } else {
    const stored = await storedGroups(db, site, req, new Set(req.models), extra);
    checkStage(req.stage, stored.stages);
    groups = stored.groups;
    extraResults = stored.extra;
  }

  for (const byModel of groups.values()) {
    // A key a model gives nothing (all its sums zero) is not a row of that model.
    for (const [key, s] of byModel) if (s.units === 0 && s.touches === 0 && (s.bigCents === undefined ? s.cents === 0 : totalCents(s) === 0n)) byModel.delete(key);
    if (byModel.size > LIMITS.queryRows) throw tooManyRows(req.dim);
  }
  return { groups, windowDays: onDemand ? req.windowDays! : site.settings.window_days, extra: extraResults };
}

const exactCents = (s: Sums): bigint => (s.bigCents === undefined ? BigInt(s.cents) : totalCents(s));
/** Cents as shown: a number of currency units (rounded to a double past 2^53, as JSON shows it). */
const shownCents = (s: Sums) => (s.bigCents === undefined ? s.cents : Number(totalCents(s))) / 100;
const EMPTY: Sums = { units: 0, cents: 0, touches: 0 };

/** The report's keys: the model's, and keys with spend but no credit (0 conversions), so Σ rows.spend = totals.spend. Adds to `entries`, a fresh array. */
function withSpendKeys(entries: [string, Sums][], spend: Map<string, bigint> | null, dim: GroupBy): [string, Sums][] {
  if (spend?.size) {
    const keys = new Set(entries.map(([k]) => k));
    for (const key of spend.keys()) if (!keys.has(key)) entries.push([key, EMPTY]);
  }
  if (entries.length > LIMITS.queryRows) throw tooManyRows(dim);
  return entries;
}

const sumSpend = (spend: Map<string, bigint>) => [...spend.values()].reduce((n, c) => n + c, 0n);

/**
 * Rounds each key's conversions to 4 decimals by largest remainder over the model's own ordering,
 * so that the shown rows add up to the shown total exactly (revenue is whole cents already), and a
 * model shows the same numbers alone as in a comparison. `ordered`: the entries are in that order
 * already (a credit report without spend sorts them so).
 */
function showModel(
  entries: [string, Sums][],
  ordered = false,
): {
  /** The entries in the model's own order, and each one's conversions as shown. */
  sorted: [string, Sums][];
  conversions: number[];
  totals: { conversions: number; revenue: number };
  /** The exact sums behind the totals, for ratios. */
  sums: { units: number; cents: bigint };
} {
  const sorted = ordered ? entries : sortByReportOrder([...entries]);
  const total: Sums = { units: 0, cents: 0, touches: 0 };
  const weights = new Array<number>(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i][1];
    addInto(total, s.units, s.bigCents === undefined ? s.cents : totalCents(s), 0);
    weights[i] = Math.max(0, s.units);
  }
  const shown = Math.round(total.units / UNITS_PER_SHOWN);
  const conversions = allocateCents(shown, weights).map((p) => p / SHOWN_PER_CONVERSION);
  return { sorted, conversions, totals: { conversions: shown / SHOWN_PER_CONVERSION, revenue: shownCents(total) }, sums: { units: total.units, cents: exactCents(total) } };
}

/** Each key's shown conversions, by key. */
function conversionsByKey(shown: ReturnType<typeof showModel>): Map<string, number> {
  return new Map(shown.sorted.map(([key], i) => [key, shown.conversions[i]]));
}

function header(req: ReportRequest, windowDays: number) {
  return { conversion: req.stage, group_by: req.dim, from: req.range.from, to: req.range.to, window_days: windowDays };
}

/**
 * The report's other reads — definitions_changed_at, and spend where the grouping has it — sent in
 * the batch that reads the credit, so a report costs one round trip to D1.
 */
async function reportReads(db: D1Database, site: Site, req: ReportRequest) {
  const spendQuery = spendStatements(db, site, req.dim, req.range);
  const { groups, windowDays, extra } = await creditGroups(db, site, req, [definitionsRead(db, site.id), ...(spendQuery ?? [])]);
  return { groups, windowDays, definitionsChangedAt: definitionsChangedAtOf(extra[0]), spend: spendQuery && spendByKey(extra.slice(1)) };
}

/** Rows by revenue, then conversions (both descending), then spend, then key. */
export async function buildCreditReport(db: D1Database, site: Site, req: ReportRequest): Promise<CreditReport> {
  const { groups, windowDays, definitionsChangedAt, spend } = await reportReads(db, site, req);
  const model = req.models[0];
  const sorted = sortByReportOrder(withSpendKeys([...groups.get(model)!], spend, req.dim), spend);
  // Without spend to break ties, the report's order is the model's own: its conversions line up by index.
  const ordered = !spend?.size;
  const shown = showModel(sorted, ordered);
  const byKey = ordered ? null : conversionsByKey(shown);
  return {
    model,
    ...header(req, windowDays),
    currency: site.settings.currency,
    totals: { ...shown.totals, ...(spend && spendFigures(shown.sums.cents, shown.sums.units, sumSpend(spend))) },
    rows: sorted.map(([key, s], i) => {
      const row = { key, conversions: byKey ? byKey.get(key)! : shown.conversions[i], revenue: shownCents(s), touches: s.touches };
      return spend ? { ...row, ...spendFigures(exactCents(s), s.units, spend.get(key) ?? 0n) } : row;
    }),
    definitions_changed_at: definitionsChangedAt,
  };
}

/** Keys of every model, ordered as the first model's report orders them (keys it lacks after). */
export async function buildCompareReport(db: D1Database, site: Site, req: ReportRequest): Promise<CompareReport> {
  const { groups, windowDays, definitionsChangedAt, spend } = await reportReads(db, site, req);
  const keys = new Set<string>();
  for (const byKey of groups.values()) for (const key of byKey.keys()) keys.add(key);
  const first = groups.get(req.models[0])!;
  const order = sortByReportOrder(withSpendKeys([...keys].map((k): [string, Sums] => [k, first.get(k) ?? EMPTY]), spend, req.dim), spend);

  const sums = (m: string, key: string) => groups.get(m)!.get(key) ?? EMPTY;
  const shown = new Map(req.models.map((m) => [m, showModel(order.map(([k]) => [k, sums(m, k)]))]));
  const conversions = new Map(req.models.map((m) => [m, conversionsByKey(shown.get(m)!)]));
  const ratios = (s: Sums, spent: bigint) => {
    const { spend: _, ...rest } = spendFigures(exactCents(s), s.units, spent);
    return rest;
  };
  const total = spend && sumSpend(spend);
  return {
    models: req.models,
    ...header(req, windowDays),
    currency: site.settings.currency,
    totals: Object.fromEntries(
      req.models.map((m) => [m, { ...shown.get(m)!.totals, ...(spend && spendFigures(shown.get(m)!.sums.cents, shown.get(m)!.sums.units, total!)) }]),
    ),
    rows: order.map(([key]) => ({
      key,
      ...(spend && { spend: Number(spend.get(key) ?? 0n) / 100 }),
      models: Object.fromEntries(
        req.models.map((m) => {
          const s = sums(m, key);
          return [m, { conversions: conversions.get(m)!.get(key)!, revenue: shownCents(s), touches: s.touches, ...(spend && ratios(s, spend.get(key) ?? 0n)) }];
        }),
      ),
    })),
    definitions_changed_at: definitionsChangedAt,
  };
}
