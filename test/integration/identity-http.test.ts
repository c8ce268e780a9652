/**
 * Who may act: deactivated Slack accounts (never promoted, never messaged, not counted as active Admins), the
 * recovery of an organization left with no active Admin, users of other workspaces (a Slack Connect partner in a
 * shared channel), and mentions Slack does not know. Everything through signed HTTP into the running app, Slack
 * played by the stand-in.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import { RECOVER_ACTION } from '../../src/slack/members/recovery.blocks.js';
import type { BlockActionInput, RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada, bob, cleo, eve } = USERS;
const erin = { id: 'U0ERIN', name: 'erin', realName: 'Erin Vale', email: 'erin@example.com' };
const member = { id: 'U0MEMBER', name: 'mo', realName: 'Mo Member', email: 'mo@example.com' };
/** A Slack workspace owner who is not on the team. */
const owner = {
  id: 'U0OWNER',
  name: 'olga',
  realName: 'Olga Owner',
  email: 'olga@example.com',
  isOwner: true,
};
/** A user of a Slack Connect partner workspace, in the shared approvals channel, with a workspace-admin flag there. */
const partner = {
  id: 'U0PARTNER',
  name: 'pat',
  realName: 'Pat Partner',
  email: 'boss2@example.com',
  isAdmin: true,
  teamId: 'T0PARTNER',
};
const SHARED = 'C0SHARED';

let h: Harness;
let sink: MailSink;

/** The team: exactly these members (every other row removed), each linked to the Slack user of the same email. */
async function team(rows: Array<{ user: { id: string; email: string } | string; role: Role }>) {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  await em.nativeDelete(Member, {});
  for (const { user, role } of rows) {
    const linked = typeof user !== 'string';
    em.persist(
      new Member({
        organization,
        email: linked ? user.email : user,
        role,
        slackUserId: linked ? user.id : null,
        now: h.clock.now(),
      }),
    );
  }
  await em.flush();
}

async function row(email: string): Promise<Member | null> {
  return h.em().findOne(Member, { email });
}

/** Waits until `condition` holds (checked every 20 ms, at most 5 s): the app records an event after its ack. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met within 5 s');
}

async function auditCount(action: string): Promise<number> {
  return h.em().count(AuditEvent, { action });
}

/** Clicks a button of an ephemeral as `userId` and waits for the ephemeral that answers it. */
async function press(
  userId: string,
  on: RecordedEphemeral,
  actionId: string,
  action: BlockActionInput = { actionId },
): Promise<RecordedEphemeral> {
  const before = new Set(h.standin.ephemerals);
  const ack = await h.standin.blockAction(userId, action, { channelId: on.channel, messageTs: on.ts });
  expect(ack.status).toBe(200);
  return h.standin.waitFor(() => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)), 5000);
}

/** Direct messages the bot posted to `userId`. */
function dmsTo(userId: string): string[] {
  return h.standin.messagesIn(h.standin.imChannelOf(userId)).map((m) => m.text);
}

/** Log lines at error level (pino 50) or above. */
function errorLogs(): string[] {
  return h
    .logs()
    .split('\n')
    .filter((line) => line && (JSON.parse(line) as { level: number }).level >= 50);
}

beforeAll(async () => {
  sink = await mailSink();
  await sink.start();
  h = await startHarness({
    users: [erin, member, owner, partner],
    env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' },
  });
  await h.setupOrganization('Orbit Analytics');
  h.standin.addChannel({ id: SHARED, name: 'approvals', members: ['U0BOT', ada.id, member.id, partner.id] });
});

afterAll(async () => {
  await h?.stop();
  await sink?.stop();
});

beforeEach(async () => {
  for (const user of [ada, bob, cleo, erin, member, owner]) {
    await h.standin.changeUser(user.id, { deleted: false }, false);
  }
});

describe('deactivated Slack accounts', () => {
  it('`/org role <@U0ERIN> admin` is refused when users.info says deleted: true, and nothing changes', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: erin, role: 'member' },
    ]);
    // Deactivated in Slack with no event reaching the app: the check at promotion finds it.
    await h.standin.changeUser(erin.id, { deleted: true }, false);
    const before = await auditCount('member.role_changed');
    const reply = visibleText(await h.ask(ada.id, `role <@${erin.id}> admin`));
    expect(reply).toContain(
      'Slack account is deactivated, so they cannot be made an Admin. Nothing was changed.',
    );
    expect((await row(erin.email))?.role).toBe('member');
    expect((await row(erin.email))?.slackDeactivatedAt).not.toBeNull();
    expect(await auditCount('member.role_changed')).toBe(before);
  });

  it('nor a member invited by email and not linked yet, named by the mention of a deactivated account', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: cleo.email, role: 'member' },
    ]);
    await h.standin.changeUser(cleo.id, { deleted: true }, false);
    const reply = visibleText(await h.ask(ada.id, `role <@${cleo.id}|cleo> admin`));
    expect(reply).toContain('Slack account is deactivated');
    expect((await row(cleo.email))?.role).toBe('member');
  });

  it('the role select of `/org members` does not promote a deactivated account either', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: erin, role: 'member' },
    ]);
    await h.standin.changeUser(erin.id, { deleted: true }, false);
    const list = await h.ask(ada.id, 'members');
    const erinId = (await row(erin.email))?.id ?? '';
    const select = h.standin
      .buttonsOf(list.blocks)
      .find((c) => c.actionId === MEMBER_ACTIONS.role && c.blockId.includes(erinId));
    if (!select) throw new Error('no role select on the row');
    const after = await press(ada.id, list, MEMBER_ACTIONS.role, {
      actionId: MEMBER_ACTIONS.role,
      blockId: select.blockId,
      selectedOption: { value: 'admin' },
    });
    expect(visibleText(after)).toContain('Slack account is deactivated');
    expect((await row(erin.email))?.role).toBe('member');
  });

  it('`user_change` records a deactivation and a reactivation once each, audited; a retry changes nothing', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'member' },
    ]);
    const deactivations = await auditCount('member.slack_deactivated');
    const ack = await h.standin.changeUser(bob.id, { deleted: true });
    expect(ack?.status).toBe(200);
    await until(async () => (await row(bob.email))?.slackDeactivatedAt != null);
    const delivery = h.standin.deliveries.filter((d) => d.kind === 'events_api').at(-1);
    if (!delivery) throw new Error('no event delivered');
    await h.standin.redeliver(delivery, { retryNum: 1, retryReason: 'http_timeout' });
    expect(await auditCount('member.slack_deactivated')).toBe(deactivations + 1);
    await h.standin.changeUser(bob.id, { deleted: false });
    await until(async () => (await row(bob.email))?.slackDeactivatedAt === null);
    expect(await auditCount('member.slack_reactivated')).toBeGreaterThanOrEqual(1);
  });

  it('a `user_change` for a user of another workspace changes nothing here', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'member' },
    ]);
    await h.standin.event({
      type: 'user_change',
      user: { id: bob.id, team_id: 'T0PARTNER', deleted: true, profile: {} },
    });
    expect((await row(bob.email))?.slackDeactivatedAt).toBeNull();
  });

  it('the only active Admin cannot leave or step down while the other Admins are deactivated', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'admin' },
      { user: cleo, role: 'admin' },
    ]);
    await h.standin.changeUser(bob.id, { deleted: true });
    // Cleo's deactivation never reached the app as an event: the check asks Slack.
    await h.standin.changeUser(cleo.id, { deleted: true }, false);
    await until(async () => (await row(bob.email))?.slackDeactivatedAt != null);
    const leave = visibleText(await h.ask(ada.id, 'leave'));
    expect(leave).toContain('You are the last active Admin');
    const demote = visibleText(await h.ask(ada.id, `role <@${ada.id}> member`));
    expect(demote).toContain('is the last active Admin');
    expect((await row(ada.email))?.role).toBe('admin');
    expect((await row(cleo.email))?.slackDeactivatedAt).not.toBeNull();
  });

  it('an active Admin can still remove a deactivated Admin, and no DM goes to them; the admin is told', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'admin' },
    ]);
    await h.standin.changeUser(bob.id, { deleted: true }, false);
    const confirm = await h.ask(ada.id, `remove <@${bob.id}>`);
    expect(visibleText(confirm)).toContain('Their Slack account is deactivated, so no message will be sent.');
    const dmsBefore = dmsTo(bob.id).length;
    const done = await press(ada.id, confirm, MEMBER_ACTIONS.remove);
    expect(visibleText(done)).toContain('Their Slack account is deactivated, so no message was sent.');
    expect(await row(bob.email)).toBeNull();
    expect(dmsTo(bob.id)).toHaveLength(dmsBefore);
    expect(h.standin.apiErrors.filter((e) => e.error === 'user_disabled')).toHaveLength(0);
  });

  it("a Member's request is sent by DM to the active Admins only", async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'admin' },
      { user: member, role: 'member' },
    ]);
    await h.standin.changeUser(bob.id, { deleted: true });
    await until(async () => (await row(bob.email))?.slackDeactivatedAt != null);
    const bobDms = dmsTo(bob.id).length;
    await h.ask(member.id, 'invite dana@example.com member new analyst');
    await h.standin.waitFor(() => dmsTo(ada.id).find((t) => t.includes('dana@example.com')), 5000);
    expect(dmsTo(bob.id)).toHaveLength(bobDms);
    expect(h.standin.apiErrors.filter((e) => e.error === 'user_disabled')).toHaveLength(0);
  });

  it('a removed member whose account is active is still told by DM', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'member' },
    ]);
    const confirm = await h.ask(ada.id, `remove <@${bob.id}>`);
    expect(visibleText(confirm)).toContain('are told by direct message');
    const done = await press(ada.id, confirm, MEMBER_ACTIONS.remove);
    expect(visibleText(done)).not.toContain('deactivated');
    await h.standin.waitFor(() => dmsTo(bob.id).find((t) => t.includes('You were removed')), 5000);
  });
});

describe('/org recover', () => {
  it('is refused while an active Admin remains, for a non-owner, and for a partner workspace admin', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: bob, role: 'member' },
    ]);
    expect(visibleText(await h.ask(owner.id, 'recover'))).toContain('still has an active Admin');
    await h.standin.changeUser(ada.id, { deleted: true });
    expect(visibleText(await h.ask(bob.id, 'recover'))).toContain(
      'Only a Slack workspace owner or admin of this workspace can recover',
    );
    expect(visibleText(await h.ask(partner.id, 'recover'))).toContain('user of another Slack workspace');
    expect(await auditCount('organization.recovered')).toBe(0);
  });

  it('a workspace owner takes the Admin role back, confirmed and audited; every member with a role is told', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: erin, role: 'admin' },
      { user: bob, role: 'member' },
      { user: member, role: 'member' },
    ]);
    await h.standin.changeUser(ada.id, { deleted: true });
    await h.standin.changeUser(erin.id, { deleted: true }, false);
    const confirm = await h.ask(owner.id, 'recover');
    expect(visibleText(confirm)).toContain('has no active Admin');
    const adaDms = dmsTo(ada.id).length;
    const done = await press(owner.id, confirm, RECOVER_ACTION);
    expect(visibleText(done)).toContain('You are now an Admin of *Orbit Analytics*');
    const recovered = await row(owner.email);
    expect(recovered?.role).toBe('admin');
    expect(recovered?.slackUserId).toBe(owner.id);
    expect(await auditCount('organization.recovered')).toBe(1);
    for (const user of [bob, member]) {
      await h.standin.waitFor(() => dmsTo(user.id).find((t) => t.includes('took the Admin role')), 5000);
    }
    expect(dmsTo(ada.id)).toHaveLength(adaDms);
    // The organization has an active Admin again: a second recovery is refused and changes nothing.
    expect(visibleText(await h.ask(owner.id, 'recover'))).toContain('still has an active Admin');
    expect(await auditCount('organization.recovered')).toBe(1);
  });
});

describe('users of other workspaces', () => {
  it('a Slack Connect partner with the email of an Admin who joined by link cannot approve, nor change roles', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: member, role: 'member' },
    ]);
    expect(visibleText(await h.ask(ada.id, `approvals <#${SHARED}|approvals>`))).toContain(`<#${SHARED}>`);
    // An Admin invites boss2@example.com; the invitation is accepted through the emailed link.
    await h.ask(ada.id, 'invite boss2@example.com admin');
    await h.app.outbox?.drain();
    const mail = [...sink.received].reverse().find((m) => JSON.stringify(m.to).includes('boss2@example.com'));
    const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
    if (!path) throw new Error('no invitation link mailed to boss2@example.com');
    const accepted = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=accept',
    });
    expect(accepted.status).toBe(200);
    expect((await row('boss2@example.com'))?.slackUserId).toBeNull();
    // A Member's request goes to the shared approvals channel.
    await h.ask(member.id, 'invite ola@example.com member need access');
    const copy = await h.standin.waitFor(() =>
      h.standin.messagesIn(SHARED).find((m) => m.text.includes('ola@example.com')),
    );
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.blockAction(
      partner.id,
      { actionId: 'approval_approve' },
      { channelId: SHARED, messageTs: copy.ts },
    );
    expect(ack.status).toBe(200);
    const refusal = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === partner.id && !before.has(e)),
      5000,
    );
    expect(visibleText(refusal)).toContain('You are a user of another Slack workspace');
    expect((await row('boss2@example.com'))?.slackUserId).toBeNull();
    expect((await h.em().findOneOrFail(Invitation, { email: 'ola@example.com' })).status).toBe('requested');
    expect(await auditCount('member.linked')).toBe(0);

    const role = visibleText(await h.ask(partner.id, `role <@${member.id}> admin`, { channelId: SHARED }));
    expect(role).toContain('You are a user of another Slack workspace');
    expect((await row(member.email))?.role).toBe('member');
    expect((await row('boss2@example.com'))?.slackUserId).toBeNull();
  });

  it('a partner user named by an Admin is never matched by email, nor invited by mention', async () => {
    await team([
      { user: ada, role: 'admin' },
      { user: 'boss2@example.com', role: 'member' },
    ]);
    const role = visibleText(await h.ask(ada.id, `role <@${partner.id}> admin`));
    expect(role).toContain('is a user of another Slack workspace');
    expect((await row('boss2@example.com'))?.role).toBe('member');
    const remove = visibleText(await h.ask(ada.id, `remove <@${partner.id}>`));
    expect(remove).toContain('is a user of another Slack workspace');
    const invite = visibleText(await h.ask(ada.id, `invite <@${partner.id}> member`));
    expect(invite).toContain('is a user of another Slack workspace');
  });
});

describe('mentions Slack does not know', () => {
  it.each([
    ['invite', 'invite <@UNOTAUSER|ghost> member'],
    ['role', 'role <@UNOTAUSER|ghost> admin'],
    ['remove', 'remove <@UNOTAUSER|ghost>'],
  ])(
    '`/org %s` with user_not_found says Slack does not know that user, logged below error',
    async (_, text) => {
      await team([{ user: ada, role: 'admin' }]);
      const errorsBefore = errorLogs().length;
      const invitations = await h.em().count(Invitation, {});
      const reply = visibleText(await h.ask(ada.id, text));
      expect(reply).toContain('Slack does not know');
      expect(reply).not.toContain('something went wrong');
      expect(errorLogs()).toHaveLength(errorsBefore);
      expect(h.logs()).toContain('"code":"slack_user_unknown"');
      expect(await h.em().count(Invitation, {})).toBe(invitations);
    },
  );
});

describe('help', () => {
  it('lists `/org recover`', async () => {
    await team([{ user: ada, role: 'admin' }]);
    expect(visibleText(await h.ask(eve.id, 'help'))).toContain('/org recover');
  });
});
