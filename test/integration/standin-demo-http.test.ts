/**
 * What a new operator does by hand (README "Try it with the stand-in"), done with plain HTTP: the demo stand-in, the
 * app in distribution mode with the environment the stand-in prints, both workspaces installed through the install
 * page and Slack's authorize page (following the links and redirects as a browser would), `/org setup` typed in
 * each through `POST /standin/command`, and two separate organizations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { type StandInDemo, startStandInDemo } from '../../src/standin/demo.js';
import { addToSlackLink } from '../support/harness.js';

let demo: StandInDemo;
let app: RunningApp;
let dir: string;
let appUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  demo = await startStandInDemo({ appUrl });
  dir = mkdtempSync(join(tmpdir(), 'astrobee-demo-'));
  const config = loadConfig({
    ...demo.appEnv,
    SLACK_STATE_SECRET: 'state-secret-example-0123456789abcdef',
    INSTALLATION_KEY: 'installation-key-example-0123456789abcdef',
    PUBLIC_URL: appUrl,
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    LOG_LEVEL: 'silent',
  });
  app = await startApp(config, { logger: createLogger('silent') });
});

afterAll(async () => {
  await app?.stop();
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A browser: keeps cookies per origin, follows redirects by hand. */
async function browserInstall(workspaceName: string): Promise<string> {
  const start = await fetch(`${appUrl}/slack/install`);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const authorize = addToSlackLink(await start.text());
  if (!authorize) throw new Error('no Add to Slack link');
  const choose = await fetch(authorize);
  const chooser = await choose.text();
  const allow = new RegExp(`href="([^"]+)">Allow on ${workspaceName}<`).exec(chooser)?.[1];
  if (!allow) throw new Error(`no Allow link for ${workspaceName}: ${chooser}`);
  const back = await fetch(addToSlackLink(`href="${allow}"`) ?? '', { redirect: 'manual' });
  const done = await fetch(back.headers.get('location') ?? '', { headers: { cookie } });
  expect(done.status).toBe(200);
  return done.text();
}

async function slash(team: string, user: string, text: string): Promise<string> {
  const res = await fetch(`${demo.standin.baseUrl}/standin/command`, {
    method: 'POST',
    body: JSON.stringify({ team, user, text }),
  });
  const answer = (await res.json()) as { status: number; reply: string | null };
  expect(answer.status).toBe(200);
  return answer.reply ?? '';
}

describe('the demo stand-in and the app in distribution mode', () => {
  it('installs both workspaces through the pages, sets up each, and keeps two organizations apart', async () => {
    expect(await browserInstall('Acme Rockets')).toContain('installed in Acme Rockets');
    expect(await browserInstall('Birch Labs')).toContain('installed in Birch Labs');
    expect(await slash('T0ACME', 'ava', 'setup Acme Analytics')).toContain('Acme Analytics');
    expect(await slash('T0BIRCH', 'bea', 'setup Birch Insights')).toContain('Birch Insights');
    const acme = await slash('T0ACME', 'ava', 'members');
    expect(acme).toContain('ava@example.com');
    expect(acme).not.toContain('bea@example.com');
    const orgs = await app.orm.em.fork().find(Organization, {}, { orderBy: { slackTeamId: 'asc' } });
    expect(orgs.map((o) => [o.slackTeamId, o.name])).toEqual([
      ['T0ACME', 'Acme Analytics'],
      ['T0BIRCH', 'Birch Insights'],
    ]);
  });

  it('posts a message through POST /standin/message: a pasted secret of Acme is caught and the poster told', async () => {
    const created = await slash('T0ACME', 'ava', 'clients create Demo Feed');
    const secret = /abo_cs_[0-9A-Za-z]+/.exec(created)?.[0];
    if (!secret) throw new Error(`no secret in ${created}`);
    const post = async (body: Record<string, unknown>) => {
      const res = await fetch(`${demo.standin.baseUrl}/standin/message`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return { http: res.status, answer: (await res.json()) as { status?: number; reply?: string | null } };
    };
    const { http, answer } = await post({ team: 'T0ACME', user: 'ava', text: `the key is ${secret}` });
    expect(http).toBe(200);
    expect(answer.status).toBe(200);
    expect(answer.reply).toContain('has been disabled');
    expect(answer.reply).not.toContain(secret);
    expect(await slash('T0ACME', 'ava', 'clients')).toMatch(/Demo Feed[\s\S]*Disabled/);
    expect((await post({ team: 'T0ACME', user: 'ava', text: 'hi', channel: 'nowhere' })).http).toBe(404);
    expect((await post({ team: 'T0ACME', user: 'nobody', text: 'hi' })).http).toBe(400);
  });

  it('answers a bad command request plainly', async () => {
    const res = await fetch(`${demo.standin.baseUrl}/standin/command`, {
      method: 'POST',
      body: JSON.stringify({ team: 'T0NOPE', user: 'ava', text: 'help' }),
    });
    expect(res.status).toBe(404);
  });
});
