// The router every resource is built on: @hono/zod-openapi routes, whose declared schemas both
// validate the request and make /openapi.json, and the one hook that turns a refused request into
// the API's error envelope.
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { queryError } from '../query/params';

/** The code of a problem with one top-level body field, when it has a more specific one than invalid_body. */
const BODY_FIELD_CODES: Record<string, string> = {
  rules: 'invalid_channel_rules',
  scope: 'invalid_scope',
  name: 'invalid_name',
};
const TARGET_CODES: Record<string, string> = { json: 'invalid_body', param: 'invalid_path' };

/**
 * Throws rather than answers, so that app.onError renders the one envelope with the codes the API
 * has always used (docs/api.md):
 * - a query string gets a parameter's own code (invalid_model, invalid_range, invalid_what,
 *   unknown_parameter, …; edge/src/query/params.ts);
 * - a JSON body declared inline (the governance routes) gets `too_many_<list>` for a top-level list
 *   that is too long (too_many_rules), a field's own code (invalid_channel_rules, invalid_scope,
 *   invalid_name), else invalid_body; malformed JSON never gets here (jsonBody() answers invalid_json);
 * - a path parameter gets invalid_path, anything else invalid_request.
 * Batch bodies are not declared for validation: their handlers answer per item (edge/src/ingest/items.ts).
 */
export const refuseInvalidRequest: Hook<unknown, AppEnv, string, void> = (result, c) => {
  if (result.success) return;
  const issues = result.error.issues;
  if (result.target === 'query') throw queryError(c, issues);
  const first = issues[0];
  const field = String(first.path[0] ?? '');
  const details = issueDetails(issues);
  const message = first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
  if (result.target === 'json' && first.code === 'too_big' && first.origin === 'array' && first.path.length === 1) {
    throw new ApiError(400, `too_many_${field}`, message, details);
  }
  const own = result.target === 'json' && first.path.length ? BODY_FIELD_CODES[field] : undefined;
  throw new ApiError(400, own ?? TARGET_CODES[result.target] ?? 'invalid_request', message, details);
};

/** A resource's router; app.route() merges its routes into the app's /openapi.json. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalidRequest });
