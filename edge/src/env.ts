// The Worker's bindings and the per-request variables that middleware hands to routes.
import type { Site } from './db/sites';

export interface Env {
  DB: D1Database;
  INGEST_LIMITER: RateLimit;
  /** Bearer token for /admin (a Worker secret; `dev-admin-token` locally via .dev.vars). */
  ADMIN_TOKEN?: string;
}

export type AppEnv = {
  Bindings: Env;
  /** keyScope: which key authenticated a /v1 request (a read key may only read; docs/governance.md). */
  Variables: { site: Site; keyScope: 'secret' | 'read' };
};
