// GET /healthz: liveness, for uptime checks and load balancers; no key, no database.
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const health = createRouter();

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: [TAG.operations],
  summary: 'Liveness',
  security: SECURITY.none,
  responses: { 200: { description: 'up', content: { 'application/json': { schema: z.strictObject({ ok: z.boolean() }) } } }, ...errorResponses() },
});
health.openapi(healthRoute, (c) => c.json({ ok: true }, 200));
