// Worker tests: the real Worker in workerd (vitest-pool-workers) against real local D1.
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'schemas/migrations'));
  return {
    plugins: [
      cloudflareTest({
        main: './edge/src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: 'test-admin-token' },
          // A small per-key limit so the 429 path is reachable; every test uses its own site (key).
          ratelimits: { INGEST_LIMITER: { simple: { limit: 30, period: 60 } } },
        },
      }),
    ],
    test: {
      include: ['tests/worker/**/*.test.ts'],
      setupFiles: ['./tests/worker/apply-migrations.ts'],
      // Many tests run the job over real D1 several times: seconds each on a busy shared machine
      // (CI's is), where vitest's 5-second default failed tests that pass when the machine is idle.
      testTimeout: 60_000,
    },
  };
});
