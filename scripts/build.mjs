/**
 * `npm run build`: compiles src/ and migrations/ to dist/ with tsc (tsconfig.build.json), copies what the app reads
 * at run time (slack-manifest.yml, whose bot scopes are requested at install) and writes the two entry points
 * `dist/main.js` (`npm start`) and `dist/migrate.js` (`npm run migrate`), which load `dist/src/main.js` and
 * `dist/src/migrate.js`. (tsc keeps the layout of the repository, rootDir `.`, because src/db/orm.ts imports
 * `migrations/` beside src/: each compiled file finds the others, and the manifest, where the sources did.)
 *
 * `--prepare` is the `prepare` lifecycle script, run by `npm ci`: it builds as above when TypeScript is installed.
 * Without it (`npm ci --omit=dev`) it keeps the dist/ already there and says so, or fails with a message when there
 * is no build to keep. Exit code 0 on success, 1 otherwise (tsc's errors printed as they come).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const prepare = process.argv.includes('--prepare');

/** Files read at run time, copied to the same place relative to dist/ as to the repository. */
const RUNTIME_FILES = ['slack-manifest.yml'];
/** Entry points: dist/<name>.js loads dist/src/<name>.js. */
const ENTRY_POINTS = ['main', 'migrate'];

function tscPath() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

const tsc = tscPath();
if (!tsc) {
  if (prepare && existsSync(join(dist, 'main.js'))) {
    process.stdout.write(
      'build: TypeScript is not installed (npm ci --omit=dev); keeping the build in dist/.\n',
    );
    process.exit(0);
  }
  process.stderr.write(
    'build: TypeScript is not installed and there is no build in dist/ to keep. Run `npm ci` (with the dev ' +
      'dependencies) and `npm run build`, or copy a dist/ built elsewhere in before `npm ci --omit=dev`.\n',
  );
  process.exit(1);
}

const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write('build: tsc failed\n');
  process.exit(1);
}
for (const file of RUNTIME_FILES) copyFileSync(join(root, file), join(dist, file));
for (const name of ENTRY_POINTS) {
  writeFileSync(
    join(dist, `${name}.js`),
    `// Entry point of the build (scripts/build.mjs): src/${name}.ts, compiled to dist/src/${name}.js.\n` +
      `import './src/${name}.js';\n`,
  );
}
process.stdout.write(`build: dist/ is ready (node dist/main.js)\n`);
