// Segment-compatible HTTP tracking API, so existing Segment/RudderStack server libraries post unchanged.
// Mounted under /v1, behind the secret-key check in app.ts.
import { createRoute } from '@hono/zod-openapi';
import { segmentBatch, segmentMessage } from '../../../schemas/api';
import { parseTimestamp } from '../../../schemas/time';
import { ApiError } from '../errors';
import { assertItemSizes, itemsOf } from '../ingest/items';
import { ingestSegmentMessages, type SegmentType } from '../ingest/segment';
import { invalidTimestamp } from '../ingest/time';
import { readJson } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { batchResponses, ownBody, SECURITY, SERVER_JSON_BODY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const segment = createRouter();

const messageBody = ownBody(segment, { name: 'SegmentMessage', schema: segmentMessage });

const batchRoute = createRoute({
  method: 'post',
  path: '/batch',
  tags: [TAG.server],
  summary: 'Segment-compatible batch',
  description: 'The Segment HTTP tracking API batch: identify, track and page messages.',
  security: SECURITY.secret,
  middleware: SERVER_JSON_BODY,
  request: { body: ownBody(segment, { name: 'SegmentBatch', schema: segmentBatch, items: { field: 'batch', name: 'SegmentMessage', schema: segmentMessage } }) },
  responses: batchResponses(),
});
segment.openapi(batchRoute, async (c) => {
  const { envelope, items } = itemsOf(await readJson(c), segmentBatch, 'batch', 'invalid_batch');
  const sentAt = envelope.sentAt === undefined ? null : parseTimestamp(envelope.sentAt);
  if (envelope.sentAt !== undefined && sentAt === null) {
    const { code, message } = invalidTimestamp('sentAt');
    throw new ApiError(400, code, message);
  }
  return c.json(await ingestSegmentMessages(c.env.DB, c.get('site'), items, { sentAt, receivedAt: Date.now() }), 200);
});

const SUMMARY: Record<SegmentType, string> = { identify: 'Segment identify', track: 'Segment track', page: 'Segment page' };
for (const type of ['identify', 'track', 'page'] as SegmentType[]) {
  const route = createRoute({
    method: 'post',
    path: `/${type}`,
    tags: [TAG.server],
    summary: SUMMARY[type],
    security: SECURITY.secret,
    middleware: SERVER_JSON_BODY,
    request: { body: messageBody },
    responses: batchResponses(),
  });
  segment.openapi(route, async (c) => {
    const body = await readJson(c);
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'invalid_message', 'body must be one JSON object');
    }
    assertItemSizes([body]);
    return c.json(await ingestSegmentMessages(c.env.DB, c.get('site'), [body], { type, sentAt: null, receivedAt: Date.now() }), 200);
  });
}

for (const path of ['/batch', '/identify', '/track', '/page']) segment.all(path, methodNotAllowed);
