// definitions_changed_at (docs/governance.md): when the definitions behind a report last changed in a
// way that moves credit (window, half-life, weights, currency, channel rules), so readers comparing
// numbers over time can tell a change of definition from a change of performance.
import { lastCreditChange } from '../db/changes';

/** The statement behind definitions_changed_at, for a report that sends it in its own batch (one round trip, not two). */
export const definitionsRead = (db: D1Database, siteId: string): D1PreparedStatement => lastCreditChange(db, siteId);

/** definitions_changed_at from the result of definitionsRead. */
export function definitionsChangedAtOf(result: D1Result): string | null {
  const at = (result.results[0] as { at: number | null } | undefined)?.at;
  return at ? new Date(at).toISOString() : null;
}
