// definitions_changed_at (docs/governance.md): when the definitions behind a report last changed in a
// way that moves credit (window, half-life, weights, currency, channel rules), so readers comparing
// numbers over time can tell a change of definition from a change of performance.
import { lastCreditChange } from '../db/changes';

export async function definitionsChangedAt(db: D1Database, siteId: string): Promise<string | null> {
  const row = await lastCreditChange(db, siteId).first<{ at: number | null }>();
  return row?.at ? new Date(row.at).toISOString() : null;
}

/** A report with its definitions_changed_at, read alongside the report's own reads, not after them. */
export async function withDefinitionsChangedAt<T extends object>(db: D1Database, siteId: string, report: Promise<T>): Promise<T & { definitions_changed_at: string | null }> {
  const [r, at] = await Promise.all([report, definitionsChangedAt(db, siteId)]);
  return { ...r, definitions_changed_at: at };
}
