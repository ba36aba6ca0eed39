// Read keys (docs/governance.md): POST|GET /v1/keys, DELETE /v1/keys/:id. Only the secret key manages
// them (the auth middleware refuses read keys here); a new key is shown once and stored as a hash.
import { createRoute, z } from '@hono/zod-openapi';
import { newReadKey, readKeyCreated, readKeyList } from '../../../schemas/governance';
import { LIMITS } from '../../../schemas/limits';
import { insertChange } from '../db/changes';
import { findReadKey, insertReadKey, listReadKeys, revokeReadKey } from '../db/read-keys';
import { ApiError } from '../errors';
import { sha256Hex } from '../identity/hash';
import { newReadKey as makeReadKey, newReadKeyId, READ_KEY_PREFIX_CHARS } from '../identity/keys';
import { limitBody, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, jsonBody, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const keys = createRouter();

const iso = (ms: number) => new Date(ms).toISOString();

const create = createRoute({
  method: 'post',
  path: '/keys',
  tags: [TAG.governance],
  summary: 'Create a read key (rk_…) for dashboards and BI tools',
  description: 'The key is in this answer only; Touchline stores its SHA-256 hash. A read key reads every query route and nothing else.',
  security: SECURITY.secret,
  middleware: [limitBody(LIMITS.serverItemBytes), requireContentType(['application/json']), jsonBody()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: newReadKey } } } },
  responses: { 201: { description: 'the new key, shown once', content: { 'application/json': { schema: readKeyCreated } } }, ...errorResponses(400, 401, 403, 413, 415) },
});

keys.openapi(create, async (c) => {
  const { name } = c.req.valid('json');
  const site = c.get('site');
  const key = makeReadKey();
  const row = { key_id: newReadKeyId(), name, prefix: key.slice(0, READ_KEY_PREFIX_CHARS), created_at: Date.now() };
  await c.env.DB.batch([
    insertReadKey(c.env.DB, site.id, { ...row, key_hash: await sha256Hex(key) }),
    insertChange(c.env.DB, site.id, { what: 'keys', before: null, after: { id: row.key_id, name, prefix: row.prefix, scope: 'read' }, by: 'api', movesCredit: false }, row.created_at),
  ]);
  return c.json({ id: row.key_id, name, key }, 201);
});

const list = createRoute({
  method: 'get',
  path: '/keys',
  tags: [TAG.governance],
  summary: 'List the live read keys: names, ids and first characters',
  security: SECURITY.secret,
  responses: { 200: { description: 'live keys, oldest first', content: { 'application/json': { schema: readKeyList } } }, ...errorResponses(401, 403) },
});

keys.openapi(list, async (c) => {
  const rows = await listReadKeys(c.env.DB, c.get('site').id);
  return c.json({ keys: rows.map((r) => ({ id: r.key_id, name: r.name, prefix: r.prefix, created_at: iso(r.created_at) })) }, 200);
});
keys.all('/keys', methodNotAllowed);

const revoke = createRoute({
  method: 'delete',
  path: '/keys/{id}',
  tags: [TAG.governance],
  summary: 'Revoke a read key; it is refused from the next request on',
  security: SECURITY.secret,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 204: { description: 'revoked' }, ...errorResponses(401, 403, 404) },
});

keys.openapi(revoke, async (c) => {
  const { id } = c.req.valid('param');
  const site = c.get('site');
  const row = await findReadKey(c.env.DB, site.id, id);
  if (!row) throw new ApiError(404, 'not_found', `no live read key ${id}`);
  const now = Date.now();
  await c.env.DB.batch([
    revokeReadKey(c.env.DB, site.id, id, now),
    insertChange(c.env.DB, site.id, { what: 'keys', before: { id, name: row.name, prefix: row.prefix, scope: 'read' }, after: null, by: 'api', movesCredit: false }, now),
  ]);
  return c.body(null, 204);
});
keys.all('/keys/:id', methodNotAllowed);
