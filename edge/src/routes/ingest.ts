// Public endpoints for browsers: the snippet itself (GET /s.js) and its batches (POST /e).
import { createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { KEY_PREFIX } from '../../../schemas/keys';
import { LIMITS } from '../../../schemas/limits';
import { wireBatch, wireEvent } from '../../../schemas/wire';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { isKnownOrigin, siteByPublicKey } from '../identity/site-cache';
import { detectBot, deviceClass } from '../ingest/bots';
import { ingestSnippetBatch, refuseBotBatch } from '../ingest/snippet';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, ownBody, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';
import { batchResult } from './response-schemas';
import { serveSnippet } from './snippet-file';
import type { Site } from '../db/sites';

const VISITOR_COOKIE = 'tl_vid';
/** The site's session_minutes setting, for the snippet to keep its sessions by (docs/api.md, docs/snippet.md). */
const SESSION_HEADER = 'TL-Session-Minutes';
const ONE_YEAR_S = 365 * 24 * 3600;

export const ingest = createRouter();

const snippetRoute = createRoute({
  method: 'get',
  path: '/s.js',
  tags: [TAG.public],
  summary: 'The browser snippet, served first-party',
  security: SECURITY.none,
  responses: {
    200: {
      description: 'JavaScript, cached a day and revalidated by ETag (304 when If-None-Match matches)',
      content: { 'text/javascript': { schema: { type: 'string' } } },
    },
    ...errorResponses(),
  },
});
ingest.openapi(snippetRoute, (c) => serveSnippet(c));
ingest.all('/s.js', methodNotAllowed);

const preflightRoute = createRoute({
  method: 'options',
  path: '/e',
  tags: [TAG.public],
  summary: 'CORS preflight',
  security: SECURITY.none,
  responses: { 204: { description: 'allowed methods and headers' }, ...errorResponses() },
});
ingest.openapi(preflightRoute, async (c) => {
  // Browsers send text/plain without a preflight; this answers clients that preflight anyway.
  // The key travels in the body, so the site (and its origins) is unknown here: the POST checks it.
  const origin = c.req.header('origin');
  if (origin) {
    setCorsHeaders(c, origin);
    c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
    c.header('Access-Control-Allow-Headers', 'content-type');
    c.header('Access-Control-Max-Age', '86400');
  }
  return c.body(null, 204);
});

const batchRoute = createRoute({
  method: 'post',
  path: '/e',
  tags: [TAG.public],
  summary: 'Snippet event batch',
  description: `text/plain JSON (no CORS preflight). At most ${LIMITS.snippetEvents} events and ${LIMITS.snippetBodyBytes / 1024} KB. The public key travels in the body (k); CORS only for the site's origins. Bots are answered per item with code "bot".`,
  security: SECURITY.none,
  middleware: [readableErrors(), limitBody(LIMITS.snippetBodyBytes), requireContentType(['text/plain', 'application/json'])],
  request: { body: ownBody(ingest, { name: 'WireBatch', schema: wireBatch, type: 'text/plain', items: { field: 'e', name: 'WireEvent', schema: wireEvent } }) },
  responses: {
    200: {
      description: 'per-item result: accepted + duplicates + rejected = sent',
      headers: {
        [SESSION_HEADER]: { schema: { type: 'integer' }, description: "the site's session_minutes: the snippet keeps sessions by it" },
        'Set-Cookie': { schema: { type: 'string' }, description: `${VISITOR_COOKIE} re-set for a year when the batch carries a visitor id (v)` },
      },
      content: { 'application/json': { schema: batchResult } },
    },
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
});
ingest.openapi(
  batchRoute,
  async (c) => {
    const receivedAt = Date.now();
    const body = await readJson(c);
    // A batch object without its key is 401 (docs/api.md), whatever else is wrong with it.
    if (body && typeof body === 'object' && !Array.isArray(body) && !(body as { k?: unknown }).k) {
      throw new ApiError(401, 'missing_key', "the batch needs k, the site's public key (pk_…)");
    }
    const parsed = wireBatch.safeParse(body);
    if (!parsed.success) {
      const tooMany = parsed.error.issues.some((i) => i.path[0] === 'e' && i.code === 'too_big');
      if (tooMany) throw new ApiError(413, 'too_many_events', `a batch holds at most ${LIMITS.snippetEvents} events`);
      throw new ApiError(400, 'invalid_batch', 'the batch envelope is invalid', issueDetails(parsed.error.issues));
    }
    const batch = parsed.data;
    if (batch.k.startsWith(KEY_PREFIX.secret)) {
      throw new ApiError(403, 'key_not_allowed', 'never put a secret key in a page: use the public key (pk_…)');
    }
    const site = await siteByPublicKey(c.env.DB, batch.k);
    if (!site) throw new ApiError(401, 'unknown_key', 'the public key is not valid');
    c.set('site', site);
    allowOrigin(c, site);

    const limit = await c.env.INGEST_LIMITER.limit({ key: site.publicKey });
    if (!limit.success) {
      throw new ApiError(429, 'rate_limited', 'too many requests for this site; retry later', [], { 'Retry-After': '60' });
    }

    const userAgent = c.req.header('user-agent') ?? null;
    const bot = detectBot(
      { userAgent, clientHints: c.req.header('sec-ch-ua') ?? null, webdriver: batch.b === 1 },
      site.settings.block_headless,
    );
    const result = bot
      ? await refuseBotBatch(c.env.DB, site, batch.e.length, bot, receivedAt)
      : await ingestSnippetBatch(c.env.DB, site, batch, { receivedAt, device: deviceClass(userAgent) });

    if (batch.v && !bot) {
      // Re-set the id from the server so Safari's 7-day cap on script-written cookies does not apply.
      const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : '';
      c.header('Set-Cookie', `${VISITOR_COOKIE}=${batch.v}; Max-Age=${ONE_YEAR_S}; Path=/; SameSite=Lax${secure}`);
    }
    c.header(SESSION_HEADER, String(site.settings.session_minutes));
    return c.json(result, 200);
  },
);
ingest.all('/e', methodNotAllowed);

/** CORS only for the site's own origins; a browser on any other origin gets 403. */
function allowOrigin(c: Context<AppEnv>, site: Site): void {
  const origin = c.req.header('origin');
  if (!origin) return; // not a browser (or same-origin navigation without Origin): nothing to allow
  if (!site.origins.includes(origin)) {
    throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed for this site`);
  }
  setCorsHeaders(c, origin);
}

/**
 * A browser cannot read an answer without CORS headers, and the snippet retries what it cannot read
 * (a network error to it), forever. So errors carry them too for an origin of the request's site, or,
 * when the error comes before the site is known (body too large, wrong type, not JSON, unknown key),
 * for an origin some site allows: the snippet then sees the 4xx and drops the batch. A foreign
 * origin still gets nothing it can read.
 */
function readableErrors(): MiddlewareHandler<AppEnv> {
  return async function errorCors(c, next) {
    await next();
    const origin = c.req.header('origin');
    if (!origin || c.res.status < 400 || c.res.headers.has('access-control-allow-origin')) return;
    const site = c.get('site') as Site | undefined;
    if (site ? site.origins.includes(origin) : await isKnownOrigin(c.env.DB, origin)) setCorsHeaders(c, origin);
  };
}

/** Credentialed CORS for one origin: the snippet sends cookies so that the Worker can re-set tl_vid. */
function setCorsHeaders(c: Context<AppEnv>, origin: string): void {
  c.header('Access-Control-Allow-Origin', origin);
  c.header('Access-Control-Allow-Credentials', 'true');
  c.header('Access-Control-Expose-Headers', `Retry-After, ${SESSION_HEADER}`);
  c.header('Vary', 'Origin');
}
