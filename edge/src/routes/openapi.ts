// GET /openapi.json: the API's OpenAPI 3.1 description, generated from the routes' own declarations
// (each router's createRoute calls, merged by app.route()); public, so tools can read it without a key.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, fillBodyComponents, SECURITY, TAG } from './openapi-parts';

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Touchline API',
    version: '1',
    description:
      'First-party B2B attribution. Every error is {"error": {"code", "message", "details"}}; a known path called with another method answers 405 method_not_allowed. A read key (rk_…) calls the routes whose security lists readKey; any other route answers it 403 read_only_key. Guide: docs/api.md; interactive reference: /docs.',
  },
  servers: [{ url: '/' }],
  tags: Object.values(TAG).map((name) => ({ name })),
};

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: [TAG.operations],
  summary: 'This document',
  security: SECURITY.none,
  responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } } }, ...errorResponses() },
});

/** Serves the document of every route `app` holds once the first request comes (all routers are mounted by then). */
export function serveOpenApi(app: OpenAPIHono<AppEnv>): void {
  const schemes = app.openAPIRegistry;
  schemes.registerComponent('securitySchemes', 'secretKey', { type: 'http', scheme: 'bearer', description: 'the site secret key, sk_…' });
  schemes.registerComponent('securitySchemes', 'secretKeyBasic', { type: 'http', scheme: 'basic', description: 'the secret key as the Basic username (Segment convention)' });
  schemes.registerComponent('securitySchemes', 'readKey', { type: 'http', scheme: 'bearer', description: 'a read key, rk_…: reading routes only (POST /v1/keys makes one)' });
  schemes.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  // Generating is not free (every schema through zod's JSON Schema); kept for the isolate's life.
  let document: ReturnType<typeof app.getOpenAPI31Document> | null = null;
  app.openapi(documentRoute, (c) => {
    if (!document) {
      fillBodyComponents();
      document = app.getOpenAPI31Document(DOCUMENT);
    }
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(document, 200);
  });
  app.all('/openapi.json', methodNotAllowed);
}
