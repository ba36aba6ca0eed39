// Authentication: the secret key (Bearer, or Basic username as Segment sends it) and the admin token.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { timingSafeEqual } from '../identity/hash';
import { siteBySecretKey } from '../identity/site-cache';

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

export function requireSecretKey(): MiddlewareHandler<AppEnv> {
  return async function secretKeyAuth(c, next) {
    const key = credentialOf(c.req.header('authorization'));
    if (!key) throw new ApiError(401, 'missing_key', 'send the secret key as Authorization: Bearer sk_… or as the Basic username');
    if (key.startsWith('pk_')) throw new ApiError(403, 'key_not_allowed', 'a public key cannot use server-side endpoints; use the secret key');
    const site = await siteBySecretKey(c.env.DB, key);
    if (!site) throw new ApiError(401, 'unknown_key', 'the secret key is not valid');
    c.set('site', site);
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
