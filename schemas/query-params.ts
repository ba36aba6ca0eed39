// The one shape of a route's query-string validator, shared by the query and governance routes.
import { z } from 'zod';

/**
 * A route's query parameters. An unknown one is refused, naming those the route takes, so that a typo
 * (groupby=) is never silently ignored; the descriptions are what /openapi.json says of each.
 */
export function queryParams<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown query parameter ${iss.keys.join(', ')}; this route takes ${known}` : undefined),
  });
}
