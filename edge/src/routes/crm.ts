// Server-side writes from marketing and CRM systems: offline touches and conversions.
// Mounted under /v1, behind the secret-key check in app.ts.
import { createRoute } from '@hono/zod-openapi';
import { conversion, conversionsBody, offlineTouch, touchesBody } from '../../../schemas/api';
import { ingestConversions } from '../ingest/crm';
import { itemsOf } from '../ingest/items';
import { ingestOfflineTouches } from '../ingest/offline';
import { readJson } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { batchResponses, ownBody, SECURITY, SERVER_JSON_BODY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const crm = createRouter();

const touchesRoute = createRoute({
  method: 'post',
  path: '/touches',
  tags: [TAG.server],
  summary: 'Offline touches',
  description:
    "Events, webinars, meetings, calls, direct mail, partner referrals, sales outreach. A touch sent by email is the contact's (at the contact's account); account_domain with an email moves the contact to that account; a free-mail account_domain is rejected per item (free_mail_account).",
  security: SECURITY.secret,
  middleware: SERVER_JSON_BODY,
  request: { body: ownBody(crm, { name: 'TouchesBody', schema: touchesBody, items: { field: 'touches', name: 'OfflineTouch', schema: offlineTouch } }) },
  responses: batchResponses(),
});
crm.openapi(touchesRoute, async (c) => {
  const { items } = itemsOf(await readJson(c), touchesBody, 'touches', 'invalid_body');
  return c.json(await ingestOfflineTouches(c.env.DB, c.get('site'), items, Date.now()), 200);
});
crm.all('/touches', methodNotAllowed);

const conversionsRoute = createRoute({
  method: 'post',
  path: '/conversions',
  tags: [TAG.server],
  summary: 'CRM conversions',
  description:
    'The same id again updates that conversion and its credit; amount, currency and opportunity_id left out of a resend keep their stored values. Identity rules as for /v1/touches (free_mail_account per item).',
  security: SECURITY.secret,
  middleware: SERVER_JSON_BODY,
  request: { body: ownBody(crm, { name: 'ConversionsBody', schema: conversionsBody, items: { field: 'conversions', name: 'Conversion', schema: conversion } }) },
  responses: batchResponses(),
});
crm.openapi(conversionsRoute, async (c) => {
  const { items } = itemsOf(await readJson(c), conversionsBody, 'conversions', 'invalid_body');
  return c.json(await ingestConversions(c.env.DB, c.get('site'), items, Date.now()), 200);
});
crm.all('/conversions', methodNotAllowed);
