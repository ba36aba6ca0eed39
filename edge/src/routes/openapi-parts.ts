// Pieces the routes declared with @hono/zod-openapi share: security requirements, error responses
// (the envelope is described once in /openapi.json's components) and the JSON body reader.
import type { MiddlewareHandler } from 'hono';
import { readJson } from '../middleware/body';

/** The secret key, as Bearer or as the Basic username (names of /openapi.json's security schemes). */
export const SECRET_KEY: Record<string, string[]>[] = [{ secretKey: [] }, { secretKeyBasic: [] }];
/** Query routes also take a read key. */
export const SECRET_OR_READ_KEY: Record<string, string[]>[] = [...SECRET_KEY, { readKey: [] }];

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (see error.code and error.details)',
  401: 'missing or unknown key',
  403: 'not allowed: a public key, or a read key on a route that writes (read_only_key)',
  404: 'not found',
  413: 'body too large',
  415: 'wrong content type',
};

export function errorResponses(...statuses: (keyof typeof ERROR_TEXT)[]) {
  const out: Record<number, { description: string; content: { 'application/json': { schema: { $ref: string } } } }> = {};
  for (const s of statuses) out[s] = { description: ERROR_TEXT[s], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return out;
}

/**
 * Parses the body before the validator does, so malformed JSON is the API's 400 invalid_json rather
 * than hono's plain message; the validator then reads the cached body.
 */
export function jsonBody(): MiddlewareHandler {
  return async function parseJsonBody(c, next) {
    await readJson(c);
    await next();
  };
}
