// POST /v1/attribution/run: run this site's attribution job now and say what it did.
// Behind the secret-key check that app.ts runs for every /v1 route.
import { Hono } from 'hono';
import { Budget, runAttribution } from '../attribution/job';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { recheckSite, reclassifyStep } from '../ingest/reclassify';
import { methodNotAllowed } from './method-not-allowed';

export const attribution = new Hono<AppEnv>();

/** One request stays well inside a Worker's limits; a larger backlog answers done:false and continues on the next call. */
const REQUEST_BUDGET_MS = 20_000;
const REQUEST_BUDGET_QUERIES = 900;
/** Rows of an unfinished channel-rule reclassification continued first, so this run credits them. */
const REQUEST_RECLASSIFY_ROWS = 50_000;

attribution.post('/attribution/run', async (c) => {
  const flag = (name: string) => {
    const value = c.req.query(name);
    if (value !== undefined && !['true', 'false', '1', '0'].includes(value)) throw new ApiError(400, 'invalid_query', `${name} must be true or false`);
    return value === 'true' || value === '1';
  };
  const budget = new Budget(REQUEST_BUDGET_MS, REQUEST_BUDGET_QUERIES);
  await reclassifyStep(c.env.DB, c.get('site').id, REQUEST_RECLASSIFY_ROWS);
  await recheckSite(c.env.DB, c.get('site').id, REQUEST_RECLASSIFY_ROWS);
  const result = await runAttribution(c.env.DB, c.get('site'), { full: flag('full'), refit: flag('refit'), budget });
  return c.json(result);
});
attribution.all('/attribution/run', methodNotAllowed);
