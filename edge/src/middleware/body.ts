// Request body guards: size limit (413), content type (415) and JSON parsing (400).
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors';

const tooLarge = (maxBytes: number) => new ApiError(413, 'payload_too_large', `request body is larger than ${maxBytes} bytes`);

export function limitBody(maxBytes: number): MiddlewareHandler {
  return async function bodyLimit(c, next) {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding') && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        while (!(await reader.read()).done);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    const whole = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) whole.set(chunk, (at += chunk.byteLength) - chunk.byteLength);
    c.req.raw = new Request(c.req.raw, { body: whole });
    await next();
  };
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
