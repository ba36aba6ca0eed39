// Turns one attribution key's conversions and touches into credit rows for every model (pure).
import type { CreditRow } from '../db/credit';
import type { SiteSettings } from '../db/sites';
import { allocateCents, creditConversion, findMilestones, MODELS, selectWindowTouches, type CreditConversion, type CreditTouch } from './models';
import { NO_TOUCH, reportedAccount } from './stitch';

export type AttributionSettings = Pick<SiteSettings, 'window_days' | 'half_life_days' | 'custom_weights'>;

export interface KeyCredit {
  rows: CreditRow[];
  /** Conversions given credit rows (closed_lost ones are not). */
  credited: number;
  /** Conversions of those with no touch in the window. */
  noTouch: number;
}

const DAY_MS = 86_400_000;
/** A conversion's weight in integer units (billionths), split by largest remainder like cents. */
export const WEIGHT_UNITS = 1_000_000_000;

/** The touch range a key's conversions need: from the earliest window start to the last conversion. */
export function touchRange(conversions: readonly CreditConversion[], windowDays: number): { from: number; to: number } | null {
  const creditable = conversions.filter(isCreditable);
  if (!creditable.length) return null;
  let from = Infinity;
  let to = -Infinity;
  for (const c of creditable) {
    from = Math.min(from, c.at - windowDays * DAY_MS);
    to = Math.max(to, c.at);
  }
  return { from, to };
}

export const isCreditable = (c: CreditConversion) => c.stage !== 'closed_lost';

/**
 * Rows with weight 0 are left out: they carry no credit, and first/last-touch models would
 * otherwise store a row for every touch of every path. A conversion without touches in its window
 * gets one "(no touch)" row per model holding weight 1 and the whole amount, so totals reconcile.
 * Weight units are split over all window touches before zero-weight rows are dropped; a zero
 * weight never gets a unit, so the stored rows still sum to exactly WEIGHT_UNITS.
 *
 * `only`: credit just these conversions (the query API's on-demand windows); every conversion of
 * the key still counts for milestones, so their rows equal the job's.
 */
export function creditKey(
  akey: string,
  conversions: readonly CreditConversion[],
  touches: readonly CreditTouch[],
  settings: AttributionSettings,
  only?: ReadonlySet<string>,
): KeyCredit {
  const account = reportedAccount(akey);
  const out: KeyCredit = { rows: [], credited: 0, noTouch: 0 };
  for (const c of conversions) {
    if (!isCreditable(c) || (only && !only.has(c.id))) continue;
    out.credited++;
    const window = selectWindowTouches(touches, c.at, settings.window_days);
    if (!window.length) {
      out.noTouch++;
      for (const model of MODELS) out.rows.push([model, c.id, '', 1, c.amountCents ?? 0, c.stage, c.at, NO_TOUCH, WEIGHT_UNITS]);
      continue;
    }
    const ctx = {
      milestones: findMilestones(window, c, conversions),
      halfLifeDays: settings.half_life_days,
      customWeights: settings.custom_weights,
    };
    for (const model of MODELS) {
      const credits = creditConversion(model, window, c, ctx);
      const units = allocateCents(WEIGHT_UNITS, credits.map((x) => x.weight));
      credits.forEach((credit, i) => {
        if (credit.weight > 0) {
          out.rows.push([model, c.id, credit.touchId, credit.weight, credit.revenueCents, c.stage, c.at, account, units[i]]);
        }
      });
    }
  }
  return out;
}
