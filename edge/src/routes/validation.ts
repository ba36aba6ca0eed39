// The one validation hook of the routes declared with @hono/zod-openapi: a failure becomes the API's
// error envelope (400) with a code naming what was wrong, never hono's plain-text answer.
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { ApiError, issueDetails } from '../errors';

/** The code of a problem with one field, when it has a more specific one than invalid_<target>. */
const FIELD_CODES: Record<string, string> = {
  rules: 'invalid_channel_rules',
  scope: 'invalid_scope',
  name: 'invalid_name',
  what: 'invalid_what',
  limit: 'invalid_limit',
};
const TARGET_CODES: Record<string, string> = { json: 'invalid_body', query: 'invalid_query', param: 'invalid_path' };

/**
 * Too many items in a top-level list is `too_many_<list>` (too_many_rules), an unknown query
 * parameter is `unknown_parameter`, anything else is coded by the top-level field it is about.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  const issues = result.error.issues;
  const first = issues[0];
  const field = String(first.path[0] ?? '');
  const details = issueDetails(issues);
  if (first.code === 'too_big' && first.path.length === 1 && first.origin === 'array') {
    throw new ApiError(400, `too_many_${field}`, `${field}: ${first.message}`, details);
  }
  if (first.code === 'unrecognized_keys' && first.path.length === 0) {
    const where = result.target === 'query' ? 'query parameter' : 'field';
    throw new ApiError(400, result.target === 'query' ? 'unknown_parameter' : TARGET_CODES[result.target] ?? 'invalid_request', `unknown ${where} ${first.keys.join(', ')}`, details);
  }
  const code = FIELD_CODES[field] ?? TARGET_CODES[result.target] ?? 'invalid_request';
  const message = first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
  throw new ApiError(400, code, message, details);
};
