// Server-side writes from marketing and CRM systems: offline touches and conversions.
// Mounted under /v1, behind the secret-key check in app.ts.
import { Hono } from 'hono';
import { conversionsBody, touchesBody } from '../../../schemas/api';
import { LIMITS } from '../../../schemas/limits';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { ingestConversions } from '../ingest/crm';
import { assertItemSizes } from '../ingest/items';
import { ingestOfflineTouches } from '../ingest/offline';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';

export const crm = new Hono<AppEnv>();

const jsonBody = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])] as const;

/** Validates `{<field>: [items]}`, turning "too many items" into 413 as §8 says. */
function itemsOf(body: unknown, schema: typeof touchesBody | typeof conversionsBody, field: 'touches' | 'conversions') {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    if (parsed.error.issues.some((i) => i.path[0] === field && i.code === 'too_big')) {
      throw new ApiError(413, 'too_many_items', `send at most ${LIMITS.serverItems} ${field} per request`);
    }
    throw new ApiError(400, 'invalid_body', `body must be {"${field}": [ … ]}`, issueDetails(parsed.error.issues));
  }
  const items = (parsed.data as Record<string, unknown[]>)[field];
  assertItemSizes(items);
  return items;
}

crm.post('/touches', ...jsonBody, async (c) => {
  const items = itemsOf(await readJson(c), touchesBody, 'touches');
  return c.json(await ingestOfflineTouches(c.env.DB, c.get('site'), items, Date.now()));
});
crm.all('/touches', methodNotAllowed);

crm.post('/conversions', ...jsonBody, async (c) => {
  const items = itemsOf(await readJson(c), conversionsBody, 'conversions');
  return c.json(await ingestConversions(c.env.DB, c.get('site'), items, Date.now()));
});
crm.all('/conversions', methodNotAllowed);
