// Segment-compatible HTTP tracking API, so existing Segment/RudderStack server libraries post unchanged.
// Mounted under /v1, behind the secret-key check in app.ts.
import { Hono } from 'hono';
import { segmentBatch } from '../../../schemas/api';
import { LIMITS } from '../../../schemas/limits';
import { parseTimestamp } from '../../../schemas/time';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { assertItemSizes, itemsOf } from '../ingest/items';
import { ingestSegmentMessages, type SegmentType } from '../ingest/segment';
import { invalidTimestamp } from '../ingest/time';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';

export const segment = new Hono<AppEnv>();

const jsonBody = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])] as const;

segment.post('/batch', ...jsonBody, async (c) => {
  const { envelope, items } = itemsOf(await readJson(c), segmentBatch, 'batch', 'invalid_batch');
  const sentAt = envelope.sentAt === undefined ? null : parseTimestamp(envelope.sentAt);
  if (envelope.sentAt !== undefined && sentAt === null) {
    const { code, message } = invalidTimestamp('sentAt');
    throw new ApiError(400, code, message);
  }
  return c.json(await ingestSegmentMessages(c.env.DB, c.get('site'), items, { sentAt, receivedAt: Date.now() }));
});

for (const type of ['identify', 'track', 'page'] as SegmentType[]) {
  segment.post(`/${type}`, ...jsonBody, async (c) => {
    const body = await readJson(c);
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'invalid_message', 'body must be one JSON object');
    }
    assertItemSizes([body]);
    return c.json(await ingestSegmentMessages(c.env.DB, c.get('site'), [body], { type, sentAt: null, receivedAt: Date.now() }));
  });
}

for (const path of ['/batch', '/identify', '/track', '/page']) segment.all(path, methodNotAllowed);
