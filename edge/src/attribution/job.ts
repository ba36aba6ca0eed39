// The incremental attribution job for one site: scan what changed, then recompute credit per
// attribution key (stitch.ts), in chunks that each commit atomically, within a time/query budget.
//
// Incremental: the scan (db/attribution.ts) turns everything received or updated since the last
// watermark — touches, form upgrades, identity links, contacts, conversions — into dirty keys, and
// enqueues them in the same D1 batch that advances the watermark. A settings change (window,
// half-life, custom weights, model version) enqueues every key a conversion belongs to.
// Failure safety: each chunk deletes and rewrites its conversions' credit (and moves the credit_daily
// rollup with it, write-chunk.ts) and dequeues its keys in one batch, so a run that dies half way
// leaves the unfinished keys queued and the rerun finishes them; recomputing a key is deterministic,
// so doing one twice changes nothing.
import {
  countDirty,
  loadCandidateConversions,
  loadTouches,
  readDirty,
  readState,
  scanStatements,
  type CandidateConversion,
  type DirtyKey,
  type TouchRequest,
} from '../db/attribution';
import { clearProgress, dequeueAkeys, enqueueAkeys, saveProgress, type CreditRow } from '../db/credit';
import { readCreditState, readTouchFields } from '../db/rollup';
import type { Site } from '../db/sites';
import { sha256Hex } from '../identity/hash';
import { creditKey, touchRange, type AttributionSettings } from './credit-rows';
import { MODELS, type CreditConversion, type CreditTouch } from './models';
import { parseAkey, splitAkeys } from './stitch';
import { StaleCreditError, writeChunk } from './write-chunk';

/**
 * Bump when model code changes the numbers: every site is then recomputed once.
 * 2: credit rows carry exact weight_units and feed the credit_daily rollup (migration 0003).
 */
const MODEL_VERSION = 2;
/**
 * The scan re-reads this much before the watermark: a request stamps received_at when it starts but
 * commits later, so a row can land behind a watermark already taken. Ingest commits one batch
 * within seconds; re-reading costs only a second computation of keys changed in that interval.
 */
const SCAN_OVERLAP_MS = 2 * 60_000;
const CHUNK_START = 50;
const CHUNK_MAX = 200;
/** Adaptive chunking aims at this much work per chunk (touches read, credit rows written). */
const CHUNK_TARGET_ROWS = 20_000;
/**
 * A key with more conversions than `over` is heavy: its conversions are credited `size` at a
 * time, one slice per chunk, with its progress saved (migration 0005), so that no invocation has
 * to read, hold or write a whole huge account (the busiest account of the 1M-touch benchmark holds
 * a million credit rows: one call of 44 s, and far more memory than a Worker has).
 */
const DEFAULT_SLICING = { over: 16, size: 8 };

/** Wall time and D1 round trips one invocation may spend, shared by every site it runs. */
export class Budget {
  private readonly deadline: number;
  constructor(
    ms: number,
    private queries: number,
  ) {
    this.deadline = Date.now() + ms;
  }
  spend(queries: number): void {
    this.queries -= queries;
  }
  /** Room for one more chunk (a few round trips), or not. */
  get exhausted(): boolean {
    return this.queries < 8 || Date.now() >= this.deadline;
  }
}

export interface RunOptions {
  /** Recompute every key, as a settings change would. */
  full?: boolean;
  budget?: Budget;
  /** Keys per chunk; fixed when given (tests use 1 to fail between chunks), else adaptive. */
  chunkSize?: number;
  now?: number;
  /** Re-read before the watermark; 0 only where no ingest can be in flight (tests, offline tools). */
  scanOverlapMs?: number;
  /** Heavy-key slicing: keys with more than `over` conversions go `size` at a time (tests vary it). */
  slicing?: { over: number; size: number };
}

export interface RunResult {
  site_id: string;
  full: boolean;
  /** False when the budget ran out first; the rest is queued and the next run continues it. */
  done: boolean;
  accounts_recomputed: number;
  conversions_credited: number;
  conversions_without_touch: number;
  credit_rows_written: number;
  chunks: number;
  pending: number;
  duration_ms: number;
}

export async function settingsHash(s: AttributionSettings): Promise<string> {
  const weights = Object.entries(s.custom_weights ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(JSON.stringify([MODEL_VERSION, MODELS, s.window_days, s.half_life_days, weights]));
}

export async function runAttribution(db: D1Database, site: Site, opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const budget = opts.budget ?? new Budget(20_000, 900);
  const now = opts.now ?? Date.now();
  const hash = await settingsHash(site.settings);
  const state = await readState(db, site.id);
  const full = Boolean(opts.full) || !state || state.settings_hash !== hash;
  // The watermark never moves back, even if this Worker's clock trails the last run's.
  const to = Math.max(now, state?.watermark ?? 0);
  const from = (state?.watermark ?? 0) - (opts.scanOverlapMs ?? SCAN_OVERLAP_MS);
  await db.batch(scanStatements(db, site.id, { full, from, to, settingsHash: hash }));
  budget.spend(2);

  const result: RunResult = {
    site_id: site.id,
    full,
    done: false,
    accounts_recomputed: 0,
    conversions_credited: 0,
    conversions_without_touch: 0,
    credit_rows_written: 0,
    chunks: 0,
    pending: 0,
    duration_ms: 0,
  };
  let size = opts.chunkSize ?? CHUNK_START;
  while (!budget.exhausted) {
    const dirty = await readDirty(db, site.id, size);
    budget.spend(1);
    if (!dirty.length) {
      result.done = true;
      break;
    }
    let work: number;
    try {
      work = await recomputeChunk(db, site, dirty, to, budget, result, opts.slicing ?? DEFAULT_SLICING);
    } catch (err) {
      // Another run is rewriting this site's credit: leave the rest queued to it (or to the next run).
      if (err instanceof StaleCreditError) break;
      throw err;
    }
    result.chunks++;
    if (opts.chunkSize === undefined) {
      if (work > CHUNK_TARGET_ROWS) size = Math.max(1, Math.floor(size / 2));
      else if (work < CHUNK_TARGET_ROWS / 4) size = Math.min(CHUNK_MAX, size * 2);
    }
  }
  if (!result.done) {
    result.pending = await countDirty(db, site.id);
    result.done = result.pending === 0;
  }
  result.duration_ms = Date.now() - started;
  return result;
}

function toConversion(row: CandidateConversion): CreditConversion {
  return {
    id: row.conversion_id,
    stage: row.stage,
    at: row.occurred_at,
    opportunityId: row.opportunity_id,
    amountCents: row.amount_cents,
  };
}

/**
 * Recomputes one chunk of keys and commits it; returns the work done (touches read + rows computed).
 * Heavy keys (more conversions than `slicing.over`) leave the chunk's batch: the first of them gets
 * its next slice after the light keys (even when they used up the budget, so every chunk makes
 * progress), the others stay queued for the chunks that follow.
 */
async function recomputeChunk(
  db: D1Database,
  site: Site,
  dirty: DirtyKey[],
  markedAt: number,
  budget: Budget,
  result: RunResult,
  slicing: { over: number; size: number },
): Promise<number> {
  const akeys = dirty.map((d) => d.akey);
  const inChunk = new Set(akeys);
  const candidates = await loadCandidateConversions(db, site.id, splitAkeys(akeys), akeys);
  budget.spend(1);

  const byKey = new Map<string, CreditConversion[]>();
  const movedOut: CandidateConversion[] = [];
  for (const row of candidates) {
    if (inChunk.has(row.akey)) {
      const list = byKey.get(row.akey) ?? [];
      list.push(toConversion(row));
      byKey.set(row.akey, list);
    } else if (row.mapped_akey !== null && inChunk.has(row.mapped_akey)) {
      movedOut.push(row);
    }
  }
  const heavy = new Set([...byKey].filter(([, list]) => list.length > slicing.over).map(([akey]) => akey));
  const light = {
    dirty: dirty.filter((d) => !heavy.has(d.akey)),
    byKey: new Map([...byKey].filter(([akey]) => !heavy.has(akey))),
    movedOut: movedOut.filter((r) => !heavy.has(r.mapped_akey!)),
  };
  let work = light.dirty.length ? await recomputeKeys(db, site, light, markedAt, budget, result) : 0;
  const [first] = heavy;
  if (first !== undefined && (!light.dirty.length || !budget.exhausted)) {
    const entry = dirty.find((d) => d.akey === first)!;
    const moved = movedOut.filter((r) => r.mapped_akey === first);
    work += await recomputeSlice(db, site, entry, byKey.get(first)!, moved, markedAt, budget, result, slicing.size);
  }
  return work;
}

/** Recomputes whole keys and commits them with their dequeue; returns touches read + rows computed. */
async function recomputeKeys(
  db: D1Database,
  site: Site,
  { dirty, byKey, movedOut }: { dirty: DirtyKey[]; byKey: Map<string, CreditConversion[]>; movedOut: CandidateConversion[] },
  markedAt: number,
  budget: Budget,
  result: RunResult,
): Promise<number> {
  const keys = [...byKey].map(([akey, conversions]) => ({ akey, conversions }));
  const work = await creditAndCommit(db, site, keys, movedOut, dequeueAkeys(db, site.id, dirty), markedAt, budget, result);
  result.accounts_recomputed += byKey.size;
  return work;
}

/**
 * Credits the next `size` conversions (in id order) of a heavy key and commits them with the key's
 * progress; the last slice dequeues the key. The first slice also removes the credit of
 * conversions that left the key, as a whole chunk would.
 */
async function recomputeSlice(
  db: D1Database,
  site: Site,
  entry: DirtyKey,
  all: CreditConversion[],
  movedOut: CandidateConversion[],
  markedAt: number,
  budget: Budget,
  result: RunResult,
  size: number,
): Promise<number> {
  const conversions = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rest = entry.cursor === null ? conversions : conversions.filter((c) => c.id > entry.cursor!);
  const slice = rest.slice(0, size);
  const last = rest.length <= size;
  const progress = last
    ? [...dequeueAkeys(db, site.id, [entry]), clearProgress(db, site.id, entry.akey)]
    : [saveProgress(db, site.id, entry.akey, entry.marked_at, slice[slice.length - 1].id)];
  const keys = [{ akey: entry.akey, conversions, slice }];
  const work = await creditAndCommit(db, site, keys, entry.cursor === null ? movedOut : [], progress, markedAt, budget, result);
  if (last) result.accounts_recomputed += 1;
  return work;
}

/**
 * The one write path of the job: reads the keys' touches and the stored credit being replaced,
 * credits each key's `slice` (default: all its conversions; every conversion still counts for
 * milestones), and commits the rows, the rollup and `bookkeeping` — with the conversions that left
 * for keys outside the chunk removed here and their new keys queued. Returns touches read + rows.
 */
async function creditAndCommit(
  db: D1Database,
  site: Site,
  keys: { akey: string; conversions: CreditConversion[]; slice?: CreditConversion[] }[],
  movedOut: CandidateConversion[],
  bookkeeping: D1PreparedStatement[],
  markedAt: number,
  budget: Budget,
  result: RunResult,
): Promise<number> {
  const credits = new Map(keys.map((k) => [k.akey, k.slice ?? k.conversions]));
  // The stored credit these conversions are about to lose is read alongside: the rollup moves by the difference.
  const replaced = [...[...credits.values()].flatMap((list) => list.map((c) => c.id)), ...movedOut.map((r) => r.conversion_id)];
  const [touches, state] = await Promise.all([
    loadKeyTouches(db, site.id, credits, site.settings.window_days),
    readCreditState(db, site.id, replaced),
  ]);
  budget.spend(2);

  const credited: { akey: string; conversions: CreditConversion[]; rows: CreditRow[] }[] = [];
  const done = { conversions_credited: 0, conversions_without_touch: 0 };
  let touchCount = 0;
  let computedRows = 0;
  for (const { akey, conversions, slice } of keys) {
    const keyTouches = touches.get(akey) ?? [];
    touchCount += keyTouches.length;
    const credit = creditKey(akey, conversions, keyTouches, site.settings, slice && new Set(slice.map((c) => c.id)));
    credited.push({ akey, conversions: slice ?? conversions, rows: credit.rows });
    done.conversions_credited += credit.credited;
    done.conversions_without_touch += credit.noTouch;
    computedRows += credit.rows.length;
  }
  const touchIds = new Set<string>();
  for (const c of credited) for (const row of c.rows) if (row[2] !== '') touchIds.add(row[2]);
  const fields = await readTouchFields(db, site.id, [...touchIds]);
  if (touchIds.size) budget.spend(1);

  // A conversion that left for a key outside this chunk loses its credit here and is queued there,
  // so its new key is recomputed even if the change that moved it was not seen by a scan.
  const elsewhere = [...new Set(movedOut.map((r) => r.akey))];
  const statements = [...enqueueAkeys(db, site.id, elsewhere, markedAt), ...bookkeeping];
  const written = await writeChunk(db, site.id, credited, movedOut.map((r) => r.conversion_id), statements, { state, fields });
  budget.spend(written.batches);
  // Counted once written: a chunk refused as stale (write-chunk.ts) did nothing.
  result.conversions_credited += done.conversions_credited;
  result.conversions_without_touch += done.conversions_without_touch;
  result.credit_rows_written += written.rowsWritten;
  return touchCount + computedRows;
}

/**
 * Loads each key's touches over the range its conversions' windows cover, deduped and keyed. Also
 * the query API's on-demand windows (edge/src/query/on-demand.ts), with their own window and the
 * conversions they credit, so that both read touches exactly alike.
 */
export async function loadKeyTouches(
  db: D1Database,
  siteId: string,
  byKey: Map<string, readonly CreditConversion[]>,
  windowDays: number,
): Promise<Map<string, CreditTouch[]>> {
  const req: TouchRequest = { accounts: [], personal: [], visitors: [] };
  for (const [akey, conversions] of byKey) {
    const range = touchRange(conversions, windowDays);
    if (!range) continue;
    const p = parseAkey(akey);
    if (p.kind === 'account') req.accounts.push({ akey, id: p.domain, ...range });
    else if (p.kind === 'personal') req.personal.push({ akey, id: p.contactId, ...range });
    else if (p.kind === 'visitor') req.visitors.push({ akey, id: p.visitorId, ...range });
  }
  const rows = await loadTouches(db, siteId, req);
  const out = new Map<string, Map<string, CreditTouch>>();
  for (const r of rows) {
    const touches = out.get(r.akey) ?? new Map<string, CreditTouch>();
    touches.set(r.touch_id, { id: r.touch_id, at: r.occurred_at, channel: r.channel, touchType: r.touch_type });
    out.set(r.akey, touches);
  }
  return new Map([...out].map(([akey, touches]) => [akey, [...touches.values()]]));
}
