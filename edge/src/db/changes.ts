// The change log (migration 0010): what changed in a site's definitions, before and after, and who
// changed it. Written in the same batch as the change itself, so the log never misses one.
import type { ChangeActor, ChangeKind } from '../../../schemas/governance';

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
