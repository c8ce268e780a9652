/**
 * The layer rules of `.dependency-cruiser.cjs` (DESIGN.md §6, issue 10 §3), run as `npm run depcheck` runs them:
 * the dependency-cruiser CLI with the project's configuration and `--output-type err`. A fixture tree in a
 * temporary folder holds one forbidden import per rule (and the allowed look-alikes next to them); each rule must
 * fail the run and be named in its output, and the allowed imports must not be reported. The project itself must
 * pass.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** Runs the checker in `cwd` on `src`; never throws on a failing check. */
async function depcheck(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, 'src', '--config', CONFIG, '--output-type', 'err'],
      { cwd },
    );
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The fixture: file path → source. Each forbidden import is commented with the rule it breaks. */
const FIXTURE: Record<string, string> = {
  'src/config.ts': 'export const config = { port: 3000 };\n',
  'src/logger.ts': 'export const logger = console;\n',
  'src/db/orm.ts': 'export type Orm = { name: string };\n',
  'src/mail/outbox.ts': 'export const outbox = 1;\n',
  'src/console/console.ts':
    "import { blocks } from '../slack/blocks.js';\nexport const consoleMode = blocks;\n", // console-not-slack-or-http
  'src/http/healthz.ts':
    "import { consoleMode } from '../console/console.js';\nexport const healthz = consoleMode;\n", // console-apart
  'src/mail/worker.ts': "import { server } from '../http/server.js';\nexport const worker = server;\n", // adapters-not-front-ends
  'src/standin/index.ts': 'export const standin = 1;\n',
  'src/slack/blocks.ts': 'export const blocks = 1;\n',
  'src/http/server.ts': "import { blocks } from '../slack/blocks.js';\nexport const server = blocks;\n", // http-not-slack
  'src/slack/context.ts': "import { server } from '../http/server.js';\nexport const context = server;\n", // slack-not-http
  'src/domain/ports.ts': 'export interface Outbox { queue(): void }\n',
  // Allowed: the domain's own modules, MikroORM core.
  'src/domain/allowed.ts': [
    "import type { EntityManager } from '@mikro-orm/core';",
    "import type { Outbox } from './ports.js';",
    'export type Allowed = [EntityManager, Outbox];',
    '',
  ].join('\n'),
  // domain-no-slack-outbox: Slack's delivery rows and posted copies, even written inside the domain
  'src/domain/deliveries/slack-delivery.entity.ts': 'export class SlackDelivery {}\n',
  'src/domain/invitations/invitation-message.entity.ts': 'export class InvitationMessage {}\n',
  'src/domain/invitations/lifecycle.ts': [
    "import { SlackDelivery } from '../deliveries/slack-delivery.entity.js';",
    "import { InvitationMessage } from './invitation-message.entity.js';",
    'export const lifecycle = [SlackDelivery, InvitationMessage];',
    '',
  ].join('\n'),
  // domain-not-outer-rings, one import per ring
  'src/domain/leaky.ts': [
    "import { config } from '../config.js';",
    "import { logger } from '../logger.js';",
    "import type { Orm } from '../db/orm.js';",
    "import { outbox } from '../mail/outbox.js';",
    "import { blocks } from '../slack/blocks.js';",
    "import { server } from '../http/server.js';",
    "import { consoleMode } from '../console/console.js';",
    "import { standin } from '../standin/index.js';",
    'export const leaky = [config, logger, outbox, blocks, server, consoleMode, standin] as unknown as Orm;',
    '',
  ].join('\n'),
  // domain-no-sql-driver: a type-only import counts
  'src/domain/driver.ts': [
    "import type { EntityManager } from '@mikro-orm/sqlite';",
    "import type { Knex } from 'knex';",
    'export type Driver = [EntityManager, Knex];',
    '',
  ].join('\n'),
  // driver-only-in-db: a front end reaching for the SQLite driver's EntityManager (a type counts); allowed in src/db
  'src/slack/deliveries/worker.ts': [
    "import type { EntityManager } from '@mikro-orm/sqlite';",
    'export type Worker = EntityManager;',
    '',
  ].join('\n'),
  'src/db/driver.ts': [
    "import type { EntityManager } from '@mikro-orm/sqlite';",
    "import type { Knex } from 'knex';",
    'export type DbDriver = [EntityManager, Knex];',
    '',
  ].join('\n'),
  // listener-not-listener: one listener importing another (a command importing an action)
  'src/slack/members/member-role.action.ts': 'export const memberRole = 1;\n',
  'src/slack/members/role.command.ts':
    "import { memberRole } from './member-role.action.js';\nexport const role = memberRole;\n",
  'src/slack/members/members.blocks.ts': 'export const membersMessage = 1;\n',
  'src/slack/members/members-list.ts': 'export const showMembersPage = 1;\n',
  // Allowed: a feature's register wires its listeners; src/slack/register.ts assembles the features.
  'src/slack/members/register.ts': [
    "import { memberRole } from './member-role.action.js';",
    "import { role } from './role.command.js';",
    'export const register = [memberRole, role];',
    '',
  ].join('\n'),
  'src/slack/register.ts':
    "import { register } from './members/register.js';\nexport const FEATURES = { members: register };\n",
  // feature-not-feature: a feature importing another feature's helper; allowed: its builders (*.blocks.ts)
  'src/slack/home/home-data.ts':
    "import { showMembersPage } from '../members/members-list.js';\nexport const homeData = showMembersPage;\n",
  'src/slack/home/home.blocks.ts':
    "import { membersMessage } from '../members/members.blocks.js';\nexport const homeView = membersMessage;\n",
  // shared-not-features: src/slack/shared importing a feature, even its builders
  'src/slack/shared/dispatch.ts':
    "import { membersMessage } from '../members/members.blocks.js';\nexport const tables = membersMessage;\n",
  // lib-is-a-leaf: a neutral helper importing a ring; allowed: a front end and the domain importing it
  'src/lib/util.ts': "import { blocks } from '../slack/blocks.js';\nexport const util = blocks;\n",
  'src/lib/pure.ts': 'export const pure = 1;\n',
  'src/domain/uses-lib.ts': "import { pure } from '../lib/pure.js';\nexport const usesLib = pure;\n",
  // no-circular
  'src/domain/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
  'src/domain/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
};

describe('layer rules (npm run depcheck)', () => {
  let dir: string;
  let result: { code: number; output: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layer-rules-'));
    for (const [path, source] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
        include: ['src'],
      }),
    );
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    result = await depcheck(dir);
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the run on a forbidden import', () => {
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/dependency violations/);
  });

  it('domain-not-outer-rings: the domain imports no Slack, HTTP, mail, console, stand-in, config, logger or src/db', () => {
    for (const target of [
      'src/config.ts',
      'src/logger.ts',
      'src/db/orm.ts',
      'src/mail/outbox.ts',
      'src/slack/blocks.ts',
      'src/http/server.ts',
      'src/console/console.ts',
      'src/standin/index.ts',
    ]) {
      expect(result.output).toContain(`error domain-not-outer-rings: src/domain/leaky.ts → ${target}`);
    }
  });

  it('domain-no-slack-outbox: the domain imports no Slack delivery row nor posted copy, even one of its own', () => {
    expect(result.output).toContain(
      'error domain-no-slack-outbox: src/domain/invitations/lifecycle.ts → src/domain/deliveries/slack-delivery.entity.ts',
    );
    expect(result.output).toContain(
      'error domain-no-slack-outbox: src/domain/invitations/lifecycle.ts → src/domain/invitations/invitation-message.entity.ts',
    );
  });

  it('domain-no-sql-driver: no knex or MikroORM driver package in the domain, not even as a type', () => {
    expect(result.output).toMatch(
      /error domain-no-sql-driver: src\/domain\/driver\.ts → \S*node_modules\/@mikro-orm\/sqlite\//,
    );
    expect(result.output).toMatch(
      /error domain-no-sql-driver: src\/domain\/driver\.ts → \S*node_modules\/knex\//,
    );
  });

  it('driver-only-in-db: outside src/db no MikroORM driver package nor knex, not even as a type', () => {
    expect(result.output).toMatch(
      /error driver-only-in-db: src\/slack\/deliveries\/worker\.ts → \S*node_modules\/@mikro-orm\/sqlite\//,
    );
    expect(result.output).not.toContain('src/db/driver.ts');
  });

  it("slack-not-http and http-not-slack: the two front ends don't import each other", () => {
    expect(result.output).toContain('error slack-not-http: src/slack/context.ts → src/http/server.ts');
    expect(result.output).toContain('error http-not-slack: src/http/server.ts → src/slack/blocks.ts');
  });

  it('console-apart, console-not-slack-or-http, adapters-not-front-ends', () => {
    expect(result.output).toContain('error console-apart: src/http/healthz.ts → src/console/console.ts');
    expect(result.output).toContain(
      'error console-not-slack-or-http: src/console/console.ts → src/slack/blocks.ts',
    );
    expect(result.output).toContain('error adapters-not-front-ends: src/mail/worker.ts → src/http/server.ts');
  });

  it('listener-not-listener: a command, action, view or event file never imports another; a register may', () => {
    expect(result.output).toContain(
      'error listener-not-listener: src/slack/members/role.command.ts → src/slack/members/member-role.action.ts',
    );
    expect(result.output).not.toMatch(/: src\/slack\/members\/register\.ts/);
    expect(result.output).not.toMatch(/: src\/slack\/register\.ts/);
  });

  it("feature-not-feature: a feature imports no other feature's listeners or helpers, only its builders", () => {
    expect(result.output).toContain(
      'error feature-not-feature: src/slack/home/home-data.ts → src/slack/members/members-list.ts',
    );
    expect(result.output).not.toContain('src/slack/home/home.blocks.ts');
  });

  it('shared-not-features: src/slack/shared imports no feature', () => {
    expect(result.output).toContain(
      'error shared-not-features: src/slack/shared/dispatch.ts → src/slack/members/members.blocks.ts',
    );
  });

  it('lib-is-a-leaf: src/lib imports nothing of the app, and any ring may import it', () => {
    expect(result.output).toContain('error lib-is-a-leaf: src/lib/util.ts → src/slack/blocks.ts');
    expect(result.output).not.toContain('src/domain/uses-lib.ts');
  });

  it('no-circular: an import cycle is refused', () => {
    expect(result.output).toMatch(
      /error no-circular: src\/domain\/a\.ts →\s+src\/domain\/b\.ts →\s+src\/domain\/a\.ts/,
    );
  });

  it('the allowed imports of the domain (its own modules, MikroORM core) are not reported', () => {
    expect(result.output).not.toContain('src/domain/allowed.ts');
  });

  it('the project itself obeys every rule', async () => {
    const project = await run(
      process.execPath,
      [
        CLI,
        'src',
        'migrations',
        'manifest',
        'mikro-orm.config.ts',
        '--config',
        CONFIG,
        '--output-type',
        'err',
      ],
      { cwd: ROOT },
    );
    expect(project.stdout).toMatch(/no dependency violations found/);
  }, 60_000);
});
