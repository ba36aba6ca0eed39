// GET /openapi.json: the API's OpenAPI 3.1 description; public, so tools can read it without a key.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { openApiDocument } from '../query/openapi';
import { governancePaths } from './governance';
import { methodNotAllowed } from './method-not-allowed';

export const openapi = new Hono<AppEnv>();

openapi.get('/openapi.json', (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.json(fullDocument());
});

let merged: Record<string, unknown> | undefined;
/** The hand-written document plus the paths of the routes declared with @hono/zod-openapi. */
function fullDocument(): Record<string, unknown> {
  if (!merged) {
    const doc = openApiDocument() as { paths: Record<string, unknown> };
    merged = { ...doc, paths: { ...doc.paths, ...governancePaths() } };
  }
  return merged;
}
openapi.all('/openapi.json', methodNotAllowed);
