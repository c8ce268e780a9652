/**
 * API clients managed from Slack: signed requests into the running app, the loopback stand-in playing Slack. The
 * secret must reach the requester alone, once, ephemerally — and nowhere else: not the logs, not the database (read
 * as raw bytes with its WAL), not a channel message, not a modal's private_metadata.
 */

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { DEFAULT_SCOPES } from '../../src/domain/clients/scopes.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { CLIENT_ACTIONS, CREATE_CLIENT_VIEW } from '../../src/slack/clients/clients.blocks.js';
import { deliverNewClient } from '../../src/slack/clients/secret-delivery.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { signSlackRequest } from '../../src/standin/index.js';
import { storedText } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo, eve } = USERS;
const SECRET = /abo_cs_[0-9A-Za-z]+/g;
const CLIENT_ID = /cli_[a-z2-7]{20}/;

/** Every secret seen by anyone in these tests, for the leak search at the end. */
const secretsSeen = new Set<string>();

function secretsIn(message: { text: string; blocks: unknown[] }): string[] {
  const found = visibleText(message).match(SECRET) ?? [];
  for (const s of found) secretsSeen.add(s);
  return [...new Set(found)];
}

function nextEphemeral(
  h: Harness,
  userId: string,
  before: Set<RecordedEphemeral>,
): Promise<RecordedEphemeral> {
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `an ephemeral for ${userId}`,
  );
}

async function setRole(h: Harness, user: { id: string; email: string }, role: Role | null): Promise<void> {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  await em.nativeDelete(Member, { email: user.email });
  if (role)
    em.persist(
      new Member({ organization, email: user.email, role, slackUserId: user.id, now: h.clock.now() }),
    );
  await em.flush();
}

async function createClient(h: Harness, name: string): Promise<{ clientId: string; secret: string }> {
  const reply = await h.ask(ada.id, `clients create ${name}`);
  const [secret] = secretsIn(reply);
  const clientId = CLIENT_ID.exec(visibleText(reply))?.[0];
  if (!secret || !clientId) throw new Error(`no credentials in ${visibleText(reply)}`);
  return { clientId, secret };
}

/** Sends a block_actions payload as Slack would sign it, for a button the user was never shown. */
async function forgeClick(h: Harness, user: { id: string; name: string }, actionId: string, value: string) {
  const channel = h.standin.imChannelOf(user.id);
  const payload = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: h.standin.team.id },
    api_app_id: h.standin.appId,
    team: { id: h.standin.team.id, domain: h.standin.team.domain },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel, is_ephemeral: true },
    channel: { id: channel, name: 'directmessage' },
    trigger_id: '1.2.3',
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `client_row:${value}`,
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1.2',
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const res = await fetch(`${h.url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(h.standin.signingSecret, body),
    },
    body,
  });
  expect(res.status).toBe(200);
}

describe('/org clients through Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    h.standin.addChannel({
      id: 'D0ADABOB',
      name: 'ada-bob',
      isIm: true,
      isPrivate: true,
      members: [ada.id, bob.id],
    });
    h.standin.addChannel({
      id: 'G0SECRET',
      name: 'secret-plans',
      isPrivate: true,
      members: [ada.id, cleo.id],
    });
  });
  afterAll(async () => h.stop());

  it('creates a client from a DM between two people: the secret comes once, through the response_url', async () => {
    // chat.postEphemeral cannot reach this conversation: the bot is not in it.
    const web = new WebClient(h.standin.botToken, {
      slackApiUrl: h.standin.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(
      web.chat.postEphemeral({ channel: 'D0ADABOB', user: ada.id, text: 'probe' }),
    ).rejects.toMatchObject({ data: { error: 'channel_not_found' } });

    const reply = await h.ask(ada.id, 'clients create Nightly export', { channelId: 'D0ADABOB' });
    expect(reply.via).toBe('response_url');
    expect(reply.channel).toBe('D0ADABOB');
    expect(reply.user).toBe(ada.id);
    const [secret] = secretsIn(reply);
    expect(secret).toMatch(/^abo_cs_[0-9A-Za-z]{49}$/);
    const clientId = CLIENT_ID.exec(visibleText(reply))?.[0];
    const row = await h.em().findOneOrFail(ApiClient, clientId ?? '');
    expect(row.name).toBe('Nightly export');
    expect(row.createdBySlackUserId).toBe(ada.id);
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.created', targetId: clientId ?? '' });
    expect(audit.actorSlackUserId).toBe(ada.id);
    expect(audit.details).toEqual({ name: 'Nightly export', scopes: DEFAULT_SCOPES.join(' ') });
  });

  it('creates from a private channel the bot is not in', async () => {
    const reply = await h.ask(ada.id, 'clients create Board reports', { channelId: 'G0SECRET' });
    expect(reply.via).toBe('response_url');
    expect(reply.channel).toBe('G0SECRET');
    expect(secretsIn(reply)).toHaveLength(1);
  });

  it('opens a modal without a name; bad names get inline errors and create nothing; a good one delivers the secret', async () => {
    const ack = await h.command(ada.id, 'clients create', { channelId: 'D0ADABOB' });
    expect(ack.status).toBe(200);
    const view = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the modal');
    const meta = String(view.view.private_metadata);
    expect(JSON.parse(meta)).toEqual({
      responseUrl: h.standin.lastCommand?.responseUrl,
      channelId: 'D0ADABOB',
    });
    const count = await h.em().count(ApiClient, {});
    const submit = (value: string) =>
      h.standin.viewSubmission(
        ada.id,
        view.id,
        {
          [CREATE_CLIENT_VIEW.blockId]: {
            [CREATE_CLIENT_VIEW.actionId]: { type: 'plain_text_input', value },
          },
        },
        { skipClientValidation: true },
      );
    for (const [value, message] of [
      ['   ', 'Give the client a name'],
      ['Nightly export', 'already exists'],
      ['!!!', 'at least one letter or digit'],
    ] as const) {
      const res = await submit(value);
      expect(res.json).toMatchObject({ response_action: 'errors' });
      expect(JSON.stringify(res.json)).toContain(message);
    }
    expect(await h.em().count(ApiClient, {})).toBe(count);

    const before = new Set(h.standin.ephemerals);
    const ok = await submit('Warehouse loader');
    expect(ok.body).toBe('');
    const secretReply = await nextEphemeral(h, ada.id, before);
    expect(secretReply.via).toBe('response_url');
    expect(secretReply.channel).toBe('D0ADABOB');
    expect(secretsIn(secretReply)).toHaveLength(1);
    expect(visibleText(secretReply)).toContain('Warehouse loader');
    expect(await h.em().count(ApiClient, {})).toBe(count + 1);
  });

  it('falls back to an ephemeral in the bot DM when the response_url is used up', async () => {
    await h.command(ada.id, 'clients create', { channelId: 'D0ADABOB' });
    const view = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the modal');
    const url = h.standin.lastCommand?.responseUrl ?? '';
    for (let i = 0; i < 5; i += 1) {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"."}',
      });
    }
    const before = new Set(h.standin.ephemerals);
    await h.standin.viewSubmission(ada.id, view.id, {
      [CREATE_CLIENT_VIEW.blockId]: {
        [CREATE_CLIENT_VIEW.actionId]: { type: 'plain_text_input', value: 'Fallback' },
      },
    });
    const reply = await nextEphemeral(h, ada.id, before);
    expect(reply.via).toBe('chat.postEphemeral');
    expect(reply.channel).toBe(h.standin.imChannelOf(ada.id));
    expect(secretsIn(reply)).toHaveLength(1);
  });

  it('lists clients with Disable/Enable, Rotate and Delete (with confirm) per row, and the buttons work', async () => {
    const { clientId } = await createClient(h, 'Button target');
    const list = await h.ask(ada.id, 'clients');
    const text = visibleText(list);
    expect(text).toContain('Button target');
    expect(text).toContain(clientId);
    expect(text).toContain('Last used never');
    const buttons = h.standin.buttonsOf(list.blocks).filter((b) => b.value === clientId);
    expect(buttons.map((b) => b.actionId)).toEqual([
      CLIENT_ACTIONS.disable,
      CLIENT_ACTIONS.scopes,
      CLIENT_ACTIONS.rotate,
      CLIENT_ACTIONS.delete,
    ]);
    expect(buttons[2]?.confirm).toBeDefined();
    expect(buttons[3]?.confirm).toBeDefined();
    expect(list.blocks.length).toBeLessThanOrEqual(50);

    const click = async (on: RecordedEphemeral, actionId: string) => {
      const before = new Set(h.standin.ephemerals);
      const ack = await h.standin.blockAction(
        ada.id,
        { actionId, blockId: `client_row:${clientId}`, value: clientId },
        { channelId: on.channel, messageTs: on.ts },
      );
      expect(ack.status).toBe(200);
      return nextEphemeral(h, ada.id, before);
    };
    const disabled = await click(list, CLIENT_ACTIONS.disable);
    expect(visibleText(disabled)).toContain('is disabled');
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('disabled');
    const enableButton = h.standin.buttonsOf(disabled.blocks).find((b) => b.value === clientId);
    expect(enableButton?.actionId).toBe(CLIENT_ACTIONS.enable);
    const enabled = await click(disabled, CLIENT_ACTIONS.enable);
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('active');

    const rotated = await click(enabled, CLIENT_ACTIONS.rotate);
    expect(rotated.replaceOriginal).toBeFalsy();
    expect(secretsIn(rotated)).toHaveLength(1);
    expect(visibleText(rotated)).toContain('previous secret keeps working until');

    const refreshed = await h.standin.waitFor(
      () =>
        h.standin.ephemerals.find(
          (e) => e.user === ada.id && e.replaceOriginal && visibleText(e).includes('was rotated'),
        ),
      5000,
      'the refreshed list',
    );
    const deleted = await click(refreshed, CLIENT_ACTIONS.delete);
    expect(visibleText(deleted)).toContain('is deleted');
    expect(visibleText(deleted)).not.toContain(`\`${clientId}\`\nCreated`);
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('deleted');
    const actions = (
      await h.em().find(AuditEvent, { targetId: clientId }, { orderBy: { createdAt: 'asc' } })
    ).map((e) => e.action);
    expect(actions).toEqual([
      'client.created',
      'client.disabled',
      'client.enabled',
      'client.secret_rotated',
      'client.deleted',
    ]);
  });

  it('the "New client" button opens the modal with the list\'s response_url', async () => {
    const list = await h.ask(ada.id, 'clients');
    await h.standin.blockAction(
      ada.id,
      { actionId: CLIENT_ACTIONS.create },
      { channelId: list.channel, messageTs: list.ts },
    );
    const view = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the modal');
    const before = new Set(h.standin.ephemerals);
    await h.standin.viewSubmission(ada.id, view.id, {
      [CREATE_CLIENT_VIEW.blockId]: {
        [CREATE_CLIENT_VIEW.actionId]: { type: 'plain_text_input', value: 'From button' },
      },
    });
    const reply = await nextEphemeral(h, ada.id, before);
    expect(reply.via).toBe('response_url');
    expect(secretsIn(reply)).toHaveLength(1);
  });

  it('explains bad subcommands and client IDs, changing nothing', async () => {
    const events = await h.em().count(AuditEvent, {});
    expect(visibleText(await h.ask(ada.id, 'clients frobnicate'))).toContain('is not a clients command');
    expect(visibleText(await h.ask(ada.id, 'clients disable'))).toContain('Name one client by its ID');
    expect(visibleText(await h.ask(ada.id, 'clients disable nope'))).toContain('is not a client ID');
    expect(visibleText(await h.ask(ada.id, 'clients disable cli_aaaaaaaaaaaaaaaaaaaa'))).toContain(
      'There is no API client',
    );
    expect(await h.em().count(AuditEvent, {})).toBe(events);
  });

  it('refuses Members and non-members, on commands and on forged buttons', async () => {
    const { clientId } = await createClient(h, 'Guarded');
    await setRole(h, bob, 'member');
    for (const user of [bob, eve]) {
      for (const text of [
        'clients',
        'clients create Sneaky',
        `clients disable ${clientId}`,
        `clients rotate ${clientId}`,
      ]) {
        const reply = await h.ask(user.id, text);
        expect(secretsIn(reply)).toEqual([]);
        expect(visibleText(reply)).toMatch(user === bob ? /Only admins can/ : /not a member/);
      }
      for (const action of [CLIENT_ACTIONS.disable, CLIENT_ACTIONS.rotate, CLIENT_ACTIONS.delete]) {
        const before = new Set(h.standin.ephemerals);
        const beforeMessages = h.standin.messages.length;
        await forgeClick(h, user, action, clientId);
        await h.standin.waitFor(
          () =>
            h.standin.ephemerals.some((e) => e.user === user.id && !before.has(e)) ||
            h.standin.messages.length > beforeMessages,
          5000,
          'the refusal',
        );
      }
    }
    const row = await h.em().findOneOrFail(ApiClient, clientId);
    expect(row.status).toBe('active');
    expect(await h.em().count(ApiClient, { name: 'Sneaky' })).toBe(0);
    expect(await h.em().count(AuditEvent, { targetId: clientId })).toBe(1);
  });

  it('refuses a stale button clicked by an Admin who has since been demoted', async () => {
    const { clientId } = await createClient(h, 'Stale');
    await setRole(h, cleo, 'admin');
    const list = await h.ask(cleo.id, 'clients');
    await setRole(h, cleo, 'member');
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      cleo.id,
      { actionId: CLIENT_ACTIONS.disable, blockId: `client_row:${clientId}`, value: clientId },
      { channelId: list.channel, messageTs: list.ts },
    );
    const reply = await nextEphemeral(h, cleo.id, before);
    expect(visibleText(reply)).toContain('Only admins can');
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('active');
  });

  it('does not keep a client whose secret cannot be delivered, and records why', async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const member = await em.findOneOrFail(Member, { email: ada.email });
    const actor = { slackTeamId: h.standin.team.id, slackUserId: ada.id, organization, member };
    const clients = new ClientsService(em, h.clock);
    const issued = await clients.create(actor, 'Undeliverable');
    secretsSeen.add(issued.secret);
    // Slack refuses every call (a revoked token) and the response_url is unknown: nothing can show the secret.
    const broken = new WebClient('xoxb-revoked', {
      slackApiUrl: h.standin.apiUrl,
      retryConfig: { retries: 0 },
    });
    const kept = await deliverNewClient(
      { client: broken, clients, log: createLogger('silent') },
      actor,
      { userId: ada.id, responseUrl: `${h.standin.baseUrl}/response/unknown`, channelId: 'D0ADABOB' },
      issued,
    );
    expect(kept).toBe(false);
    expect(await h.em().findOne(ApiClient, issued.client.id)).toBeNull();
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.discarded', targetId: issued.client.id });
    expect(audit.details).toEqual({ name: 'Undeliverable', reason: 'secret_not_delivered' });
  });

  it('shows each secret exactly once, ephemerally, and nowhere else: not in logs, the database, messages or views', async () => {
    expect(secretsSeen.size).toBeGreaterThanOrEqual(7);
    await h.app.orm.em.getConnection().execute('select 1');
    const stored = await storedText(h.db);
    expect(stored.length).toBeGreaterThan(0);
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const nonEphemeral = JSON.stringify(h.standin.messages);
    const views = JSON.stringify([...h.standin.views.values()]);
    for (const secret of secretsSeen) {
      expect(logs.includes(secret), 'secret in logs').toBe(false);
      expect(logs.includes(secret.slice(7)), 'secret body in logs').toBe(false);
      expect(stored.includes(secret), 'secret in the database').toBe(false);
      expect(nonEphemeral.includes(secret), 'secret in a message').toBe(false);
      expect(views.includes(secret), 'secret in a view').toBe(false);
      const shown = h.standin.ephemerals.filter((e) => JSON.stringify(e).includes(secret));
      expect(shown.length).toBeLessThanOrEqual(1);
      for (const e of shown) expect(e.user).toBe(ada.id);
    }
  });
});
