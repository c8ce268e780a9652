/**
 * `/readyz` and `/metrics` in Socket Mode and distribution mode: in Socket Mode readiness includes the WebSocket
 * being open, acknowledgements sent over the socket are timed by the Socket Mode edge, and without `METRICS_TOKEN`
 * `/metrics` is open; in distribution mode the Slack check asks the installation store, not `auth.test`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { type TestDatabase, testDatabase } from '../support/db.js';
import { type Harness, startHarness, USERS } from '../support/harness.js';

describe('readiness and metrics in Socket Mode', () => {
  let standin: SlackStandIn;
  let app: RunningApp;
  let db: TestDatabase;
  const url = (path: string) => `http://127.0.0.1:${app.port}${path}`;

  beforeAll(async () => {
    standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
    await standin.start();
    standin.addUser(USERS.ada);
    standin.deliverTo({ kind: 'socket' });
    db = await testDatabase();
    const config = loadConfig({
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_APP_TOKEN: standin.appToken,
      SLACK_API_URL: standin.apiUrl,
      PORT: '0',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
    });
    app = await startApp(config, { logger: createLogger('silent') });
    await standin.socketConnected();
  });

  afterAll(async () => {
    await app.stop().catch(() => undefined);
    await standin.stop();
    await db.drop();
  });

  it('is ready with the socket open, and times the acks it sends over the socket', async () => {
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', slack: 'ok', socket: 'ok' },
    });
    const ack = await standin.command(USERS.ada.id, 'help');
    expect(ack.status).toBe(200);
    // No METRICS_TOKEN: open.
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^astrobee_slack_ack_duration_seconds_count\{kind="slash_command"\} 1$/m);
    expect(text).toMatch(
      /^astrobee_slack_api_calls_total\{method="apps\.connections\.open",outcome="ok"\} [1-9]/m,
    );
  });

  it('is not ready once the socket is closed', async () => {
    await app.app.stop();
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      checks: { socket: 'failed', database: 'ok' },
      failed: ['socket'],
    });
  });
});

describe('readiness in distribution mode', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ distribution: {} });
  });
  afterAll(async () => h.stop());

  it('is ready when the installation store answers, with no bot token to test', async () => {
    const calls = h.standin.callsTo('auth.test').length;
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', slack: 'ok' },
    });
    expect(h.standin.callsTo('auth.test')).toHaveLength(calls);
  });

  it('is not ready on an instance whose INSTALLATION_KEY opens none of the installations', async () => {
    const acme = h.standin.addWorkspace({ team: { id: 'T0ACME', name: 'Acme Rockets' } });
    acme.addUser({ id: 'U0AVA', name: 'ava', email: 'ava@example.com', isAdmin: true });
    await h.install({ team: 'T0ACME' }, 'U0AVA');
    const other = await startApp(
      { ...h.config, port: 0, installationKeys: ['another-installation-key-example-0123456789'] },
      { logger: createLogger('silent'), clock: h.clock, orm: h.app.orm },
    );
    try {
      const res = await fetch(`http://127.0.0.1:${other.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable', failed: ['slack'] });
      // The instance with the right key stays ready.
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
