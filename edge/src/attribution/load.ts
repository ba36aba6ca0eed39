// Loads what crediting a set of keys needs: their conversions (now and where last credited) and
// their touches over the ranges asked for. The job and on-demand windows read through here alike.
import { formatAkey, parseAkey, splitAkeys } from '../../../schemas/akey';
import { convertCents } from '../../../schemas/money';
import {
  candidateStatements,
  isTooBig,
  mergeCandidates,
  touchStatements,
  ungroupTouches,
  type CandidateConversion,
  type LoadedTouch,
  type TouchColumns,
  type TouchGroup,
  type TouchRequest,
} from '../db/attribution';
import { loneVisitorIds, loneVisitorTouches } from '../db/fits';
import type { D1Meter } from '../db/meter';
import type { KeyTouch } from './credit-key';
import type { CreditConversion } from './models';
import type { JourneyTouch } from './models/journeys';

/**
 * Amounts are credited in the reporting currency, converted here at the rate loaded with the row; one
 * without a rate yet is credited with no revenue, and a rate that arrives later re-queues it.
 */
export const toConversion = (row: CandidateConversion): CreditConversion => ({
  id: row.conversion_id,
  stage: row.stage,
  at: row.occurred_at,
  opportunityId: row.opportunity_id,
  amountCents: row.amount_cents === null || row.rate === null ? null : convertCents(row.amount_cents, row.rate),
});

/** Conversions that belong to the keys now or were last credited under one of them, with their rates into `currency`. */
export async function loadCandidates(meter: D1Meter, siteId: string, akeys: string[], currency: string): Promise<CandidateConversion[]> {
  return mergeCandidates(await meter.batch<CandidateConversion>(candidateStatements(meter.db, siteId, splitAkeys(akeys), akeys, currency)));
}

function touchRequest(ranges: ReadonlyMap<string, { from: number; to: number }>): TouchRequest {
  const req: TouchRequest = { accounts: [], personal: [], visitors: [] };
  for (const [akey, range] of ranges) {
    const p = parseAkey(akey);
    if (p.kind === 'account') req.accounts.push({ akey, id: p.domain, ...range });
    else if (p.kind === 'personal') req.personal.push({ akey, id: p.contactId, ...range });
    else if (p.kind === 'visitor') req.visitors.push({ akey, id: p.visitorId, ...range });
  }
  return req;
}

/**
 * The touches of a request, one row per touch: read grouped by key (one row per key crosses from D1,
 * the cheap way), or by rows when some key has more in range than D1 lets one value hold.
 */
async function readTouches<Row extends { akey: string }>(meter: D1Meter, siteId: string, req: TouchRequest, columns: TouchColumns): Promise<Row[]> {
  try {
    const results = await meter.batch<TouchGroup>(touchStatements(meter.db, siteId, req, columns, 'grouped'));
    return ungroupTouches<Row>(results.flatMap((r) => r.results), columns);
  } catch (err) {
    if (!isTooBig(err)) throw err;
    return (await meter.batch<Row>(touchStatements(meter.db, siteId, req, columns, 'rows'))).flatMap((r) => r.results);
  }
}

/** Rows per key, deduped by touch id (a touch reached through several links comes back more than once). */
function byKey<Row extends { akey: string; touch_id: string }, T>(rows: Row[], make: (row: Row) => T): Map<string, T[]> {
  const out = new Map<string, Map<string, T>>();
  for (const row of rows) {
    let touches = out.get(row.akey);
    if (!touches) out.set(row.akey, (touches = new Map()));
    touches.set(row.touch_id, make(row));
  }
  return new Map([...out].map(([akey, touches]) => [akey, [...touches.values()]]));
}

/** Each key's touches over its range, with every field crediting needs. */
export async function loadKeyTouches(meter: D1Meter, siteId: string, ranges: ReadonlyMap<string, { from: number; to: number }>): Promise<Map<string, KeyTouch[]>> {
  const rows = await readTouches<LoadedTouch>(meter, siteId, touchRequest(ranges), 'credit');
  return byKey(rows, (t) => ({
    id: t.touch_id,
    at: t.occurred_at,
    channel: t.channel,
    touchType: t.touch_type,
    fields: { touch_type: t.touch_type, channel: t.channel, source: t.source, medium: t.medium, campaign: t.campaign, content: t.content, term: t.term },
  }));
}

/** A loaded row of the journey columns, and the touch a journey reads from it. */
interface JourneyRow {
  akey: string;
  touch_id: string;
  occurred_at: number;
  channel: string;
}
const toJourneyTouch = (t: JourneyRow): JourneyTouch => ({ id: t.touch_id, at: t.occurred_at, channel: t.channel });

/** Each key's touches over its range with only what a journey reads (time, id, channel): a fit reads many keys' last windows. */
export async function loadJourneyTouches(meter: D1Meter, siteId: string, ranges: ReadonlyMap<string, { from: number; to: number }>): Promise<Map<string, JourneyTouch[]>> {
  return byKey(await readTouches<JourneyRow>(meter, siteId, touchRequest(ranges), 'journey'), toJourneyTouch);
}

/**
 * A page of lone visitors after `after` (visitor order) with their touches over `range`, and where
 * the next page starts (null: this was the last). Read grouped in one walk of the touches; a visitor
 * past D1's value limit sends the page through the per-key loads instead.
 */
export async function loadLoneVisitorPage(
  meter: D1Meter,
  siteId: string,
  after: string,
  range: { from: number; to: number },
  limit: number,
): Promise<{ touches: Map<string, JourneyTouch[]>; next: string | null }> {
  let ids: string[];
  let touches: Map<string, JourneyTouch[]>;
  try {
    const groups = await meter.all<TouchGroup & { id: string }>(loneVisitorTouches(meter.db, siteId, after, range, limit));
    ids = groups.map((g) => g.id);
    touches = byKey(ungroupTouches<JourneyRow>(groups, 'journey'), toJourneyTouch);
  } catch (err) {
    if (!isTooBig(err)) throw err;
    ids = (await meter.all<{ id: string }>(loneVisitorIds(meter.db, siteId, after, range, limit))).map((r) => r.id);
    touches = await loadJourneyTouches(meter, siteId, new Map(ids.map((id) => [formatAkey({ kind: 'visitor', visitorId: id }), range])));
  }
  return { touches, next: ids.length < limit ? null : ids[ids.length - 1] };
}
