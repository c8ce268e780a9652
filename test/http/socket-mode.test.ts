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
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
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

  it('acknowledges and drops malformed envelope payloads, tells of an out-of-date button, and keeps serving', async () => {
    const malformed = [
      { type: 'block_actions', actions: 'not-a-list', user: { id: USERS.ada.id } },
      { type: 'block_actions', actions: [{ action_id: 'client_enable', type: 'button' }] },
      { type: 'view_submission', user: { id: USERS.ada.id }, view: null },
      { type: 'event_callback', team_id: standin.team.id, event_id: 'Ev1', event: { type: 'user_change' } },
      { type: 'never_heard_of_it' },
    ];
    for (const payload of malformed) {
      const ack = await standin.redeliver({ kind: 'interactive', payload, at: Date.now() });
      expect(ack.status).toBe(200);
      expect(ack.body).toBe('');
    }
    const before = new Set(standin.ephemerals);
    await standin.command(USERS.ada.id, 'help');
    const issued = standin.lastCommand;
    if (!issued) throw new Error('no command issued');
    await standin.waitFor(() => standin.ephemerals.find((e) => !before.has(e)), 5000, 'the help reply');
    const seen = new Set(standin.ephemerals);
    const ack = await standin.redeliver({
      kind: 'interactive',
      payload: {
        type: 'block_actions',
        user: { id: USERS.ada.id, team_id: standin.team.id },
        team: { id: standin.team.id },
        response_url: issued.responseUrl,
        actions: [{ action_id: 'retired_button', type: 'button', value: '1' }],
      },
      at: Date.now(),
    });
    expect(ack.status).toBe(200);
    const told = await standin.waitFor(
      () => standin.ephemerals.find((e) => !seen.has(e)),
      5000,
      'the out-of-date reply',
    );
    expect(visibleText(told)).toMatch(/This button is out of date/);
    const overview = await standin.command(USERS.ada.id, 'overview');
    expect(JSON.stringify(overview.json)).toContain('Socket Labs');
  });

  it('serves /healthz on its own HTTP port', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
