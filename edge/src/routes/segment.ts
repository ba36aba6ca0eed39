// Segment-compatible HTTP tracking API, so existing Segment/RudderStack server libraries post unchanged.
// Mounted under /v1, behind the secret-key check in app.ts.
import { Hono } from 'hono';
import { segmentBatch } from '../../../schemas/api';
import { LIMITS } from '../../../schemas/limits';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { assertItemSizes } from '../ingest/items';
import { ingestSegmentMessages, type SegmentType } from '../ingest/segment';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';

export const segment = new Hono<AppEnv>();

const jsonBody = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])] as const;

segment.post('/batch', ...jsonBody, async (c) => {
  const body = await readJson(c);
  const parsed = segmentBatch.safeParse(body);
  if (!parsed.success) {
    const tooMany = parsed.error.issues.some((i) => i.path[0] === 'batch' && i.code === 'too_big');
    if (tooMany) throw new ApiError(413, 'too_many_items', `a batch holds at most ${LIMITS.serverItems} messages`);
    throw new ApiError(400, 'invalid_batch', 'body must be {"batch": [messages]}', issueDetails(parsed.error.issues));
  }
  assertItemSizes(parsed.data.batch);
  const result = await ingestSegmentMessages(c.env.DB, c.get('site'), parsed.data.batch, {
    sentAt: parsed.data.sentAt,
    receivedAt: Date.now(),
  });
  return c.json(result);
});

for (const type of ['identify', 'track', 'page'] as SegmentType[]) {
  segment.post(`/${type}`, ...jsonBody, async (c) => {
    const body = await readJson(c);
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'invalid_message', 'body must be one JSON object');
    }
    assertItemSizes([body]);
    const result = await ingestSegmentMessages(c.env.DB, c.get('site'), [body], { type, receivedAt: Date.now() });
    return c.json(result);
  });
}

for (const path of ['/batch', '/identify', '/track', '/page']) segment.all(path, methodNotAllowed);
