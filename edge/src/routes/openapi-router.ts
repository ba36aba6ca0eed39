// The router every resource is built on: @hono/zod-openapi routes, whose declared schemas both
// validate the request and make /openapi.json, and the one hook that turns a refused request into
// the API's error envelope.
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';
import { queryError } from '../query/params';

/**
 * Throws rather than answers, so that app.onError renders the one envelope with the codes the API
 * has always used (docs/api.md): a parameter's own code for the query string (invalid_model,
 * invalid_range, unknown_parameter, …), invalid_request for anything else a route declares.
 * Bodies are not declared for validation: their handlers answer per item (edge/src/ingest/items.ts).
 */
export const refuseInvalidRequest: Hook<unknown, AppEnv, string, void> = (result, c) => {
  if (result.success) return;
  if (result.target === 'query') throw queryError(c, result.error.issues);
  throw new ApiError(400, 'invalid_request', `invalid ${result.target}`, issueDetails(result.error.issues));
};

/** A resource's router; app.route() merges its routes into the app's /openapi.json. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalidRequest });
