// Server-side writes of what marketing cost: spend items and the exchange rates that convert them.
// Mounted under /v1, behind the secret-key check in app.ts.
import { Hono } from 'hono';
import type { z } from 'zod';
import { LIMITS } from '../../../schemas/limits';
import { ratesBody, spendBody } from '../../../schemas/spend';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { assertItemSizes } from '../ingest/items';
import { ingestRates } from '../ingest/rates';
import { ingestSpend } from '../ingest/spend';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';

export const spend = new Hono<AppEnv>();

const jsonBody = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])] as const;

/** The list of `{<field>: [items]}`; more items than allowed is 413, like every batch endpoint. */
function listOf(body: unknown, schema: z.ZodObject, field: string): unknown[] {
  const parsed = schema.safeParse(body);
  if (parsed.success) {
    const items = (parsed.data as Record<string, unknown[]>)[field];
    assertItemSizes(items);
    return items;
  }
  if (parsed.error.issues.some((i) => i.path[0] === field && i.code === 'too_big')) {
    throw new ApiError(413, 'too_many_items', `send at most ${LIMITS.serverItems} ${field} per request`);
  }
  throw new ApiError(400, 'invalid_body', `body must be {"${field}": [ … ]} with 1 to ${LIMITS.serverItems} items`, issueDetails(parsed.error.issues));
}

spend.post('/spend', ...jsonBody, async (c) => {
  const items = listOf(await readJson(c), spendBody, 'spend');
  return c.json(await ingestSpend(c.env.DB, c.get('site'), items, Date.now()));
});
spend.all('/spend', methodNotAllowed);

spend.post('/exchange-rates', ...jsonBody, async (c) => {
  const items = listOf(await readJson(c), ratesBody, 'rates');
  return c.json(await ingestRates(c.env.DB, c.get('site'), items, Date.now()));
});
spend.all('/exchange-rates', methodNotAllowed);
