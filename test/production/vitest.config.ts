/**
 * `npm run test:image`: the container image's steps run outside Docker (test/production/image.test.ts). Slow (two
 * `npm ci`, sqlite3 built from source when no prebuilt binary matches), so it is not part of `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'image',
    include: ['test/production/image.test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
