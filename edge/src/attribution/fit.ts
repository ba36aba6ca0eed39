// Fits the data-driven models of a site: every key's journeys of every stage, built from the same
// stitched touches and conversions the job credits, then each model's fit per stage, stored whole.
import { formatAkey } from '../../../schemas/akey';
import { DAY_MS } from '../../../schemas/credit';
import { UNCREDITED_STAGE } from '../../../schemas/query';
import { conversionKeys, keySources, replaceFits, type StoredFit } from '../db/fits';
import type { D1Meter } from '../db/meter';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { loadJourneyTouches, loadLoneVisitorPage } from './load';
import { REGISTRY, type Journey } from './models';
import { byTimeThenId, FIT_LOOKBACK_MS, journeySpans, type JourneyTouch } from './models/journeys';

/** Keys per touch load (one round trip each). */
const KEYS_PER_CHUNK = 1000;
/** Lone visitors per page of their walk (one round trip each). */
const VISITORS_PER_PAGE = 5000;

/**
 * Builds every stage's journeys at `fittedAt`, fits every data-driven model on them and stores the
 * fits in one batch. One pass over the site's keys: accounts and free-mail contacts in chunks of
 * keys, then lone visitors in pages of one walk; journeys hold channel names only.
 */
export async function fitSite(meter: D1Meter, site: Site, fittedAt: number): Promise<StoredFit[]> {
  const db = meter.db;
  const sources = keySources(db, site.id);
  const [stageRows, accounts, personal, conversionRows] = await meter.batch<{ stage?: string; id?: string }>([
    siteStages(db, site.id),
    sources.accounts,
    sources.personal,
    conversionKeys(db, site.id),
  ]);
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
  const keys = [
    ...accounts.results.map((r) => formatAkey({ kind: 'account', domain: r.id! })),
    ...personal.results.map((r) => formatAkey({ kind: 'personal', contactId: r.id! })),
  ];
  const windowDays = site.settings.window_days;
  const range = { from: fittedAt - FIT_LOOKBACK_MS - windowDays * DAY_MS, to: fittedAt };
  const windowMs = windowDays * DAY_MS;
  // Per stage, each distinct journey once with how many times it occurred: a site's journeys repeat
  // (most lone visitors' are one channel), so memory grows with distinct paths, not with keys.
  const journeys = new Map<string, Map<string, Journey>>(stages.map((s) => [s, new Map()]));
  // Each loaded row brings its own copy of its channel's name; a kept journey holds the one copy,
  // and a journey's identity is its channels' numbers, cheaper to build than JSON of the names.
  const names = new Map<string, { name: string; n: number }>();
  const intern = (name: string) => names.get(name) ?? (names.set(name, { name, n: names.size }), names.get(name)!);

  const addKey = (akey: string, touches: readonly JourneyTouch[]) => {
    // The key's touches in time then id order as numbers once; each stage's journeys are spans of them.
    const sorted = [...touches].sort(byTimeThenId);
    const times = sorted.map((t) => t.at);
    const channels = sorted.map((t) => intern(t.channel));
    const keyConversions = conversions.get(akey);
    for (const stage of stages) {
      const distinct = journeys.get(stage)!;
      journeySpans(times, keyConversions?.get(stage) ?? [], windowMs, fittedAt, (start, end, converted) => {
        let id = converted ? '1:' : '0:';
        for (let i = start; i < end; i++) id += (i > start ? ',' : '') + channels[i].n;
        const seen = distinct.get(id);
        if (seen) seen.count = (seen.count ?? 1) + 1;
        else distinct.set(id, { stage, channels: channels.slice(start, end).map((c) => c.name), converted, count: 1 });
      });
    }
  };

  for (let i = 0; i < keys.length; i += KEYS_PER_CHUNK) {
    const chunk = keys.slice(i, i + KEYS_PER_CHUNK);
    const touches = await loadJourneyTouches(meter, site.id, new Map(chunk.map((k) => [k, range])));
    for (const akey of chunk) {
      const keyTouches = touches.get(akey);
      if (keyTouches?.length) addKey(akey, keyTouches);
    }
  }
  for (let after: string | null = ''; after !== null; ) {
    const page = await loadLoneVisitorPage(meter, site.id, after, range, VISITORS_PER_PAGE);
    for (const [akey, keyTouches] of page.touches) addKey(akey, keyTouches);
    after = page.next;
  }

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
