// The job's side of the credit_daily rollup: the stored credit it replaces, touch fields for the new
// rows, a guard against a concurrent run, and the delta upserts and pruning (see migration 0003).
import { MODELS } from '../attribution/models';
import type { RollupDelta, RollupKey, StoredCredit, TouchFieldSet } from '../attribution/rollup';

const IDS_PER_STATEMENT = 2000;
/** JSON parameters stay far below D1's 1 MB value limit even with 1,024-character campaign names. */
const JSON_CHARS_PER_STATEMENT = 200_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Splits JSON-encoded items into arrays of at most `maxChars` (and `maxItems`), never splitting one. */
export function jsonParts(encoded: string[], maxChars = JSON_CHARS_PER_STATEMENT, maxItems = 1000): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const e of encoded) {
    if (current.length && (chars + e.length > maxChars || current.length >= maxItems)) {
      parts.push(`[${current.join(',')}]`);
      current = [];
      chars = 0;
    }
    current.push(e);
    chars += e.length + 1;
  }
  if (current.length) parts.push(`[${current.join(',')}]`);
  return parts;
}

export interface CreditState {
  rows: StoredCredit[];
  /** computed_at of each conversion's stored credit (attribution_conversions); absent: never credited. */
  stamps: Map<string, number>;
}

/**
 * The credit rows these conversions have now, with the stamp of the run that wrote them: what the
 * job's new rows replace, so the rollup moves by the difference. Walks the primary key per model.
 */
export async function readCreditState(db: D1Database, siteId: string, conversionIds: string[]): Promise<CreditState> {
  if (!conversionIds.length) return { rows: [], stamps: new Map() };
  const statements = chunks(conversionIds, IDS_PER_STATEMENT).flatMap((ids) => [
    db
      .prepare(
        `SELECT c.model, c.conversion_id, c.touch_id, c.stage, c.converted_at, c.weight, c.weight_units, c.revenue_cents,
                c.touch_type, c.channel, c.source, c.medium, c.campaign, c.content, c.term, c.account_domain
         FROM json_each(?2) m CROSS JOIN json_each(?3) i
         CROSS JOIN credit c ON c.site_id = ?1 AND c.model = m.value AND c.conversion_id = i.value`,
      )
      .bind(siteId, JSON.stringify(MODELS), JSON.stringify(ids)),
    db
      .prepare(
        `SELECT m.conversion_id, m.computed_at FROM json_each(?2) i
         CROSS JOIN attribution_conversions m ON m.site_id = ?1 AND m.conversion_id = i.value`,
      )
      .bind(siteId, JSON.stringify(ids)),
  ]);
  const results = await db.batch<Record<string, unknown>>(statements);
  const state: CreditState = { rows: [], stamps: new Map() };
  results.forEach((r, i) => {
    // A loop, not push(...rows): spreading 150k+ rows overflows the call stack (seen at 1M touches).
    if (i % 2 === 0) for (const row of r.results as unknown as StoredCredit[]) state.rows.push(row);
    else for (const s of r.results as { conversion_id: string; computed_at: number }[]) state.stamps.set(s.conversion_id, s.computed_at);
  });
  return state;
}

/** The grouping fields of touches by id (primary key): what the new credit rows and the rollup copy. */
export async function readTouchFields(db: D1Database, siteId: string, touchIds: string[]): Promise<Map<string, TouchFieldSet>> {
  if (!touchIds.length) return new Map();
  const statements = chunks(touchIds, IDS_PER_STATEMENT).map((ids) =>
    db
      .prepare(
        `SELECT t.touch_id, t.touch_type, t.channel, t.source, t.medium, t.campaign, t.content, t.term
         FROM json_each(?2) i CROSS JOIN touches t ON t.site_id = ?1 AND t.touch_id = i.value`,
      )
      .bind(siteId, JSON.stringify(ids)),
  );
  const out = new Map<string, TouchFieldSet>();
  for (const r of await db.batch<TouchFieldSet & { touch_id: string }>(statements)) {
    for (const { touch_id, ...fields } of r.results) out.set(touch_id, fields);
  }
  return out;
}

/** The message of the error the guard raises; write-chunk.ts turns it into StaleCreditError. */
export const STALE_CREDIT_MARK = 'NOT NULL constraint failed: attribution_dirty.akey';

/**
 * Aborts the batch it is in when these conversions' credit is no longer what the job read: another
 * run rewrote it meanwhile, and the deltas computed against the old rows would count twice. SQLite
 * has no RAISE outside triggers, so the statement inserts a NULL key when the stamps differ, and the
 * NOT NULL violation rolls back the whole D1 batch.
 */
export function guardCreditState(db: D1Database, siteId: string, conversionIds: string[], stamps: Map<string, number>): D1PreparedStatement[] {
  return chunks(conversionIds, IDS_PER_STATEMENT).map((ids) => {
    let n = 0;
    let sum = 0;
    for (const id of ids) {
      const s = stamps.get(id);
      if (s !== undefined) {
        n++;
        sum += s;
      }
    }
    return db
      .prepare(
        `INSERT INTO attribution_dirty (site_id, akey, marked_at)
         SELECT ?1, NULL, 0 FROM (
           SELECT COUNT(*) AS n, COALESCE(SUM(m.computed_at), 0) AS total FROM json_each(?2) i
           CROSS JOIN attribution_conversions m ON m.site_id = ?1 AND m.conversion_id = i.value) s
         WHERE s.n <> ?3 OR s.total <> ?4`,
      )
      .bind(siteId, JSON.stringify(ids), n, sum);
  });
}

/** Adds each delta to its rollup row, creating it when new. */
export function upsertRollup(db: D1Database, siteId: string, deltas: RollupDelta[]): D1PreparedStatement[] {
  const encoded = deltas.map((d) => JSON.stringify([d.model, d.stage, d.dim, d.day, d.key, d.units, d.cents, d.touches]));
  return jsonParts(encoded, JSON_CHARS_PER_STATEMENT, 5000).map((json) =>
    db
      .prepare(
        `INSERT INTO credit_daily (site_id, model, stage, dim, day, key, weight_units, revenue_cents, touches)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7
         FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, model, stage, dim, day, key) DO UPDATE SET
           weight_units = weight_units + excluded.weight_units,
           revenue_cents = revenue_cents + excluded.revenue_cents,
           touches = touches + excluded.touches`,
      )
      .bind(siteId, json),
  );
}

/**
 * Drops rows left summing to nothing among those a delta reduced. A "(no touch)" row always carries
 * 1e9 units and a touch row counts in `touches`, so all-zero means no credit row is left in the group.
 * The keys are matched by a join first: a row-value IN over json_each values (no column affinity)
 * would use only the first four primary-key columns and read every day of each dimension.
 */
export function pruneRollup(db: D1Database, siteId: string, keys: RollupKey[]): D1PreparedStatement[] {
  const encoded = keys.map((k) => JSON.stringify([k.model, k.stage, k.dim, k.day, k.key]));
  return jsonParts(encoded, JSON_CHARS_PER_STATEMENT, 5000).map((json) =>
    db
      .prepare(
        `DELETE FROM credit_daily WHERE site_id = ?1 AND (model, stage, dim, day, key) IN (
           SELECT c.model, c.stage, c.dim, c.day, c.key FROM json_each(?2) j
           CROSS JOIN credit_daily c ON c.site_id = ?1 AND c.model = j.value->>0 AND c.stage = j.value->>1
             AND c.dim = j.value->>2 AND c.day = j.value->>3 AND c.key = j.value->>4
           WHERE c.weight_units = 0 AND c.revenue_cents = 0 AND c.touches = 0)`,
      )
      .bind(siteId, json),
  );
}
