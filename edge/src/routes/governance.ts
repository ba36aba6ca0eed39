// The governance routes (docs/governance.md) under /v1, gathered in one OpenAPIHono so that
// /openapi.json can describe them from their own schemas. Mounted at / behind the key check in app.ts.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { changes } from './changes';
import { channelRules } from './channel-rules';
import { keys } from './keys';
import { validationHook } from './validation';

export const governance = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
governance.route('/v1', keys);
governance.route('/v1', channelRules);
governance.route('/v1', changes);

/** The OpenAPI paths of these routes, merged into /openapi.json. */
export function governancePaths(): Record<string, unknown> {
  return governance.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Touchline API', version: '1' } }).paths ?? {};
}
