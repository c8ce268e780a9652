/**
 * Issue 13 §2 in Socket Mode, in process: `RunningApp.drain` closes the WebSocket, finishes the payload whose
 * follow-up is slow (after its envelope was acknowledged), and reports a clean drain; the write is stored.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { USERS } from '../support/harness.js';

describe('drain in Socket Mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-socket-drain-'));
  const standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });

  afterAll(async () => {
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('disconnects, finishes the payload in flight after its ack, and closes', async () => {
    await standin.start();
    standin.addUser(USERS.ada);
    standin.deliverTo({ kind: 'socket' });
    const databaseUrl = `sqlite:${join(dir, 'db.sqlite')}`;
    const config = loadConfig({
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_APP_TOKEN: standin.appToken,
      SLACK_API_URL: standin.apiUrl,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
    });
    const app = await startApp(config, { logger: createLogger('silent') });
    await standin.socketConnected();

    standin.addFault({ method: 'users.info', delayMs: 1000, count: 1 });
    expect((await standin.command(USERS.ada.id, 'setup Socket Labs')).status).toBe(200);
    expect(app.lifecycle.inFlight()).toMatchObject([{ kind: 'command' }]);
    const report = await app.drain(10_000);

    expect(app.lifecycle.isDraining()).toBe(true);
    expect(report).toMatchObject({
      clean: true,
      cutOff: { payloads: [], payloadsByKind: {}, mailsHeld: 0, deliveriesHeld: 0 },
    });
    await standin.waitFor(() => standin.socketConnections === 0, 2000, 'the WebSocket closed');
    expect(standin.ephemerals.some((e) => e.text.includes('Socket Labs* is set up'))).toBe(true);
    const orm = await openOrm(databaseUrl, { logger: createLogger('silent') });
    try {
      const org = await orm.em.fork().findOneOrFail(Organization, { slackTeamId: standin.team.id });
      expect(org.name).toBe('Socket Labs');
    } finally {
      await orm.close();
    }
  });
});
