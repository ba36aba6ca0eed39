// Counts what a job run costs D1: round trips, rows read and rows written (every index entry counts),
// summed from each statement's meta, as D1 bills them.

export class D1Meter {
  roundTrips = 0;
  rowsRead = 0;
  rowsWritten = 0;

  constructor(readonly db: D1Database) {}

  async batch<T = Record<string, unknown>>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    if (!statements.length) return [];
    const results = await this.db.batch<T>(statements);
    this.roundTrips++;
    for (const r of results) {
      this.rowsRead += r.meta?.rows_read ?? 0;
      this.rowsWritten += r.meta?.rows_written ?? 0;
    }
    return results;
  }

  async all<T>(statement: D1PreparedStatement): Promise<T[]> {
    const [r] = await this.batch<T>([statement]);
    return r.results;
  }
}
