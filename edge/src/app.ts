// The hono app: one router per resource, mounted here, and the single error envelope.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env';
import { requireSiteKey } from './middleware/auth';
import { ApiError, errorBody } from './errors';
import { admin } from './routes/admin';
import { attribution } from './routes/attribution';
import { crm } from './routes/crm';
import { dashboard } from './routes/dashboard';
import { governance } from './routes/governance';
import { ingest } from './routes/ingest';
import { openapi } from './routes/openapi';
import { people } from './routes/people';
import { query } from './routes/query';
import { segment } from './routes/segment';
import { spend } from './routes/spend';

export const app = new Hono<AppEnv>();

app.get('/healthz', (c) => c.json({ ok: true }));
app.route('/', ingest);
app.route('/', dashboard);
app.route('/', openapi);
// Every /v1 endpoint takes the secret key, or a read key for reading only; checked once here, before any router.
app.use('/v1/*', requireSiteKey());
app.route('/v1', attribution);
app.route('/v1', people);
app.route('/v1', segment);
app.route('/v1', crm);
app.route('/v1', spend);
app.route('/v1', query);
app.route('/', governance);
app.route('/admin', admin);

app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

app.onError((err, c) => {
  if (err instanceof ApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(errorBody(err.code, err.message, err.details), err.status);
  }
  if (err instanceof HTTPException) {
    return c.json(errorBody('http_error', err.message || 'request failed'), err.status);
  }
  // A real fault: logged with its stack, answered without internals.
  console.error('unhandled error', c.req.method, c.req.path, err);
  return c.json(errorBody('internal_error', 'an internal error occurred; the request can be retried'), 500);
});
