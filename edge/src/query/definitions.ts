// definitions_changed_at (docs/governance.md): when the definitions behind a report last changed in a
// way that moves credit (window, half-life, weights, currency, channel rules), so readers comparing
// numbers over time can tell a change of definition from a change of performance.
import { lastCreditChange } from '../db/changes';

export async function definitionsChangedAt(db: D1Database, siteId: string): Promise<string | null> {
  const row = await lastCreditChange(db, siteId).first<{ at: number | null }>();
  return row?.at ? new Date(row.at).toISOString() : null;
}
