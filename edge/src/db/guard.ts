// Aborting a D1 batch from inside it when what a job read has changed since. SQLite has no RAISE
// outside triggers, so a guard inserts a NULL key into attribution_dirty when its condition holds;
// the NOT NULL violation rolls back the whole batch, and the caller recognises the error by its text.
// Every guard of the job (credit rewritten by another run, a key re-marked or taken by another run,
// a lost rollup lease) is written this way; site id is ?1 in each.

/** The error text of an aborted batch. */
export const BATCH_ABORTED = 'NOT NULL constraint failed: attribution_dirty.akey';

/** A statement that aborts its batch when `condition` (SQL over the statement's own parameters) holds. */
export const abortWhen = (condition: string): string => `INSERT INTO attribution_dirty (site_id, akey, marked_at) SELECT ?1, NULL, 0 WHERE ${condition}`;

export const isAborted = (err: unknown): boolean => String((err as Error)?.message ?? err).includes(BATCH_ABORTED);
