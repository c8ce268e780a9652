/**
 * Issue 13 §2: what runs in production needs no dev dependency. The dependency-cruiser rule
 * `runtime-not-dev-dependencies` (`.dependency-cruiser.cjs`, run by `npm run depcheck`) fails an import of a
 * devDependency from src/ or migrations/; and the `prepare` script (`scripts/build.mjs --prepare`, run by `npm ci`)
 * without TypeScript installed (`npm ci --omit=dev`) keeps an existing build and fails, saying why, when there is none.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

/** A temp folder holding `files` (path → content). */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-production-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('runtime-not-dev-dependencies', () => {
  it('fails an import of a devDependency from src/ or migrations/, and lets dependencies and tests through', async () => {
    const dir = fixture({
      'package.json': JSON.stringify({
        name: 'fixture',
        type: 'module',
        dependencies: { zod: '*' },
        devDependencies: { vitest: '*', typescript: '*' },
      }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
        include: ['src', 'migrations', 'test'],
      }),
      'src/app.ts':
        "import { z } from 'zod';\nimport { describe } from 'vitest';\nexport const a = [z, describe];\n",
      'migrations/m.ts': "import ts from 'typescript';\nexport const m = ts;\n",
      'test/a.test.ts': "import { it } from 'vitest';\nexport const t = it;\n",
    });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const cli = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
    const result = await promisify(execFile)(
      process.execPath,
      [
        cli,
        'src',
        'migrations',
        'test',
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
      ],
      { cwd: dir },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );
    expect(result.code, result.output).not.toBe(0);
    const violations = result.output.split('\n').filter((l) => l.includes('runtime-not-dev-dependencies'));
    expect(violations.some((l) => l.includes('src/app.ts') && l.includes('vitest'))).toBe(true);
    expect(violations.some((l) => l.includes('migrations/m.ts') && l.includes('typescript'))).toBe(true);
    expect(violations.some((l) => l.includes('zod'))).toBe(false);
    expect(violations.some((l) => l.includes('test/a.test.ts'))).toBe(false);
  }, 60_000);
});

describe('prepare without TypeScript (npm ci --omit=dev)', () => {
  /** Runs a copy of scripts/build.mjs --prepare in a folder with no node_modules (so no TypeScript). */
  function prepare(files: Record<string, string>) {
    const dir = fixture({ 'package.json': '{"type":"module"}', ...files });
    cpSync(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
    return spawnSync(process.execPath, ['scripts/build.mjs', '--prepare'], { cwd: dir, encoding: 'utf8' });
  }

  it('keeps the build in dist/ and says so', () => {
    const run = prepare({ 'dist/main.js': '' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/TypeScript is not installed.*keeping the build in dist\//);
  });

  it('fails, naming the way out, when there is no build to keep', () => {
    const run = prepare({});
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no build in dist\/.*npm run build/s);
  });
});
