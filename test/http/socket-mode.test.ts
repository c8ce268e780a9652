import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { USERS, visibleText } from '../support/harness.js';

describe('Socket Mode', () => {
  let standin: SlackStandIn;
  let app: RunningApp;
  let dir: string;

  beforeAll(async () => {
    standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
    await standin.start();
    standin.addUser(USERS.ada);
    standin.deliverTo({ kind: 'socket' });
    dir = mkdtempSync(join(tmpdir(), 'astrobee-socket-'));
    const config = loadConfig({
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_APP_TOKEN: standin.appToken,
      SLACK_API_URL: standin.apiUrl,
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      LOG_LEVEL: 'silent',
    });
    expect(config.mode).toBe('socket');
    app = await startApp(config, { logger: createLogger('silent') });
    await standin.socketConnected();
  });

  afterAll(async () => {
    await app.stop();
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the WebSocket with apps.connections.open using the app token', () => {
    const opens = standin.callsTo('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens.every((c) => c.ok)).toBe(true);
    expect(standin.socketConnections).toBe(1);
  });

  it('receives a slash command envelope and its reply arrives', async () => {
    const ack = await standin.command(USERS.ada.id, 'setup Socket Labs');
    expect(ack.status).toBe(200);
    const reply = await standin.waitFor(
      () => standin.ephemerals.find((e) => e.user === USERS.ada.id && e.text.includes('Socket Labs')),
      5000,
      'the setup reply',
    );
    expect(visibleText(reply)).toMatch(/Socket Labs\* is set up/);
    const org = await app.orm.em.fork().findOneOrFail(Organization, { slackTeamId: standin.team.id });
    expect(org.name).toBe('Socket Labs');
  });

  it('answers a quick command inside the envelope acknowledgement', async () => {
    const ack = await standin.command(USERS.ada.id, 'overview');
    expect(ack.status).toBe(200);
    expect(JSON.stringify(ack.json)).toContain('Socket Labs');
  });

  it('serves /healthz on its own HTTP port', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
