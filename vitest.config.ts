import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The image test (test/production/image.test.ts): slow, run by `npm run test:image` alone. */
const IMAGE_TEST = 'test/production/image.test.ts';

/** Every test file under `test/`, relative to the repository. */
function testFiles(dir = 'test'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'bench' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * The test files that use a database through the test support (`freshOrm`, `testDatabase`, `startHarness`): they
 * run twice, once per database. The others (units, the console's processes, the CLI) run once, on SQLite.
 */
const databaseTests = testFiles().filter((file) =>
  /\b(freshOrm|testDatabase|startHarness)\(/.test(readFileSync(file, 'utf8')),
);

const common = {
  exclude: ['test/bench/**', 'node_modules/**', 'dist/**', IMAGE_TEST],
  testTimeout: 20_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // Most test time waits on I/O (PostgreSQL, child processes, the stand-in): one worker more than vitest's default
    // (cores - 1) keeps both cores busy on a 2-core machine (npm test: 7.5 → 4 minutes there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        test: {
          ...common,
          name: 'postgresql',
          include: databaseTests,
          env: { TEST_DATABASE: 'postgresql' },
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
    ],
  },
});
