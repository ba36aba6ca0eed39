// Query-string errors and formats of the query API: one validator per route (schemas/query.ts,
// schemas/pipeline.ts, schemas/governance.ts), one 400 per problem.
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
  what: 'invalid_what',
  limit: 'invalid_limit',
};

/**
 * The 400 for a query string its route's validator refused (schemas/query.ts): a parameter given
 * twice is refused rather than silently taking one of them, an unknown one names the parameters the
 * route takes, and any other problem gets the code of the first parameter at fault.
 */
export function queryError(c: Context, issues: z.core.$ZodIssue[]): ApiError {
  const all = c.req.queries();
  const repeated = Object.keys(all).filter((k) => all[k].length > 1);
  if (repeated.length) return new ApiError(400, 'invalid_query', `give each parameter once: ${repeated.join(', ')} was repeated`);
  const issue = issues[0];
  if (issue.code === 'unrecognized_keys') return new ApiError(400, 'unknown_parameter', issue.message);
  const name = String(issue.path[0] ?? '');
  return new ApiError(400, CODES[name] ?? 'invalid_query', issue.message, issueDetails(issues));
}

/** CSV when asked for with format=csv, or with Accept: text/csv unless format=json says otherwise. */
export function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\b/i.test(c.req.header('accept') ?? '');
}
