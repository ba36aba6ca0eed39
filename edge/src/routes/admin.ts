// Operator endpoints for tenants: create a site, change its origins and settings, rotate its secret key.
import { createRoute, z } from '@hono/zod-openapi';
import { createSite, patchSite } from '../../../schemas/api';
import { LIMITS } from '../../../schemas/limits';
import { insertChange, siteChanges } from '../db/changes';
import { DEFAULT_SETTINGS, findSiteById, insertSiteStatement, storedSettings, updateSecretHashStatement, updateSiteStatement, type Site } from '../db/sites';
import { ApiError, issueDetails } from '../errors';
import { sha256Hex } from '../identity/hash';
import { newHashKey, newPublicKey, newSecretKey, newSiteId } from '../identity/keys';
import { forgetSites } from '../identity/site-cache';
import { requireAdminToken } from '../middleware/auth';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, ownBody, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';
import { site as siteSchema, siteCreated, siteRotated } from './response-schemas';

export const admin = createRouter();

admin.use('*', requireAdminToken(), limitBody(LIMITS.serverItemBytes));

const view = (s: Site) => ({ id: s.id, name: s.name, public_key: s.publicKey, origins: s.origins, settings: s.settings });

async function siteOr404(db: D1Database, id: string): Promise<Site> {
  const site = await findSiteById(db, id);
  if (!site) throw new ApiError(404, 'not_found', `no site ${id}`);
  return site;
}

const json = requireContentType(['application/json']);
const idParam = { params: z.object({ id: z.string().meta({ description: 'the site id' }) }) };
const answer = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });

const createSiteRoute = createRoute({
  method: 'post',
  path: '/sites',
  tags: [TAG.admin],
  summary: 'Create a site',
  security: SECURITY.admin,
  middleware: [json],
  request: { body: ownBody(admin, { name: 'CreateSite', schema: createSite }) },
  responses: { 201: answer('the site and its secret key (shown once)', siteCreated), ...errorResponses(400, 401, 413, 415) },
});
admin.openapi(createSiteRoute, async (c) => {
  const parsed = createSite.safeParse(await readJson(c));
  if (!parsed.success) throw new ApiError(400, 'invalid_site', 'invalid site', issueDetails(parsed.error.issues));
  const secretKey = newSecretKey();
  const id = newSiteId();
  const now = Date.now();
  const db = c.env.DB;
  const settings = { ...DEFAULT_SETTINGS, ...parsed.data.settings };
  // The first entries of the change log: what the site started with.
  const logged = siteChanges(null, { origins: parsed.data.origins, settings }, 'admin').map((ch) => insertChange(db, id, ch, now));
  await db.batch([
    insertSiteStatement(db, {
      id,
      name: parsed.data.name,
      publicKey: newPublicKey(),
      secretHash: await sha256Hex(secretKey),
      hashKey: newHashKey(),
      origins: parsed.data.origins,
      settings: parsed.data.settings,
      now,
    }),
    ...logged,
  ]);
  const site = await siteOr404(db, id);
  // The secret key is shown this once; only its hash is stored.
  return c.json({ ...view(site), secret_key: secretKey }, 201);
});
admin.all('/sites', methodNotAllowed);

const readRoute = createRoute({
  method: 'get',
  path: '/sites/{id}',
  tags: [TAG.admin],
  summary: 'Read a site',
  security: SECURITY.admin,
  request: idParam,
  responses: { 200: answer('the site', siteSchema), ...errorResponses(401, 404) },
});
admin.openapi(readRoute, async (c) => c.json(view(await siteOr404(c.env.DB, c.req.valid('param').id)), 200));

const patchRoute = createRoute({
  method: 'patch',
  path: '/sites/{id}',
  tags: [TAG.admin],
  summary: 'Change origins and settings',
  security: SECURITY.admin,
  middleware: [json],
  request: { ...idParam, body: ownBody(admin, { name: 'PatchSite', schema: patchSite }) },
  responses: { 200: answer('the site', siteSchema), ...errorResponses(400, 401, 404, 413, 415) },
});
admin.openapi(patchRoute, async (c) => {
  const parsed = patchSite.safeParse(await readJson(c));
  if (!parsed.success) throw new ApiError(400, 'invalid_site', 'invalid site change', issueDetails(parsed.error.issues));
  const site = await siteOr404(c.env.DB, c.req.valid('param').id);
  const { name, origins, settings } = parsed.data;
  const now = Date.now();
  const after = { origins: origins ?? site.origins, settings: { ...site.settings, ...(settings ?? {}) } };
  await c.env.DB.batch([
    updateSiteStatement(c.env.DB, site.id, { name, origins, settings: settings ? storedSettings(site, settings) : undefined }, now),
    ...siteChanges(site, after, 'admin').map((ch) => insertChange(c.env.DB, site.id, ch, now)),
  ]);
  forgetSites();
  return c.json(view(await siteOr404(c.env.DB, site.id)), 200);
});
admin.all('/sites/:id', methodNotAllowed);

const rotateRoute = createRoute({
  method: 'post',
  path: '/sites/{id}/rotate',
  tags: [TAG.admin],
  summary: 'Issue a new secret key',
  security: SECURITY.admin,
  request: idParam,
  responses: { 200: answer('the new secret key (shown once)', siteRotated), ...errorResponses(401, 404) },
});
admin.openapi(rotateRoute, async (c) => {
  const site = await siteOr404(c.env.DB, c.req.valid('param').id);
  const secretKey = newSecretKey();
  const now = Date.now();
  await c.env.DB.batch([
    updateSecretHashStatement(c.env.DB, site.id, await sha256Hex(secretKey), now),
    // Never the key or its hash: only that it was replaced.
    insertChange(c.env.DB, site.id, { what: 'keys', before: { kind: 'secret' }, after: { kind: 'secret', rotated: true }, by: 'admin', movesCredit: false }, now),
  ]);
  forgetSites();
  return c.json({ id: site.id, secret_key: secretKey }, 200);
});
admin.all('/sites/:id/rotate', methodNotAllowed);
