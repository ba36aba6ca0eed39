// Channel rules (docs/governance.md): GET|PUT /v1/channel-rules and POST /v1/channel-rules/preview.
// A PUT stores a new version, logs the change, and reclassifies stored touches and spend (as much as
// one request affords; the job continues the rest); the next job run re-credits the touches it moved.
import { createRoute } from '@hono/zod-openapi';
import { channelRulesAnswer, channelRulesBody, previewAnswer, type ChannelRule } from '../../../schemas/governance';
import { LIMITS } from '../../../schemas/limits';
import { insertChangeIfRulesAre, readChannelRules, writeChannelRules } from '../db/channel-rules';
import { ApiError } from '../errors';
import { forgetSites } from '../identity/site-cache';
import { previewRules } from '../ingest/preview';
import { recheckWindow, reclassifyStep } from '../ingest/reclassify';
import { limitBody, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, jsonBody, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const channelRules = createRouter();

/** Rows one PUT reclassifies before answering; a larger site is finished by the next job runs. */
const REQUEST_RECLASSIFY_ROWS = 50_000;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const bodyGuards = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json']), jsonBody()];

const get = createRoute({
  method: 'get',
  path: '/channel-rules',
  tags: [TAG.governance],
  summary: "The site's channel rules, in order, with their version",
  security: SECURITY.read,
  responses: { 200: { description: 'rules and version (0: never set)', content: json(channelRulesAnswer) }, ...errorResponses(401, 403) },
});

channelRules.openapi(get, async (c) => {
  const row = await readChannelRules(c.env.DB, c.get('site').id);
  return c.json(
    { version: row?.version ?? 0, updated_at: iso(row?.updated_at), rules: row?.rules ?? [], reclassification: { done: !row || row.reclass_phase === 'done' } },
    200,
  );
});

const put = createRoute({
  method: 'put',
  path: '/channel-rules',
  tags: [TAG.governance],
  summary: 'Replace the channel rules (at most 100), reclassify history',
  description:
    'Rules are tried in order before the GA4 rules; the first whose every condition holds names the channel. Values match whole and ' +
    'case-insensitively, * standing for any run of characters. Every stored touch and spend row is reclassified from its raw fields ' +
    '(only rows whose channel changes are written) and the next job run re-credits the touches that moved. Sending the same rules again changes nothing. ' +
    'Two saves at once: one is stored, the other answers 409 rules_changed and stores nothing.',
  security: SECURITY.secret,
  middleware: bodyGuards,
  request: { body: { required: true, content: json(channelRulesBody) } },
  responses: {
    200: { description: 'the stored rules, their version and this request\'s reclassification', content: json(channelRulesAnswer) },
    ...errorResponses(400, 401, 403, 409, 413, 415),
    409: { description: 'rules_changed: another save of the rules won the race; nothing was stored (read them again, then retry)', content: errorResponses(409)[409].content },
  },
});

channelRules.openapi(put, async (c) => {
  const { rules } = c.req.valid('json');
  const site = c.get('site');
  const db = c.env.DB;
  const current = await readChannelRules(db, site.id);
  const before: ChannelRule[] = current?.rules ?? [];
  if (JSON.stringify(before) === JSON.stringify(rules) && current) {
    return c.json({ version: current.version, updated_at: iso(current.updated_at), rules, reclassification: { done: current.reclass_phase === 'done', touches_changed: 0, spend_changed: 0 } }, 200);
  }
  const now = Date.now();
  const expected = current?.version ?? 0;
  const version = expected + 1;
  // Written only if no other save has changed the version since it was read (the log entry with it).
  const [written] = await db.batch([
    writeChannelRules(db, site.id, rules, expected, now, recheckWindow(now)),
    insertChangeIfRulesAre(db, site.id, version, now, { what: 'channel_rules', before: { version: expected, rules: before }, after: { version, rules }, by: 'api', movesCredit: true }),
  ]);
  if (!written.results.length) {
    throw new ApiError(409, 'rules_changed', `the channel rules were changed by another request while this one was saving (they are no longer version ${expected}); read them again and retry`);
  }
  // This isolate's ingest classifies by the new rules from the next request on.
  forgetSites();
  const progress = await reclassifyStep(db, site.id, REQUEST_RECLASSIFY_ROWS, now);
  return c.json(
    { version, updated_at: iso(now), rules, reclassification: { done: progress.done, touches_changed: progress.touchesChanged, spend_changed: progress.spendChanged } },
    200,
  );
});
channelRules.all('/channel-rules', methodNotAllowed);

const preview = createRoute({
  method: 'post',
  path: '/channel-rules/preview',
  tags: [TAG.governance],
  summary: 'What these rules would catch among stored touches, without saving them',
  description: 'Reads only, so a read key may call it. Per rule: touches it would catch as the first matching rule, and how many of them would change channel.',
  security: SECURITY.read,
  middleware: bodyGuards,
  request: { body: { required: true, content: json(channelRulesBody) } },
  responses: { 200: { description: 'counts per rule, in order', content: json(previewAnswer) }, ...errorResponses(400, 401, 403, 413, 415) },
});

channelRules.openapi(preview, async (c) => {
  const { rules } = c.req.valid('json');
  return c.json(await previewRules(c.env.DB, c.get('site').id, rules), 200);
});
channelRules.all('/channel-rules/preview', methodNotAllowed);
