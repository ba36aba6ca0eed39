// Credit for a window other than the site's, computed per request exactly as the job would store it:
// the job's stitching (CONVERSION_AKEY, loadCandidateConversions, loadKeyTouches) and creditKey.
import { creditKey } from '../attribution/credit-rows';
import { loadKeyTouches } from '../attribution/job';
import type { CreditConversion } from '../attribution/models';
import { NO_TOUCH, splitAkeys } from '../attribution/stitch';
import { loadCandidateConversions, type CandidateConversion } from '../db/attribution';
import { NOT_SET } from '../db/credit';
import { conversionsInRange, touchFields, type CreditGroup, type CreditSlice, type TouchFields } from '../db/reports';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';

/**
 * A request recomputes at most this many conversions (each needs its key's conversions and touches
 * loaded): a year of one stage for most sites, a few seconds of work at the largest.
 */
export const ON_DEMAND_MAX_CONVERSIONS = 5_000;
/** Keys per load: two round trips each, touches of a few hundred accounts per batch. */
const KEYS_PER_CHUNK = 500;

const toConversion = (row: CandidateConversion): CreditConversion => ({
  id: row.conversion_id,
  stage: row.stage,
  at: row.occurred_at,
  opportunityId: row.opportunity_id,
  amountCents: row.amount_cents,
});

/** The credit row field a dimension reads: the touch's column, or the account the row carries. */
function keyOf(slice: CreditSlice, touch: TouchFields | undefined, account: string): string {
  if (slice.dim === 'account') return account;
  const value = touch?.[slice.dim];
  return value ?? NOT_SET;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function computeGroups(
  db: D1Database,
  site: Site,
  slice: CreditSlice,
  range: { fromMs: number; toMs: number },
  windowDays: number,
): Promise<CreditGroup[]> {
  const targets = await conversionsInRange(db, site.id, slice.stage, range, ON_DEMAND_MAX_CONVERSIONS + 1);
  if (targets.length > ON_DEMAND_MAX_CONVERSIONS) {
    throw new ApiError(
      400,
      'too_many_conversions',
      `a window other than the site's own (${site.settings.window_days} days) is computed per request, for at most ` +
        `${ON_DEMAND_MAX_CONVERSIONS.toLocaleString('en-US')} conversions; narrow from/to, or omit window_days to read stored credit`,
    );
  }
  const only = new Set(targets.map((t) => t.conversion_id));
  const akeys = [...new Set(targets.map((t) => t.akey))];
  const settings = { ...site.settings, window_days: windowDays };
  const models = new Set(slice.models);
  const sums = new Map<string, CreditGroup>();

  for (let i = 0; i < akeys.length; i += KEYS_PER_CHUNK) {
    const chunk = akeys.slice(i, i + KEYS_PER_CHUNK);
    const inChunk = new Set(chunk);
    // Every conversion of each key, not only the targets: milestones (LC, OC) need them all.
    const all = new Map<string, CreditConversion[]>();
    const wanted = new Map<string, CreditConversion[]>();
    for (const row of await loadCandidateConversions(db, site.id, splitAkeys(chunk), chunk)) {
      if (!inChunk.has(row.akey)) continue;
      const c = toConversion(row);
      push(all, row.akey, c);
      if (only.has(c.id)) push(wanted, row.akey, c);
    }
    const touches = await loadKeyTouches(db, site.id, wanted, windowDays);
    const rows = [...all].flatMap(([akey, conversions]) => creditKey(akey, conversions, touches.get(akey) ?? [], settings, only).rows);

    const touchIds = [...new Set(rows.filter((r) => r[2] !== '' && models.has(r[0] as never)).map((r) => r[2]))];
    const needsFields = slice.dim !== 'account';
    const fields = new Map((needsFields ? await touchFields(db, site.id, touchIds) : []).map((t) => [t.touch_id, t]));
    for (const [model, , touchId, , cents, , , account, units] of rows) {
      if (!models.has(model as never)) continue;
      const key = touchId === '' ? NO_TOUCH : keyOf(slice, fields.get(touchId), account);
      const id = `${model}\n${key}`;
      const g = sums.get(id) ?? { model, key, units: 0, cents: 0, touches: 0 };
      g.units += units;
      g.cents += cents;
      g.touches += touchId === '' ? 0 : 1;
      sums.set(id, g);
    }
  }
  return [...sums.values()];
}
