// POST /v1/attribution/run: run this site's attribution job now and say what it did.
// Behind the secret-key check that app.ts runs for every /v1 route.
import { createRoute, z } from '@hono/zod-openapi';
import { Budget, runAttribution } from '../attribution/job';
import { recheckSite, reclassifyStep } from '../ingest/reclassify';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';
import { runResult } from './response-schemas';

export const attribution = createRouter();

/** One request stays well inside a Worker's limits; a larger backlog answers done:false and continues on the next call. */
const REQUEST_BUDGET_MS = 20_000;
const REQUEST_BUDGET_QUERIES = 900;
/** Rows of an unfinished channel-rule reclassification continued first (budget allowing), so this run credits them. */
const REQUEST_RECLASSIFY_ROWS = 50_000;

/** A yes/no switch; anything else is 400 invalid_query (edge/src/routes/openapi-router.ts). */
const flag = (name: string, description: string) =>
  z.enum(['true', 'false', '1', '0'], { error: () => `${name} must be true or false` }).optional().meta({ description });
const isOn = (value: string | undefined) => value === 'true' || value === '1';

const runRoute = createRoute({
  method: 'post',
  path: '/attribution/run',
  tags: [TAG.server],
  summary: "Run this site's attribution job now",
  security: SECURITY.secret,
  request: {
    query: z.object({
      full: flag('full', 'recompute every conversion'),
      refit: flag('refit', 'fit the data-driven models (markov, shapley) again once the queued work is done (in this run, or the run that finishes it), and re-roll the reports under the new fit'),
    }),
  },
  responses: {
    200: { description: 'what the run did', content: { 'application/json': { schema: runResult } } },
    ...errorResponses(400, 401, 403),
  },
});
attribution.openapi(runRoute, async (c) => {
  const { full, refit } = c.req.valid('query');
  const site = c.get('site');
  // One budget for both: the reclassification's queries count against the request's limits too.
  const budget = new Budget(REQUEST_BUDGET_MS, REQUEST_BUDGET_QUERIES);
  try {
    const walked = await reclassifyStep(c.env.DB, site.id, REQUEST_RECLASSIFY_ROWS, Date.now(), budget);
    await recheckSite(c.env.DB, site.id, Math.max(REQUEST_RECLASSIFY_ROWS - walked.rowsRead, 0), Date.now(), budget);
  } catch (err) {
    // The run still credits what is queued; the reclassification resumes where it stopped next time.
    console.error('reclassification failed', site.id, err);
  }
  const result = await runAttribution(c.env.DB, site, { full: isOn(full), refit: isOn(refit), budget });
  return c.json(result, 200);
});
attribution.all('/attribution/run', methodNotAllowed);
