// POST /v1/attribution/run: run this site's attribution job now and say what it did.
// Behind the secret-key check that app.ts runs for every /v1 route.
import { Hono } from 'hono';
import { Budget, runAttribution } from '../attribution/job';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { methodNotAllowed } from './method-not-allowed';

export const attribution = new Hono<AppEnv>();

/** One request stays well inside a Worker's limits; a larger backlog answers done:false and continues on the next call. */
const REQUEST_BUDGET_MS = 20_000;
const REQUEST_BUDGET_QUERIES = 900;

attribution.post('/attribution/run', async (c) => {
  const full = c.req.query('full');
  if (full !== undefined && !['true', 'false', '1', '0'].includes(full)) {
    throw new ApiError(400, 'invalid_query', 'full must be true or false');
  }
  const budget = new Budget(REQUEST_BUDGET_MS, REQUEST_BUDGET_QUERIES);
  const result = await runAttribution(c.env.DB, c.get('site'), { full: full === 'true' || full === '1', budget });
  return c.json(result);
});
attribution.all('/attribution/run', methodNotAllowed);
