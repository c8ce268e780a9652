/**
 * `/org clients delete <client id>` asks first, as the row's Delete button does: the reply carries that button (with
 * the same Slack confirm dialog) and Cancel. Signed Slack requests into the running app, the stand-in playing Slack,
 * real migrations; the client's row and the audit log are read back from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { CLIENT_ACTIONS } from '../../src/slack/clients/clients.blocks.js';
import { type RecordedEphemeral, signSlackRequest } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, eve } = USERS;

async function createClient(h: Harness, name: string): Promise<string> {
  const reply = visibleText(await h.ask(ada.id, `clients create ${name}`));
  const clientId = /cli_[a-z2-7]{20}/.exec(reply)?.[0];
  if (!clientId) throw new Error(`no client ID in ${reply}`);
  return clientId;
}

/** Clicks a button of `on` as `userId`; the ephemeral that answers it. */
async function press(
  h: Harness,
  userId: string,
  on: RecordedEphemeral,
  actionId: string,
): Promise<RecordedEphemeral> {
  const button = h.standin.buttonsOf(on.blocks).find((b) => b.actionId === actionId);
  if (!button) throw new Error(`no ${actionId} button in ${visibleText(on)}`);
  const before = new Set(h.standin.ephemerals);
  const ack = await h.standin.blockAction(userId, button, { channelId: on.channel, messageTs: on.ts });
  expect(ack.status).toBe(200);
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `the answer to ${actionId}`,
  );
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
        block_id: `client_delete_confirm:${value}`,
        value,
        text: { type: 'plain_text', text: 'Delete' },
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

async function state(h: Harness, clientId: string) {
  const em = h.em();
  return {
    status: (await em.findOneOrFail(ApiClient, clientId)).status,
    deletions: await em.count(AuditEvent, { action: 'client.deleted', targetId: clientId }),
  };
}

describe('/org clients delete asks first', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
  });
  afterAll(async () => h.stop());

  it('shows the row button with its confirm dialog and Cancel; Cancel changes nothing', async () => {
    const clientId = await createClient(h, 'Nightly & export');
    const question = await h.ask(ada.id, `clients delete ${clientId}`);
    expect(visibleText(question)).toContain(
      `Delete the API client *Nightly &amp; export* (\`${clientId}\`)? Its secrets and tokens stop working at once.`,
    );
    const buttons = h.standin.buttonsOf(question.blocks);
    expect(buttons.map((b) => [b.actionId, b.value])).toEqual([
      [CLIENT_ACTIONS.delete, clientId],
      [CLIENT_ACTIONS.cancel, clientId],
    ]);
    // The very dialog of the row's Delete button.
    const list = await h.ask(ada.id, 'clients');
    const rowDelete = h.standin
      .buttonsOf(list.blocks)
      .find((b) => b.actionId === CLIENT_ACTIONS.delete && b.value === clientId);
    expect(buttons[0]?.confirm).toEqual(rowDelete?.confirm);
    expect(JSON.stringify(buttons[0]?.confirm)).toContain('Delete this client?');
    expect(await state(h, clientId)).toEqual({ status: 'active', deletions: 0 });

    const cancelled = await press(h, ada.id, question, CLIENT_ACTIONS.cancel);
    expect(cancelled.replaceOriginal).toBe(true);
    expect(visibleText(cancelled)).toContain('Cancelled. The client was not deleted');
    expect(h.standin.buttonsOf(cancelled.blocks)).toEqual([]);
    expect(await state(h, clientId)).toEqual({ status: 'active', deletions: 0 });
  });

  it('deletes once Delete is confirmed, and shows the list with the outcome', async () => {
    const clientId = await createClient(h, 'Old sync');
    const question = await h.ask(ada.id, `clients delete ${clientId}`);
    expect(await state(h, clientId)).toEqual({ status: 'active', deletions: 0 });
    const deleted = await press(h, ada.id, question, CLIENT_ACTIONS.delete);
    expect(deleted.replaceOriginal).toBe(true);
    expect(visibleText(deleted)).toContain(`*Old sync* (\`${clientId}\`) is deleted.`);
    expect(await state(h, clientId)).toEqual({ status: 'deleted', deletions: 1 });
    // Asking again about a deleted client says so, with no buttons.
    const again = await h.ask(ada.id, `clients delete ${clientId}`);
    expect(visibleText(again)).toContain(`There is no API client \`${clientId}\``);
    expect(h.standin.buttonsOf(again.blocks)).toEqual([]);
  });

  it('refuses a Member and a non-member, on the command and on a click of the question’s Delete', async () => {
    const clientId = await createClient(h, 'Guarded');
    for (const user of [bob, eve]) {
      const reply = await h.ask(user.id, `clients delete ${clientId}`);
      expect(visibleText(reply)).toMatch(user === bob ? /Only admins can/ : /not a member/);
      expect(h.standin.buttonsOf(reply.blocks)).toEqual([]);
    }
    // Bob sends the click of a Delete button he was never shown, signed as Slack would.
    const before = h.standin.messages.length;
    await forgeClick(h, bob, CLIENT_ACTIONS.delete, clientId);
    // No response_url in a forged click: the refusal goes to Bob's DM.
    const refusal = await h.standin.waitFor(
      () => h.standin.messages.slice(before).find((m) => m.channel === h.standin.imChannelOf(bob.id)),
      5000,
      'the refusal',
    );
    expect(visibleText(refusal)).toMatch(/Only admins can/);
    expect(await state(h, clientId)).toEqual({ status: 'active', deletions: 0 });
  });
});
