// Server-side writes from marketing and CRM systems: offline touches and conversions.
// Mounted under /v1, behind the secret-key check in app.ts.
import { Hono } from 'hono';
import { conversionsBody, touchesBody } from '../../../schemas/api';
import { LIMITS } from '../../../schemas/limits';
import type { AppEnv } from '../env';
import { ingestConversions } from '../ingest/crm';
import { itemsOf } from '../ingest/items';
import { ingestOfflineTouches } from '../ingest/offline';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';

export const crm = new Hono<AppEnv>();

const jsonBody = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])] as const;

crm.post('/touches', ...jsonBody, async (c) => {
  const { items } = itemsOf(await readJson(c), touchesBody, 'touches', 'invalid_body');
  return c.json(await ingestOfflineTouches(c.env.DB, c.get('site'), items, Date.now()));
});
crm.all('/touches', methodNotAllowed);

crm.post('/conversions', ...jsonBody, async (c) => {
  const { items } = itemsOf(await readJson(c), conversionsBody, 'conversions', 'invalid_body');
  return c.json(await ingestConversions(c.env.DB, c.get('site'), items, Date.now()));
});
crm.all('/conversions', methodNotAllowed);
