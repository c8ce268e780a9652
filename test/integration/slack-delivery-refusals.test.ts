/**
 * Deliveries Slack refuses: one that keeps failing ends `failed` after SLACK_DELIVERY_MAX_ATTEMPTS; a final refusal
 * (`user_disabled`) is final at once and records the account deactivated; a member recorded deactivated (or an Admin
 * who is no longer one) is never messaged. And the approvals channel (issue 8 §4): `/org approvals #channel` refuses a
 * channel the app cannot post to, with what to do; when posting there starts failing, requests fall back to the
 * Admins' DMs and the Admins are told once, until a post there works again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import type { RecordedMessage } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo } = USERS;
const finn = { id: 'U0FINN', name: 'finn', realName: 'Finn Oakes', email: 'finn@example.com' };
const CHANNEL = 'C0APPR';

let h: Harness;

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function allDelivered(): Promise<void> {
  return until(
    async () => (await h.em().count(SlackDelivery, { status: 'pending' })) === 0,
    10_000,
    'every Slack delivery done',
  );
}

async function deliveriesOf(email: string): Promise<SlackDelivery[]> {
  const inv = await h.em().findOneOrFail(Invitation, { email });
  return h
    .em()
    .find(SlackDelivery, { invitationId: inv.id }, { orderBy: { createdAt: 'asc', target: 'asc' } });
}

function copiesFor(channelId: string, email: string): RecordedMessage[] {
  return h.standin.messagesIn(channelId).filter((m) => visibleText(m).includes(email));
}

function dm(userId: string): string {
  return h.standin.imChannelOf(userId);
}

async function organization(): Promise<Organization> {
  return h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
}

beforeAll(async () => {
  h = await startHarness({ users: [finn], env: { SLACK_DELIVERY_MAX_ATTEMPTS: '2' } });
  await h.setupOrganization('Orbit Analytics');
  const em = h.em();
  const org = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  for (const [user, role] of [
    [bob, 'member'],
    [cleo, 'admin'],
    [finn, 'member'],
  ] as const) {
    em.persist(
      new Member({ organization: org, email: user.email, role, slackUserId: user.id, now: h.clock.now() }),
    );
  }
  await em.flush();
});

afterEach(() => {
  h.standin.clearFaults();
});

afterAll(async () => {
  await h?.stop();
});

describe('deliveries Slack refuses', () => {
  it('a delivery that keeps failing (HTTP 500) ends failed after SLACK_DELIVERY_MAX_ATTEMPTS, with the reason', async () => {
    h.standin.addFault({ method: 'chat.postMessage', status: 500 });
    const reply = await h.ask(bob.id, 'invite gina@example.com');
    expect(visibleText(reply)).toContain('for approval');
    await allDelivered();
    const rows = await deliveriesOf('gina@example.com');
    expect(rows.map((r) => [r.target, r.status, r.attempts])).toEqual([
      [ada.id, 'failed', 2],
      [cleo.id, 'failed', 2],
    ]);
    expect(rows.every((r) => r.lastError?.includes('HTTP 500'))).toBe(true);
    expect(copiesFor(dm(ada.id), 'gina@example.com')).toHaveLength(0);
  });

  it('user_disabled is final at once and records the account deactivated', async () => {
    await h.ask(finn.id, 'invite hal@example.com');
    await allDelivered();
    const [copy] = copiesFor(dm(ada.id), 'hal@example.com');
    if (!copy) throw new Error('no copy');
    // Finn's account is deactivated without Slack telling the app (no user_change event).
    await h.standin.changeUser(finn.id, { deleted: true }, false);
    await h.standin.blockAction(
      ada.id,
      { actionId: 'approval_approve' },
      { channelId: copy.channel, messageTs: copy.ts },
    );
    await until(
      async () =>
        (await deliveriesOf('hal@example.com')).some(
          (r) => r.kind === 'requester_outcome' && r.status === 'failed',
        ),
      10_000,
      'the outcome DM refused',
    );
    const outcome = (await deliveriesOf('hal@example.com')).find((r) => r.kind === 'requester_outcome');
    expect(outcome?.attempts).toBe(1);
    expect(outcome?.lastError).toContain('user_disabled');
    const member = await h.em().findOneOrFail(Member, { email: finn.email });
    expect(member.slackDeactivatedAt).not.toBeNull();
  });

  it('a member recorded deactivated gets no DM: an Admin gets no request copy, a requester no outcome', async () => {
    await h.em().nativeUpdate(Member, { email: cleo.email }, { slackDeactivatedAt: h.clock.now() });
    try {
      await h.ask(bob.id, 'invite ivy@example.com');
      await allDelivered();
      expect((await deliveriesOf('ivy@example.com')).map((r) => r.target)).toEqual([ada.id]);
      expect(copiesFor(dm(cleo.id), 'ivy@example.com')).toHaveLength(0);
      expect(copiesFor(dm(ada.id), 'ivy@example.com')).toHaveLength(1);
    } finally {
      await h.em().nativeUpdate(Member, { email: cleo.email }, { slackDeactivatedAt: null });
    }
  });

  it('a mail failure is told only to an Admin who still is one', async () => {
    const org = await organization();
    const services = createServices(h.em(), h.clock);
    const failure = {
      invitationId: 'inv-1',
      organizationId: org.id,
      recipient: 'nobody@example.com',
      reason: '550 no such user',
      permanent: true,
    };
    expect(await services.deliveries.queueMailFailed({ ...failure, notifySlackUserId: bob.id })).toBeNull();
    expect(
      await services.deliveries.queueMailFailed({ ...failure, notifySlackUserId: ada.id }),
    ).not.toBeNull();
  });
});

describe('/org approvals #channel', () => {
  it('refuses a channel the app cannot post to, says what to do, and changes nothing', async () => {
    h.standin.addChannel({ id: 'C0PRIV', name: 'secret', isPrivate: true, members: [ada.id] });
    h.standin.addChannel({ id: 'C0PUB', name: 'general', members: [ada.id] });
    h.standin.addChannel({ id: 'C0ARCH', name: 'old', isArchived: true, members: ['U0BOT', ada.id] });
    for (const [id, expected] of [
      ['C0PRIV', 'Invite @AstroBee Org to <#C0PRIV> first'],
      ['C0PUB', 'Invite @AstroBee Org to <#C0PUB> first'],
      ['C0ARCH', 'is archived'],
    ] as const) {
      const reply = visibleText(await h.ask(ada.id, `approvals <#${id}|x>`));
      expect(reply).toContain(expected);
      expect(reply).toContain('Nothing was changed');
      expect((await organization()).approvalsChannelId).toBeNull();
    }
    expect(h.standin.callsTo('conversations.info').length).toBe(3);
  });

  it('accepts a channel the app is in', async () => {
    h.standin.addChannel({ id: CHANNEL, name: 'approvals', members: ['U0BOT', ada.id, cleo.id] });
    expect(visibleText(await h.ask(ada.id, `approvals <#${CHANNEL}|approvals>`))).toContain(
      `Invitation requests will go to <#${CHANNEL}>`,
    );
    expect((await organization()).approvalsChannelId).toBe(CHANNEL);
  });

  it('when posting there starts failing: DMs to the Admins instead, and they are told once; fixed, it is used again', async () => {
    // The app is removed from the channel.
    h.standin.addChannel({ id: CHANNEL, name: 'approvals', members: [ada.id, cleo.id] });
    await h.ask(bob.id, 'invite jay@example.com');
    await allDelivered();
    for (const admin of [ada, cleo]) {
      expect(copiesFor(dm(admin.id), 'jay@example.com')).toHaveLength(1);
    }
    const channelRow = (await deliveriesOf('jay@example.com')).find((r) => r.target === CHANNEL);
    expect(channelRow?.status).toBe('failed');
    expect(channelRow?.lastError).toContain('not_in_channel');
    expect((await organization()).approvalsChannelFailingSince).not.toBeNull();
    const notices = (userId: string) =>
      h.standin
        .messagesIn(dm(userId))
        .filter((m) => m.text.includes('could not be posted to the approvals channel'));
    for (const admin of [ada, cleo]) expect(notices(admin.id)).toHaveLength(1);

    const second = await h.ask(bob.id, 'invite kim@example.com');
    expect(visibleText(second)).toContain('the admins');
    await allDelivered();
    for (const admin of [ada, cleo]) {
      expect(copiesFor(dm(admin.id), 'kim@example.com')).toHaveLength(1);
      expect(notices(admin.id)).toHaveLength(1);
    }

    // The app is invited back: the next request goes to the channel, and the failure is forgotten.
    h.standin.addChannel({ id: CHANNEL, name: 'approvals', members: ['U0BOT', ada.id, cleo.id] });
    await h.ask(bob.id, 'invite lee@example.com');
    await allDelivered();
    expect(copiesFor(CHANNEL, 'lee@example.com')).toHaveLength(1);
    expect(copiesFor(dm(ada.id), 'lee@example.com')).toHaveLength(0);
    expect((await organization()).approvalsChannelFailingSince).toBeNull();
  });
});
