// Request body guards: size limit (413), content type (415) and JSON parsing (400).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors';

export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `request body is larger than ${maxBytes} bytes`);
    },
  });
}

export function requireContentType(allowed: string[]): MiddlewareHandler {
  return async function contentTypeGuard(c, next) {
    // Only requests that carry a body are checked, so a wrong method still gets its 405.
    if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!allowed.includes(type)) {
      throw new ApiError(415, 'unsupported_media_type', `content-type must be ${allowed.join(' or ')}`);
    }
    await next();
  };
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request body is not valid JSON');
  }
}
