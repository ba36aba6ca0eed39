// The cron trigger's work: channel-rule reclassification left over, then the attribution job, both
// within one budget, so that together they stay inside one invocation's limits (attribution/scheduled.ts).
import type { Env } from './env';
import type { Budget } from './attribution/budget';
import { cronBudget, runScheduledAttribution } from './attribution/scheduled';
import { continueReclassifications } from './ingest/reclassify';

export async function runCron(env: Env, at: number, budget: Budget = cronBudget()): Promise<void> {
  try {
    // Finished first where the budget allows, so this run credits what it moved.
    await continueReclassifications(env.DB, budget);
  } catch (err) {
    // Credit must not wait for it: what is queued is credited, and the walk resumes on the next run.
    console.error('reclassification failed', err);
  }
  await runScheduledAttribution(env, at, budget);
}
