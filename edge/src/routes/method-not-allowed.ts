// 405 for a known path called with the wrong method (hono would otherwise answer 404).
import type { Context } from 'hono';
import { ApiError } from '../errors';

export function methodNotAllowed(c: Context): never {
  throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`);
}
