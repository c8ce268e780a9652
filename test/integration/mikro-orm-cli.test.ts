/**
 * The MikroORM CLI (`npm run mikro-orm -- <command>`, configured by `mikro-orm.config.ts`) as a child process on a
 * temp SQLite file: it sees the migrations `npm run migrate` applied, finds no schema change between the entities
 * and the migrated schema (so an entity changed without a migration fails here), prints SQL without running it,
 * and runs every migration down and up again.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsList } from '../../migrations/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'astrobee-cli-'));
const databaseUrl = `sqlite:${join(dir, 'cli.sqlite')}`;
const names = migrationsList.map((m) => m.name);
const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

interface Run {
  code: number;
  /** stdout and stderr, colours removed. */
  out: string;
}

/**
 * Runs a package.json script as `npm run <script> -- <args>` would (its command with node_modules/.bin on the PATH,
 * without npm's own start-up time), in the repository, with only DATABASE_URL set: no Slack or mail settings.
 */
function runScript(script: string, ...args: string[]): Promise<Run> {
  const command = scripts[script];
  if (!command) throw new Error(`no script ${script} in package.json`);
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', `${command} "$@"`, script, ...args],
      {
        cwd: root,
        env: {
          PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
          HOME: process.env.HOME ?? dir,
          DATABASE_URL: databaseUrl,
          NO_COLOR: '1',
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
        resolve({ code, out: `${stdout}${stderr}`.replace(/\u001b\[[0-9;]*m/g, '') });
      },
    );
  });
}

const cli = (...args: string[]) => runScript('mikro-orm', ...args);

/** Names the `migration:list` table shows as executed, each with its ISO time. */
function executed(list: string): string[] {
  return [...list.matchAll(/│ (Migration\w+)\s+│ \d{4}-\d\d-\d\dT[\d:.]+Z\s+│/g)].map((m) => m[1] ?? '');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MikroORM CLI on a SQLite file', () => {
  it('lists every migration applied by npm run migrate, and finds the entities and the schema in agreement', async () => {
    const migrate = await runScript('migrate');
    expect(migrate.code, migrate.out).toBe(0);

    const [list, check] = await Promise.all([cli('migration:list'), cli('migration:check')]);
    expect(list.code, list.out).toBe(0);
    expect(executed(list.out)).toEqual(names);
    expect(
      check.code,
      `an entity changed without a migration (schema:update --dump shows the SQL)\n${check.out}`,
    ).toBe(0);
    expect(check.out).toContain('No changes required');
  }, 60_000);

  it('prints the schema SQL without running it, and runs every migration down and up', async () => {
    const down = await cli('migration:down', '--to', '0');
    expect(down.code, down.out).toBe(0);

    const [check, dump] = await Promise.all([cli('migration:check'), cli('schema:update', '--dump')]);
    expect(check.code, check.out).toBe(1);
    expect(check.out).toContain('Changes detected');
    expect(dump.code, dump.out).toBe(0);
    expect(dump.out).toMatch(/create table `organizations`/);
    expect(dump.out).toMatch(/create table `members`/);

    // Had the dump run its SQL, the tables would exist and the first migration would fail here.
    const up = await cli('migration:up');
    expect(up.code, up.out).toBe(0);
    const list = await cli('migration:list');
    expect(executed(list.out)).toEqual(names);
  }, 60_000);
});
