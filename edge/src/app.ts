// The hono app: one router per resource, mounted here (which also merges their routes into
// /openapi.json), and the single error envelope.
import { HTTPException } from 'hono/http-exception';
import { requireSiteKey } from './middleware/auth';
import { ApiError, errorBody } from './errors';
import { admin } from './routes/admin';
import { attribution } from './routes/attribution';
import { crm } from './routes/crm';
import { dashboard } from './routes/dashboard';
import { docs } from './routes/docs';
import { governance } from './routes/governance';
import { health } from './routes/health';
import { ingest } from './routes/ingest';
import { serveOpenApi } from './routes/openapi';
import { createRouter } from './routes/openapi-router';
import { people } from './routes/people';
import { query } from './routes/query';
import { segment } from './routes/segment';
import { spend } from './routes/spend';

export const app = createRouter();

app.route('/', health);
app.route('/', ingest);
app.route('/', dashboard);
app.route('/', docs);
serveOpenApi(app);
// Every /v1 endpoint takes the secret key, or a read key for reading only; checked once here, before any router.
app.use('/v1/*', requireSiteKey());
app.route('/v1', attribution);
app.route('/v1', people);
app.route('/v1', segment);
app.route('/v1', crm);
app.route('/v1', spend);
app.route('/v1', query);
app.route('/v1', governance);
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
