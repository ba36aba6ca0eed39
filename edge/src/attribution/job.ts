// The incremental attribution job for one site: scan what changed into the key queue, credit the
// queued keys in chunks that each commit atomically, then re-roll the days whose credit changed,
// all within a time and query budget. How it stays exact and crash-safe: docs/operations.md.
//
// Incremental: the scan (db/attribution.ts) turns everything received or updated since the last
// watermark into queued keys with the time their pending work starts, in the same D1 batch that
// advances the watermark. A settings change (window, half-life, custom weights, currency, the models) queues
// every key whole. Failure safety: each chunk writes its conversions' credit and takes its keys off
// the queue in one batch, so a run that dies half way leaves the unfinished keys queued and the
// rerun finishes them; crediting is deterministic, so doing a key twice changes nothing.
import { markFitted, readState, scanStatements, type AttributionState } from '../db/attribution';
import { D1Meter } from '../db/meter';
import { funnelBacklog } from '../db/funnel-months';
import { countDirty, readDirty, type DirtyKey } from '../db/queue';
import { markCreditedDays, rollupBacklog } from '../db/rollup';
import type { Site } from '../db/sites';
import { sha256Hex } from '../identity/hash';
import { DAY_MS } from '../../../schemas/credit';
import { Budget } from './budget';
import { creditChunk, type ChunkContext } from './chunk';
import { fitSite } from './fit';
import { rebuildFunnelMonths } from './funnel-rebuild';
import type { AttributionSettings } from './credit-key';
import { REGISTRY } from './models';
import { rebuildRollup } from './rollup-rebuild';

export { Budget };

/**
 * Bump when model code changes the numbers: every site is then recomputed once.
 * 3: compact credit store (migration 0006), cents split by weight units.
 * 4: each key's first touch kept for the funnel (migration 0009), found as keys are credited.
 * 5: each key's funnel record kept (migration 0012): every key with conversions must be recomputed
 *    once to have one, since the funnel now reads only those records.
 * 6: data-driven credit no longer stored (derived on read from stored credit and the latest fit).
 */
const MODEL_VERSION = 6;
/**
 * The scan re-reads this much before the watermark when a request committed into it late: a
 * request stamps received_at when it starts but commits later. Ingest commits one batch within seconds.
 */
const SCAN_OVERLAP_MS = 2 * 60_000;
const CHUNK_START = 50;
const CHUNK_MAX = 400;
/** Adaptive chunking aims at this much work per chunk (touches read + conversions credited). */
const CHUNK_TARGET_WORK = 40_000;
/**
 * A key with more pending conversions than `over` is heavy: it is credited `size` conversions at a
 * time, in time order, one slice per chunk, its progress kept in the queue, so that no invocation
 * has to read or hold a whole huge account's windows.
 */
const DEFAULT_SLICING = { over: 64, size: 32 };
/** Days whose credit changed (and funnel months) wait for the queue to drain, but never longer than this. */
const ROLLUP_MAX_LAG_MS = 30 * 60_000;

export interface RunOptions {
  /** Recompute every key, as a settings change would. */
  full?: boolean;
  budget?: Budget;
  /** Keys per chunk; fixed when given (tests use 1 to fail between chunks), else adaptive. */
  chunkSize?: number;
  now?: number;
  /** Re-read before the watermark; 0 only where no ingest can be in flight (tests, offline tools). */
  scanOverlapMs?: number;
  /** Heavy-key slicing (tests vary it). */
  slicing?: { over: number; size: number };
  /** Fit the data-driven models again (as the first run of each UTC day does), once the queue is drained. */
  refit?: boolean;
}

export interface RunResult {
  site_id: string;
  full: boolean;
  /** True when this run fitted the data-driven models (and so queued every credited day's rollup). */
  refitted: boolean;
  /** False when the budget ran out first; the rest is queued and the next run continues it. */
  done: boolean;
  accounts_recomputed: number;
  conversions_credited: number;
  conversions_without_touch: number;
  /** Conversions whose stored credit was written or removed: unchanged credit is not rewritten. */
  credit_rows_written: number;
  rollup_days_rebuilt: number;
  chunks: number;
  /** Keys still queued, and days still waiting for their rollup. */
  pending: number;
  rollup_days_pending: number;
  /** Funnel month rows (first stage × month) rebuilt, and months still waiting for it. */
  funnel_months_rebuilt: number;
  funnel_months_pending: number;
  /** What the run cost D1 (every statement's meta): rows written, index entries included, and rows read. */
  rows_written: number;
  rows_read: number;
  duration_ms: number;
  /** Where the time went: the change scan, crediting the queue, the fit (once the queue is drained), rebuilding the rollup and the funnel months. */
  phases_ms: { fit: number; scan: number; credit: number; rollup: number };
}

export async function settingsHash(s: AttributionSettings): Promise<string> {
  const weights = Object.entries(s.custom_weights ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(JSON.stringify([MODEL_VERSION, REGISTRY.map((m) => m.name), s.window_days, s.half_life_days, weights, s.currency]));
}

export async function runAttribution(db: D1Database, site: Site, opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const meter = new D1Meter(db);
  const budget = opts.budget ?? new Budget(20_000, 900);
  const now = opts.now ?? Date.now();
  const hash = await settingsHash(site.settings);
  const [state] = await meter.all<AttributionState>(readState(db, site.id));
  const changed = !state || state.settings_hash !== hash;
  // A fit is due when there is none, on the first run of each UTC day, after a change of settings
  // and on request. Asked for, it is remembered (the state's fit is marked missing) until it is made.
  const refitAsked = Boolean(opts.refit) || changed;
  const refitDue = refitAsked || !state?.fitted_at || Math.floor(state.fitted_at / DAY_MS) < Math.floor(now / DAY_MS);
  const full = Boolean(opts.full) || changed;
  // The watermark never moves back, even if this Worker's clock trails the last run's.
  const to = Math.max(now, state?.watermark ?? 0);
  await meter.batch(
    [
      ...scanStatements(db, site.id, { full, watermark: state?.watermark ?? 0, overlapMs: opts.scanOverlapMs ?? SCAN_OVERLAP_MS, to, settingsHash: hash, refit: refitAsked }),
    ],
  );
  budget.spend(2);
  const scanned = Date.now();

  // After a full scan, until a fit has every key's stored journey again, chunks write their keys'.
  const tails = full || !state?.tails_at ? { settingsHash: hash, fullAt: full ? to : (state?.last_full_at ?? null) } : null;
  const ctx: ChunkContext = { meter, site, markedAt: to, slicing: opts.slicing ?? DEFAULT_SLICING, tails };
  const credit = await creditQueue(ctx, budget, opts.chunkSize);
  const credited = Date.now();

  const [[queued], [backlogBefore], [funnelQueued]] = (await meter.batch([countDirty(db, site.id), rollupBacklog(db, site.id), funnelBacklog(db, site.id)])).map(
    (r) => r.results,
  ) as [{ n: number }[], { days: number; oldest: number | null }[], { months: number; oldest: number | null }[]];
  budget.spend(1);
  // The fit reads every conversion's journey from stored credit, so it waits for the queue to drain.
  // A new fit moves only data-driven credit, which is derived from stored credit on read
  // (derived-credit.ts): no conversion is recomputed, every credited day is re-rolled.
  const refit = refitDue && queued.n === 0 && !credit.stale;
  let backlog = backlogBefore;
  if (refit) {
    await fitSite(meter, site, now);
    const marked = await meter.batch([markFitted(db, site.id, now), markCreditedDays(db, site.id, now), rollupBacklog(db, site.id)]);
    [backlog] = marked[2].results as { days: number; oldest: number | null }[];
  }
  const fitted = Date.now();

  let rebuilt = { days: 0, done: backlog.days === 0 };
  // Re-rolling waits for the queue to drain: a full run would otherwise re-roll every day once per call.
  const overdue = backlog.oldest !== null && backlog.oldest < Date.now() - ROLLUP_MAX_LAG_MS;
  if (backlog.days > 0 && !credit.stale && (queued.n === 0 || overdue)) rebuilt = await rebuildRollup(meter, site.id, budget);
  const daysLeft = rebuilt.done ? 0 : (await meter.all<{ days: number }>(rollupBacklog(db, site.id)))[0].days;
  // The funnel's months wait for the queue the same way (their keys' records are rewritten by each chunk).
  let funnel = { months: 0, done: funnelQueued.months === 0 };
  const funnelOverdue = funnelQueued.oldest !== null && funnelQueued.oldest < Date.now() - ROLLUP_MAX_LAG_MS;
  if (funnelQueued.months > 0 && !credit.stale && (queued.n === 0 || funnelOverdue)) funnel = await rebuildFunnelMonths(meter, site.id, budget);
  const monthsLeft = funnel.done ? 0 : (await meter.all<{ months: number }>(funnelBacklog(db, site.id)))[0].months;

  return {
    site_id: site.id,
    full,
    refitted: refit,
    done: queued.n === 0 && daysLeft === 0 && monthsLeft === 0,
    accounts_recomputed: credit.keysDone,
    conversions_credited: credit.conversionsCredited,
    conversions_without_touch: credit.conversionsWithoutTouch,
    credit_rows_written: credit.creditWritten,
    rollup_days_rebuilt: rebuilt.days,
    chunks: credit.chunks,
    pending: queued.n,
    rollup_days_pending: daysLeft,
    funnel_months_rebuilt: funnel.months,
    funnel_months_pending: monthsLeft,
    rows_written: meter.rowsWritten,
    rows_read: meter.rowsRead,
    duration_ms: Date.now() - started,
    phases_ms: { fit: fitted - credited, scan: scanned - started, credit: credited - scanned, rollup: Date.now() - fitted },
  };
}

/** Credits queued keys, oldest mark first, chunk by chunk, until the queue is empty or the budget spent. */
async function creditQueue(ctx: ChunkContext, budget: Budget, fixedSize?: number) {
  const sum = { keysDone: 0, conversionsCredited: 0, conversionsWithoutTouch: 0, creditWritten: 0, chunks: 0, stale: false };
  let size = fixedSize ?? CHUNK_START;
  while (!budget.exhausted) {
    const dirty = await ctx.meter.all<DirtyKey>(readDirty(ctx.meter.db, ctx.site.id, size));
    budget.spend(1);
    if (!dirty.length) break;
    const chunk = await creditChunk(ctx, dirty);
    budget.spend(3);
    // Another run is rewriting this site's credit: leave the rest queued to it (or to the next run).
    if (chunk.stale) {
      sum.stale = true;
      break;
    }
    sum.chunks++;
    sum.keysDone += chunk.keysDone;
    sum.conversionsCredited += chunk.conversionsCredited;
    sum.conversionsWithoutTouch += chunk.conversionsWithoutTouch;
    sum.creditWritten += chunk.creditWritten;
    if (fixedSize === undefined) {
      if (chunk.work > CHUNK_TARGET_WORK) size = Math.max(1, Math.floor(size / 2));
      else if (chunk.work < CHUNK_TARGET_WORK / 4) size = Math.min(CHUNK_MAX, size * 2);
    }
  }
  return sum;
}
