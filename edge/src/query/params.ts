// Query-string parsing for the query API: one validator per route (schemas/query.ts), one 400 per problem.
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, issueDetails } from '../errors';

/** The error code for a bad parameter, so clients can tell a bad model from a bad range. */
const CODES: Record<string, string> = {
  model: 'invalid_model',
  models: 'invalid_model',
  conversion: 'invalid_conversion',
  group_by: 'invalid_group_by',
  window_days: 'invalid_window',
  from: 'invalid_range',
  to: 'invalid_range',
  format: 'invalid_format',
  stages: 'invalid_stages',
};

/**
 * Validates the query string. A parameter given twice is refused rather than silently taking one
 * of them, and so is an unknown one, naming the parameters the route takes.
 */
export function parseQuery<S extends z.ZodObject>(c: Context, schema: S): z.output<S> {
  const all = c.req.queries();
  const repeated = Object.keys(all).filter((k) => all[k].length > 1);
  if (repeated.length) throw new ApiError(400, 'invalid_query', `give each parameter once: ${repeated.join(', ')} was repeated`);
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape).join(', ');
    throw new ApiError(400, 'unknown_parameter', `unknown query parameter ${issue.keys.join(', ')}; this route takes ${known}`);
  }
  const name = String(issue.path[0] ?? '');
  throw new ApiError(400, CODES[name] ?? 'invalid_query', issue.message, issueDetails(parsed.error.issues));
}

/** CSV when asked for with format=csv, or with Accept: text/csv unless format=json says otherwise. */
export function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\b/i.test(c.req.header('accept') ?? '');
}
