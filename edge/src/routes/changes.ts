// GET /v1/changes (the change log) and GET /v1/quality/campaigns (campaign hygiene): governance
// reads, so a read key may call both (docs/governance.md).
import { createRoute } from '@hono/zod-openapi';
import { campaignQualityAnswer, campaignQualityParams, changesAnswer, changesParams } from '../../../schemas/governance';
import { listChanges } from '../db/changes';
import { buildCampaignQuality, DEFAULT_UNASSIGNED } from '../query/campaign-quality';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const changes = createRouter();

const DEFAULT_CHANGES = 200;
const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * What a read key sees of a key change: GET /v1/keys refuses read keys, so the log must not list
 * what it would (ids and first characters); the name and scope say what happened.
 */
function keyEntryForReadKey(side: unknown): unknown {
  if (side === null || typeof side !== 'object') return side;
  const { name, scope, kind, rotated } = side as Record<string, unknown>;
  return Object.fromEntries(Object.entries({ name, scope, kind, rotated }).filter(([, v]) => v !== undefined));
}

const log = createRoute({
  method: 'get',
  path: '/changes',
  tags: [TAG.governance],
  summary: 'The change log: settings, custom weights, channel rules, origins and keys, newest first',
  security: SECURITY.read,
  request: { query: changesParams },
  responses: {
    200: {
      description: `[{at, what, before, after, by}], at most limit (default ${DEFAULT_CHANGES}); to a read key, key changes show only the key's name and scope`,
      content: { 'application/json': { schema: changesAnswer } },
    },
    ...errorResponses(400, 401, 403),
  },
});

changes.openapi(log, async (c) => {
  const q = c.req.valid('query');
  const rows = await listChanges(c.env.DB, c.get('site').id, { what: q.what, limit: q.limit ?? DEFAULT_CHANGES });
  const readKey = c.get('keyScope') === 'read';
  const side = (what: string, text: string | null) => (readKey && what === 'keys' ? keyEntryForReadKey(parse(text)) : parse(text));
  c.header('Cache-Control', 'private, no-store');
  return c.json(rows.map((r) => ({ at: new Date(r.at).toISOString(), what: r.what, before: side(r.what, r.before), after: side(r.what, r.after), by: r.by })), 200);
});
changes.all('/changes', methodNotAllowed);

const hygiene = createRoute({
  method: 'get',
  path: '/quality/campaigns',
  tags: [TAG.governance],
  summary: 'Campaign hygiene: spellings that normalise alike, and the top Unassigned source/medium pairs',
  description:
    'Groups stored source, medium and campaign values that are equal after trimming, lower-casing and treating -, _, +, %20 and spaces alike ' +
    `(groups of two or more). unassigned: the most frequent source/medium pairs of touches in Unassigned (default ${DEFAULT_UNASSIGNED}, at most 100).`,
  security: SECURITY.read,
  request: { query: campaignQualityParams },
  responses: { 200: { description: 'groups and unassigned pairs', content: { 'application/json': { schema: campaignQualityAnswer } } }, ...errorResponses(400, 401, 403) },
});

changes.openapi(hygiene, async (c) => {
  const q = c.req.valid('query');
  c.header('Cache-Control', 'private, no-store');
  return c.json(await buildCampaignQuality(c.env.DB, c.get('site').id, q.limit ?? DEFAULT_UNASSIGNED), 200);
});
changes.all('/quality/campaigns', methodNotAllowed);
