// Unit tests: pure functions (channel grouping, attribution models, snippet logic) in node.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
