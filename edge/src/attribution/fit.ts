// Fits the data-driven models of a site: every stage's journeys, converting and not, then each
// model's fit per stage, stored whole. Converting journeys are read from stored credit, which lists
// every conversion's window touches (so the fit runs once the job's queue is drained: job.ts); the
// non-converting ones from each key's stored tail (tails.ts), recomputed only where it changed.
import { decodeJourney, readParts } from '../../../schemas/credit';
import { TOUCH_DIMENSIONS } from '../../../schemas/dimensions';
import { stageTimes } from '../../../schemas/key-funnel';
import { UNCREDITED_STAGE } from '../../../schemas/query';
import { conversionKeys, convertingJourneyParts, convertingJourneys, replaceFits, type StoredFit } from '../db/fits';
import type { D1Meter } from '../db/meter';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { readTails } from '../db/tails';
import { REGISTRY, type Journey } from './models';
import { FIT_LOOKBACK_MS } from './models/journeys';
import { refreshTails } from './tails';

/** Conversions per page of those whose journey is read part by part or from the payload. */
const CONVERSIONS_PER_PAGE = 200;
const CHANNEL = TOUCH_DIMENSIONS.indexOf('channel');

/**
 * Builds every stage's journeys at `fittedAt`, fits every data-driven model on them and stores the
 * fits in one batch. Stored credit must be current (the job's queue drained): converting journeys
 * come from it. Journeys hold channel names only.
 */
export async function fitSite(meter: D1Meter, site: Site, fittedAt: number): Promise<StoredFit[]> {
  const db = meter.db;
  const lookback = { from: fittedAt - FIT_LOOKBACK_MS, to: fittedAt };
  const [stageRows, conversionRows, convertingRows] = await meter.batch<Record<string, unknown>>([
    siteStages(db, site.id),
    conversionKeys(db, site.id),
    convertingJourneys(db, site.id, lookback),
  ]);
  // Every conversion's time by key and stage, sorted: a key's non-converting journey of a stage
  // starts after its latest conversion of that stage.
  const byKey = new Map<string, { stage: string; at: number }[]>();
  for (const c of conversionRows.results as unknown as { stage: string; at: number; akey: string }[]) {
    const list = byKey.get(c.akey);
    if (list) list.push(c);
    else byKey.set(c.akey, [c]);
  }
  const conversions = new Map([...byKey].map(([akey, list]) => [akey, stageTimes(list)]));
  await refreshTails(meter, site, conversions, fittedAt);

  const stages = (stageRows.results as { stage: string }[]).map((r) => r.stage).filter((s) => s !== UNCREDITED_STAGE);
  // Per stage, each distinct journey once with how many times it occurred: a site's journeys repeat
  // (most lone visitors' are one channel), so memory grows with distinct paths, not with keys.
  const journeys = new Map<string, Map<string, Journey>>(stages.map((s) => [s, new Map()]));
  // A kept journey holds one copy of each channel's name, and a journey's identity is its channels'
  // numbers, cheaper to build than JSON of the names. Joined, not appended one by one: a string built
  // by += is a chain of pieces that a Map key keeps whole (at 1M touches that took 60 MB of the fit's
  // heap, measured by bench/lib/fit-memory.mjs).
  const names = new Map<string, { name: string; n: number }>();
  const intern = (name: string) => names.get(name) ?? (names.set(name, { name, n: names.size }), names.get(name)!);
  const addJourney = (stage: string, channels: readonly { name: string; n: number }[], converted: boolean, count: number) => {
    const distinct = journeys.get(stage);
    if (!distinct || !channels.length) return;
    const numbers: number[] = new Array(channels.length);
    for (let i = 0; i < channels.length; i++) numbers[i] = channels[i].n;
    const id = (converted ? '1:' : '0:') + numbers.join(',');
    const seen = distinct.get(id);
    if (seen) seen.count = (seen.count ?? 1) + count;
    else distinct.set(id, { stage, channels: channels.map((c) => c.name), converted, count });
  };

  // Converting: one per credited conversion with window touches, F − 365 d ≤ T ≤ F, its channels as stored.
  for (const row of convertingRows.results as { stage: string; journey: string; n: number }[]) {
    addJourney(row.stage, decodeJourney(row.journey).map(intern), true, row.n);
  }
  type PartRow = { conversion_id: string; stage: string; part: number; journey: string | null; payload: string | null };
  for (let after: string | null = ''; after !== null; ) {
    const rows: PartRow[] = await meter.all<PartRow>(convertingJourneyParts(db, site.id, lookback, after, CONVERSIONS_PER_PAGE));
    let seen = 0;
    for (let i = 0; i < rows.length; seen++) {
      const first: PartRow = rows[i];
      const channels: string[] = [];
      for (; i < rows.length && rows[i].conversion_id === first.conversion_id; i++) {
        const { journey, payload } = rows[i];
        // A loop, not a spread: a part may hold more touches than a call takes arguments.
        if (journey !== null) for (const c of decodeJourney(journey)) channels.push(c);
        else for (const p of readParts([payload!])) for (const t of p.t) channels.push(p.g[t[1]][CHANNEL] ?? '');
      }
      addJourney(first.stage, channels.map(intern), true, 1);
      after = first.conversion_id;
    }
    if (seen < CONVERSIONS_PER_PAGE) after = null;
  }

  // Non-converting: each key last touched in the fit's year, its stored tail after its latest
  // conversion of the stage (the cut), when any touch is left.
  for (const row of (await meter.all<{ journey: string; cuts: string | null; n: number }>(readTails(db, site.id, lookback.from)))) {
    const channels = decodeJourney(row.journey).map(intern);
    const cuts = row.cuts === null ? null : (JSON.parse(row.cuts) as Record<string, number>);
    for (const stage of stages) addJourney(stage, channels.slice(cuts?.[stage] ?? 0), false, row.n);
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
    stored.push({ stage, fitted_at: fittedAt, window_days: site.settings.window_days, converting, non_converting: all - converting, fit: JSON.stringify(fit) });
  }
  await meter.batch(replaceFits(db, site.id, stored));
  return stored;
}
