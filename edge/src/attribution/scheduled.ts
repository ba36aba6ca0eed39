// The attribution part of the cron: runs every site's incremental job within one shared budget.
import { listSitesByLastRun } from '../db/attribution';
import { findSiteById } from '../db/sites';
import type { Env } from '../env';
import { Budget, runAttribution, type RunResult } from './job';

/**
 * Well inside a cron invocation's limits (CPU 30 s by default, 1,000 D1 queries on the paid plan):
 * what does not fit stays queued, and the sites least recently run go first next time.
 */
const CRON_BUDGET_MS = 25_000;
const CRON_BUDGET_QUERIES = 900;

/** The one budget of a cron invocation: the reclassification that runs first spends from it too (edge/src/cron.ts). */
export const cronBudget = () => new Budget(CRON_BUDGET_MS, CRON_BUDGET_QUERIES);

export async function runScheduledAttribution(env: Env, _at: number, budget: Budget = cronBudget()): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const id of await listSitesByLastRun(env.DB)) {
    if (budget.exhausted) break;
    const site = await findSiteById(env.DB, id);
    budget.spend(1);
    if (!site) continue;
    try {
      results.push(await runAttribution(env.DB, site, { budget }));
    } catch (err) {
      // One site's failure must not hold back the others; its unfinished keys stay queued for the next run.
      console.error('attribution failed', id, err);
    }
  }
  const done = results.filter((r) => r.done).length;
  const rows = results.reduce((n, r) => n + r.credit_rows_written, 0);
  console.log(`attribution: ${results.length} sites run, ${done} done, ${rows} credit rows written`);
  return results;
}
