// Test-only bindings added in vitest.worker.config.ts.
import type { D1Migration } from 'cloudflare:test';
import type { Env } from '../../edge/src/env';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      INGEST_LIMITER: RateLimit;
      ADMIN_TOKEN?: string;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
export type { Env };
