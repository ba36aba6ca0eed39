// What route declarations share: who may call a route, the errors it may answer, report answers
// (JSON or CSV), request bodies that their handlers validate themselves, and the JSON body reader.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { LIMITS } from '../../../schemas/limits';
import { limitBody, readJson, requireContentType } from '../middleware/body';
import { batchResult, errorEnvelope } from './response-schemas';

const SECRET_KEY: Record<string, string[]>[] = [{ secretKey: [] }, { secretKeyBasic: [] }];

/**
 * Security requirements, by the schemes routes/openapi.ts registers. Which routes a read key may call
 * is decided by middleware/auth.ts (readKeyMayCall); tests/worker/openapi.test.ts holds the two together.
 */
export const SECURITY: Record<'secret' | 'read' | 'admin' | 'none', Record<string, string[]>[]> = {
  /** The site's secret key, as a Bearer token or as the Basic username (Segment's convention). */
  secret: SECRET_KEY,
  /** Routes that only read: the secret key or a read key (rk_…). */
  read: [...SECRET_KEY, { readKey: [] }],
  admin: [{ adminToken: [] }],
  /** Public: no key, or the public key inside the body (POST /e). */
  none: [],
};

/** What every server-side batch route checks before its body is read: its size and that it is JSON. */
export const SERVER_JSON_BODY = [limitBody(LIMITS.serverBodyBytes), requireContentType(['application/json'])];

export const TAG = {
  public: 'Public',
  server: 'Server-side',
  query: 'Query',
  governance: 'Governance',
  admin: 'Admin',
  operations: 'Operations',
} as const;

const ERROR_TEXT = {
  400: 'invalid request (see error.code and error.details)',
  401: 'missing or unknown key',
  403: 'key or origin not allowed: a public key on a secret-key route, or a read key on a route that writes (read_only_key)',
  404: 'not found',
  409: 'conflict: another request changed the same thing first (see error.code)',
  413: 'body or batch too large',
  415: 'wrong content type',
  429: 'rate limited; retry after Retry-After seconds',
} as const;

const envelope = { 'application/json': { schema: errorEnvelope } };

/** The error answers a route may give, in the one envelope; any route may also fail with a real fault (5XX). */
export function errorResponses(...statuses: (keyof typeof ERROR_TEXT)[]) {
  const responses: Record<string, { description: string; content: typeof envelope; headers?: Record<string, unknown> }> = {};
  for (const status of statuses) {
    responses[status] = { description: ERROR_TEXT[status], content: envelope };
    if (status === 429) responses[status].headers = { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } };
  }
  responses['5XX'] = { description: 'a real fault; the request can be retried', content: envelope };
  return responses;
}

/** The answer of every batch write: per item, with the errors of a JSON body behind the secret key. */
export const batchResponses = () => ({
  200: { description: 'per-item result: accepted + duplicates + rejected = sent', content: { 'application/json': { schema: batchResult } } },
  ...errorResponses(400, 401, 403, 413, 415),
});

/** A report: JSON by default, CSV with format=csv or Accept: text/csv (edge/src/query/params.ts wantsCsv). */
export const reportResponse = (schema: z.ZodType, what: string, csv = true) => ({
  description: csv ? `${what} (JSON; CSV with format=csv or Accept: text/csv)` : what,
  content: { 'application/json': { schema }, ...(csv ? { 'text/csv': { schema: { type: 'string' as const } } } : {}) },
});

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/**
 * Body components are registered empty and filled when the document is first generated: z.toJSONSchema
 * is not free, and module-level work is paid on every cold start of the Worker.
 */
const unfilled: (() => void)[] = [];
export function fillBodyComponents(): void {
  for (const fill of unfilled.splice(0)) fill();
}

/**
 * A request body its handler validates: a batch answers per item (one bad item rejects only itself),
 * too many items is 413, and every problem has its own code (docs/api.md). So the body is declared
 * by reference to a component made from its zod schema, which @hono/zod-openapi documents but does
 * not validate (it validates only zod schemas given inline, and would answer with codes of its own).
 * `items` names the schema each item of a list is checked against.
 */
export function ownBody(
  router: OpenAPIHono<AppEnv>,
  body: { name: string; schema: z.ZodType; type?: string; items?: { field: string; name: string; schema: z.ZodType } },
) {
  const component: Record<string, unknown> = {};
  router.openAPIRegistry.registerComponent('schemas', body.name, component);
  const items = body.items && { ...body.items, component: {} as Record<string, unknown> };
  if (items) router.openAPIRegistry.registerComponent('schemas', items.name, items.component);
  unfilled.push(() => {
    Object.assign(component, jsonSchema(body.schema));
    if (!items) return;
    Object.assign(items.component, jsonSchema(items.schema));
    const props = component.properties as Record<string, Record<string, unknown>>;
    props[items.field] = { ...props[items.field], items: { $ref: `#/components/schemas/${items.name}` } };
  });
  return {
    required: true,
    content: { [body.type ?? 'application/json']: { schema: { $ref: `#/components/schemas/${body.name}` } } },
  };
}

/**
 * Parses a body its route declares inline before the validator does, so malformed JSON is the API's
 * 400 invalid_json rather than hono's plain message; the validator then reads the cached body.
 */
export function jsonBody(): MiddlewareHandler<AppEnv> {
  return async function parseJsonBody(c, next) {
    await readJson(c);
    await next();
  };
}
