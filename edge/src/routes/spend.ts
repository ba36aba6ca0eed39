// Server-side writes of what marketing cost: spend items and the exchange rates that convert them.
// Mounted under /v1, behind the secret-key check in app.ts.
import { createRoute } from '@hono/zod-openapi';
import { exchangeRate, MAX_SPEND_DAYS, ratesBody, spendBody, spendItem } from '../../../schemas/spend';
import { itemsOf } from '../ingest/items';
import { ingestRates } from '../ingest/rates';
import { ingestSpend } from '../ingest/spend';
import { readJson } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { batchResponses, ownBody, SECURITY, SERVER_JSON_BODY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const spend = createRouter();

const spendRoute = createRoute({
  method: 'post',
  path: '/spend',
  tags: [TAG.server],
  summary: 'Spend',
  description: `What a campaign or source cost: one day (date) or a range (start_date, end_date; at most ${MAX_SPEND_DAYS} days) spread evenly over its days in whole cents. The same id again replaces it. Without channel it is classified from source/medium/campaign like a touch. Per-item codes: invalid_spend, invalid_id, invalid_date, range_too_long, invalid_amount, amount_too_large, invalid_currency.`,
  security: SECURITY.secret,
  middleware: SERVER_JSON_BODY,
  request: { body: ownBody(spend, { name: 'SpendBody', schema: spendBody, items: { field: 'spend', name: 'SpendItem', schema: spendItem } }) },
  responses: batchResponses(),
});
spend.openapi(spendRoute, async (c) => {
  const { items } = itemsOf(await readJson(c), spendBody, 'spend', 'invalid_body');
  return c.json(await ingestSpend(c.env.DB, c.get('site'), items, Date.now()), 200);
});
spend.all('/spend', methodNotAllowed);

const ratesRoute = createRoute({
  method: 'post',
  path: '/exchange-rates',
  tags: [TAG.server],
  summary: 'Exchange rates',
  description:
    "From date on, 1 unit of currency = rate units of the site's reporting currency. Conversion amounts and spend in that currency are converted at the latest rate at or before their date; the conversions a new or changed rate converts are re-credited on the next job run. Per-item codes: invalid_exchange_rate, invalid_currency, invalid_date, invalid_rate, reporting_currency.",
  security: SECURITY.secret,
  middleware: SERVER_JSON_BODY,
  request: { body: ownBody(spend, { name: 'ExchangeRatesBody', schema: ratesBody, items: { field: 'rates', name: 'ExchangeRate', schema: exchangeRate } }) },
  responses: batchResponses(),
});
spend.openapi(ratesRoute, async (c) => {
  const { items } = itemsOf(await readJson(c), ratesBody, 'rates', 'invalid_body');
  return c.json(await ingestRates(c.env.DB, c.get('site'), items, Date.now()), 200);
});
spend.all('/exchange-rates', methodNotAllowed);
