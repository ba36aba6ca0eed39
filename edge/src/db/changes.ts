// The change log (migration 0010): what changed in a site's definitions, before and after, and who
// changed it. Written in the same batch as the change itself, so the log never misses one.
import type { ChangeActor, ChangeKind } from '../../../schemas/governance';
import type { SiteSettings } from './sites';

export interface NewChange {
  what: ChangeKind;
  before: unknown;
  after: unknown;
  by: ChangeActor;
  /** Whether it moves credit (window, half-life, weights, currency, channel rules). */
  movesCredit: boolean;
}

export interface ChangeRow {
  at: number;
  what: ChangeKind;
  before: string | null;
  after: string | null;
  by: ChangeActor;
}

const asJson = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export function insertChange(db: D1Database, siteId: string, c: NewChange, at: number): D1PreparedStatement {
  return db
    .prepare('INSERT INTO changes (site_id, at, what, before, after, by, moves_credit) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .bind(siteId, at, c.what, asJson(c.before), asJson(c.after), c.by, c.movesCredit ? 1 : 0);
}

/** Newest first. */
export async function listChanges(db: D1Database, siteId: string, opts: { what?: ChangeKind; limit: number }): Promise<ChangeRow[]> {
  const { results } = await db
    .prepare(
      `SELECT at, what, before, after, by FROM changes
       WHERE site_id = ?1 AND (?2 IS NULL OR what = ?2) ORDER BY at DESC, seq DESC LIMIT ?3`,
    )
    .bind(siteId, opts.what ?? null, opts.limit)
    .all<ChangeRow>();
  return results;
}

/** The latest change that moves credit, or null. */
export function lastCreditChange(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT MAX(at) AS at FROM changes WHERE site_id = ? AND moves_credit = 1').bind(siteId);
}

/** Settings that move credit when they change (custom_weights is logged as its own kind). */
const CREDIT_SETTINGS = new Set<string>(['window_days', 'half_life_days', 'currency']);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The log entries of a change of origins and settings (before null: the site was created). Custom
 * weights are their own kind; other settings are one entry holding only the fields that changed.
 */
export function siteChanges(
  before: { origins: string[]; settings: SiteSettings } | null,
  after: { origins: string[]; settings: SiteSettings },
  by: ChangeActor,
): NewChange[] {
  const out: NewChange[] = [];
  if (!before || !same(before.origins, after.origins)) {
    out.push({ what: 'origins', before: before?.origins ?? null, after: after.origins, by, movesCredit: false });
  }
  // A site made without weights has nothing to say about them yet.
  const weightsChanged = before ? !same(before.settings.custom_weights, after.settings.custom_weights) : Object.keys(after.settings.custom_weights).length > 0;
  if (weightsChanged) {
    out.push({ what: 'custom_weights', before: before?.settings.custom_weights ?? null, after: after.settings.custom_weights, by, movesCredit: before !== null });
  }
  const changed = (Object.keys(after.settings) as (keyof SiteSettings)[]).filter(
    (k) => k !== 'custom_weights' && (!before || !same(before.settings[k], after.settings[k])),
  );
  if (changed.length) {
    const pick = (s: SiteSettings) => Object.fromEntries(changed.map((k) => [k, s[k]]));
    out.push({
      what: 'settings',
      before: before ? pick(before.settings) : null,
      after: pick(after.settings),
      by,
      movesCredit: before !== null && changed.some((k) => CREDIT_SETTINGS.has(k)),
    });
  }
  return out;
}
