// Fits the data-driven models of a site: every key's journeys of every stage, built from the same
// stitched touches and conversions the job credits, then each model's fit per stage, stored whole.
import { DAY_MS } from '../../../schemas/credit';
import { UNCREDITED_STAGE } from '../../../schemas/query';
import { conversionKeys, replaceFits, type StoredFit } from '../db/fits';
import type { D1Meter } from '../db/meter';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { REGISTRY, type Journey } from './models';
import { FIT_LOOKBACK_MS, journeySpans } from './models/journeys';
import { walkKeyTouches } from './touch-walk';

/**
 * Builds every stage's journeys at `fittedAt`, fits every data-driven model on them and stores the
 * fits in one batch. One walk over the site's touches (touch-walk.ts) hands over every key
 * (accounts, free-mail contacts, lone visitors) with its touches; journeys hold channel names only.
 */
export async function fitSite(meter: D1Meter, site: Site, fittedAt: number): Promise<StoredFit[]> {
  const db = meter.db;
  const [stageRows, conversionRows] = await meter.batch<{ stage?: string }>([siteStages(db, site.id), conversionKeys(db, site.id)]);
  // Every conversion's time by key and stage, sorted, once: most keys (lone visitors, personal contacts) have none.
  const conversions = new Map<string, Map<string, number[]>>();
  for (const c of conversionRows.results as unknown as { stage: string; at: number; akey: string }[]) {
    let byStage = conversions.get(c.akey);
    if (!byStage) conversions.set(c.akey, (byStage = new Map()));
    const list = byStage.get(c.stage);
    if (list) list.push(c.at);
    else byStage.set(c.stage, [c.at]);
  }
  for (const byStage of conversions.values()) for (const list of byStage.values()) list.sort((a, b) => a - b);
  const stages = stageRows.results.map((r) => r.stage!).filter((s) => s !== UNCREDITED_STAGE);
  const windowDays = site.settings.window_days;
  const range = { from: fittedAt - FIT_LOOKBACK_MS - windowDays * DAY_MS, to: fittedAt };
  // Per stage, each distinct journey once with how many times it occurred: a site's journeys repeat
  // (most lone visitors' are one channel), so memory grows with distinct paths, not with keys. A
  // journey is kept as its channels' numbers in the walk (touch-walk.ts) until the walk is done.
  const distinctByStage = new Map<string, Map<string, { channels: number[]; converted: boolean; count: number }>>(stages.map((s) => [s, new Map()]));
  const windowMs = windowDays * DAY_MS;

  const addKey = (akey: string, times: Float64Array, channels: Int32Array) => {
    const keyConversions = conversions.get(akey);
    for (const stage of stages) {
      const distinct = distinctByStage.get(stage)!;
      journeySpans(times, keyConversions?.get(stage) ?? [], windowMs, fittedAt, (start, end, converted) => {
        let id = converted ? '1:' : '0:';
        for (let i = start; i < end; i++) id += (i > start ? ',' : '') + channels[i];
        const seen = distinct.get(id);
        if (seen) seen.count++;
        else distinct.set(id, { channels: Array.from(channels.subarray(start, end)), converted, count: 1 });
      });
    }
  };

  const walk = await walkKeyTouches(meter, site.id, range, addKey);
  const journeys = new Map<string, Journey[]>(
    [...distinctByStage].map(([stage, distinct]) => [
      stage,
      [...distinct.values()].map((j) => ({ stage, channels: j.channels.map((c) => walk.channels[c]), converted: j.converted, count: j.count })),
    ]),
  );

  const stored: StoredFit[] = [];
  for (const [stage, list] of journeys) {
    const fit: Record<string, unknown> = {};
    for (const model of REGISTRY) if (model.fit) fit[model.name] = model.fit(list);
    let converting = 0;
    let all = 0;
    for (const j of list) {
      all += j.count ?? 1;
      if (j.converted) converting += j.count ?? 1;
    }
    stored.push({ stage, fitted_at: fittedAt, window_days: windowDays, converting, non_converting: all - converting, fit: JSON.stringify(fit) });
  }
  await meter.batch(replaceFits(db, site.id, stored));
  return stored;
}
