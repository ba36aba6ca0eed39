// Fits the data-driven models of a site: every key's journeys of every stage, built from the same
// stitched touches and conversions the job credits, then each model's fit per stage, stored whole.
import { DAY_MS } from '../../../schemas/credit';
import { UNCREDITED_STAGE } from '../../../schemas/query';
import { conversionKeys, replaceFits, type StoredFit } from '../db/fits';
import type { D1Meter } from '../db/meter';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { REGISTRY, type Journey } from './models';
import { byTimeThenId, FIT_LOOKBACK_MS, keyJourneys, type JourneyTouch } from './models/journeys';
import { walkKeyTouches } from './touch-walk';

/**
 * Builds every stage's journeys at `fittedAt`, fits every data-driven model on them and stores the
 * fits in one batch. One walk over the site's touches (touch-walk.ts) hands over every key
 * (accounts, free-mail contacts, lone visitors) with its touches; journeys hold channel names only.
 */
export async function fitSite(meter: D1Meter, site: Site, fittedAt: number): Promise<StoredFit[]> {
  const db = meter.db;
  const [stageRows, conversionRows] = await meter.batch<{ stage?: string }>([siteStages(db, site.id), conversionKeys(db, site.id)]);
  // Every conversion with its key, once: most keys (lone visitors, personal contacts) have none.
  const conversions = new Map<string, { at: number; id: string; stage: string }[]>();
  for (const c of conversionRows.results as unknown as { id: string; stage: string; at: number; akey: string }[]) {
    const list = conversions.get(c.akey) ?? [];
    list.push({ at: c.at, id: c.id, stage: c.stage });
    conversions.set(c.akey, list);
  }
  const stages = stageRows.results.map((r) => r.stage!).filter((s) => s !== UNCREDITED_STAGE);
  const windowDays = site.settings.window_days;
  const range = { from: fittedAt - FIT_LOOKBACK_MS - windowDays * DAY_MS, to: fittedAt };
  // Per stage, each distinct journey once with how many times it occurred: a site's journeys repeat
  // (most lone visitors' are one channel), so memory grows with distinct paths, not with keys.
  const journeys = new Map<string, Map<string, Journey>>(stages.map((s) => [s, new Map()]));
  // Each loaded row brings its own copy of its channel's name; a kept journey holds the one copy,
  // and a journey's identity is its channels' numbers, cheaper to build than JSON of the names.
  const names = new Map<string, { name: string; n: number }>();
  const intern = (name: string) => names.get(name) ?? (names.set(name, { name, n: names.size }), names.get(name)!);

  const addKey = (akey: string, touches: readonly JourneyTouch[]) => {
    // The walk gives them in time order, ties by storage order: sorted by id here, once, each stage's
    // keyJourneys finds them in order (a sorted copy sorts in one pass).
    const history = { touches: [...touches].sort(byTimeThenId), conversions: conversions.get(akey) ?? [] };
    for (const stage of stages) {
      const distinct = journeys.get(stage)!;
      for (const j of keyJourneys(history, { stage, windowDays, fittedAt })) {
        const channels = j.channels.map(intern);
        const id = `${j.converted ? 1 : 0}:${channels.map((c) => c.n).join(',')}`;
        const seen = distinct.get(id);
        if (seen) seen.count = (seen.count ?? 1) + (j.count ?? 1);
        else distinct.set(id, { ...j, channels: channels.map((c) => c.name) });
      }
    }
  };

  await walkKeyTouches(meter, site.id, range, addKey);

  const stored: StoredFit[] = [];
  for (const [stage, distinct] of journeys) {
    const list = [...distinct.values()];
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
