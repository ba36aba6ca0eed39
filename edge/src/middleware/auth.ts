// Authentication: the secret key (Bearer, or Basic username as Segment sends it) and the admin token.
import type { MiddlewareHandler } from 'hono';
import { KEY_PREFIX } from '../../../schemas/keys';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { timingSafeEqual } from '../identity/hash';
import { siteByReadKey, siteBySecretKey } from '../identity/site-cache';

/** The credential in Authorization: `Bearer <key>` or `Basic base64(<key>:)`. */
export function credentialOf(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    try {
      const decoded = atob(value);
      const user = decoded.split(':', 1)[0];
      return user || null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * What a read key may call: every query route (GET, HEAD) but key management, and the channel-rule
 * preview, which reads only. Deny by default: a write route added later refuses read keys unless
 * it is listed here.
 */
const READ_KEY_POSTS = new Set(['/v1/channel-rules/preview']);
function readKeyMayCall(method: string, path: string): boolean {
  const p = path.replace(/\/+$/, '');
  if (p === '/v1/keys' || p.startsWith('/v1/keys/')) return false;
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && READ_KEY_POSTS.has(p);
}

/** Every /v1 route: the secret key, or a read key (rk_…) for the routes a read key may call. */
export function requireSiteKey(): MiddlewareHandler<AppEnv> {
  return async function siteKeyAuth(c, next) {
    const key = credentialOf(c.req.header('authorization'));
    if (!key) throw new ApiError(401, 'missing_key', 'send the secret key (or a read key) as Authorization: Bearer sk_… or as the Basic username');
    if (key.startsWith(KEY_PREFIX.public)) throw new ApiError(403, 'key_not_allowed', 'a public key cannot use server-side endpoints; use the secret key');
    if (key.startsWith(KEY_PREFIX.read)) {
      const site = await siteByReadKey(c.env.DB, key);
      if (!site) throw new ApiError(401, 'unknown_key', 'the read key is not valid (revoked, or never issued)');
      if (!readKeyMayCall(c.req.method, c.req.path)) {
        throw new ApiError(403, 'read_only_key', 'a read key can only read reports; writes, erasure, job runs and key management need the secret key');
      }
      c.set('site', site);
      c.set('keyScope', 'read');
      return next();
    }
    const site = await siteBySecretKey(c.env.DB, key);
    if (!site) throw new ApiError(401, 'unknown_key', 'the secret key is not valid');
    c.set('site', site);
    c.set('keyScope', 'secret');
    await next();
  };
}

export function requireAdminToken(): MiddlewareHandler<AppEnv> {
  return async function adminAuth(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) throw new ApiError(401, 'admin_disabled', 'ADMIN_TOKEN is not configured for this Worker');
    const token = credentialOf(c.req.header('authorization'));
    if (!token) throw new ApiError(401, 'missing_key', 'send the admin token as Authorization: Bearer <ADMIN_TOKEN>');
    if (!timingSafeEqual(token, expected)) throw new ApiError(401, 'unknown_key', 'the admin token is not valid');
    await next();
  };
}
