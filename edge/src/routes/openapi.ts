// GET /openapi.json: the API's OpenAPI 3.1 description; public, so tools can read it without a key.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { openApiDocument } from '../query/openapi';
import { methodNotAllowed } from './method-not-allowed';

export const openapi = new Hono<AppEnv>();

openapi.get('/openapi.json', (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.json(openApiDocument());
});
openapi.all('/openapi.json', methodNotAllowed);
