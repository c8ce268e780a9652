import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { InvitationMessage } from '../../src/slack/deliveries/invitation-message.entity.js';
import type { RecordedEphemeral, RecordedMessage } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada, bob, cleo, eve } = USERS;
const APPROVALS = 'C0APPROVALS';

let h: Harness;
let sink: MailSink;

/** The request copies posted for `email`, one per admin DM (or the approvals channel). */
async function copiesOf(email: string): Promise<RecordedMessage[]> {
  const inv = await h.em().findOneOrFail(Invitation, { email });
  const rows = await h.em().find(InvitationMessage, { invitation: inv.id, purpose: 'approval' });
  return rows.map((r) => {
    const m = h.standin.findMessage(r.channelId, r.ts);
    if (!m) throw new Error('copy not found');
    return m;
  });
}

function nextEphemeral(userId: string, before: Set<RecordedEphemeral>): Promise<RecordedEphemeral> {
  return h.standin.waitFor(() => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)), 5000);
}

function dmsTo(userId: string): RecordedMessage[] {
  return h.standin.messagesIn(h.standin.imChannelOf(userId));
}

beforeAll(async () => {
  sink = await mailSink();
  await sink.start();
  h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
  await h.setupOrganization('Orbit Analytics');
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  em.persist(
    new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
  );
  em.persist(
    new Member({ organization, email: cleo.email, role: 'admin', slackUserId: cleo.id, now: h.clock.now() }),
  );
  await em.flush();
  h.standin.addChannel({ id: APPROVALS, name: 'approvals', members: ['U0BOT', ada.id, bob.id, cleo.id] });
});

afterAll(async () => {
  await h?.stop();
  await sink?.stop();
});

describe("a Member's request, approved by buttons", () => {
  it('becomes a request (with its reason) sent by DM to each Admin, with Approve / Deny', async () => {
    const reply = await h.ask(
      bob.id,
      'invite <mailto:dan@example.com|dan@example.com> member Our new analyst',
    );
    expect(visibleText(reply)).toContain('was sent to the admins for approval');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'dan@example.com' });
    expect(inv.status).toBe('requested');
    expect(inv.reason).toBe('Our new analyst');
    expect(await h.em().count(OutboxMail, { invitation: inv.id })).toBe(0);
    expect(await h.em().count(AuditEvent, { action: 'invitation.requested', targetId: inv.id })).toBe(1);
    const copies = await copiesOf('dan@example.com');
    expect(copies.map((c) => c.channel).sort()).toEqual(
      [h.standin.imChannelOf(ada.id), h.standin.imChannelOf(cleo.id)].sort(),
    );
    for (const c of copies) {
      expect(visibleText(c)).toContain('Our new analyst');
      expect(h.standin.buttonsOf(c.blocks).map((b) => b.text)).toEqual(['Approve', 'Deny']);
    }
  });

  it('a Member may not ask for an Admin', async () => {
    const reply = await h.ask(bob.id, 'invite boss@example.com admin');
    expect(visibleText(reply)).toContain('Only admins can invite an Admin');
    expect(await h.em().count(Invitation, { email: 'boss@example.com' })).toBe(0);
  });

  it('a repeat request says it is already pending approval', async () => {
    const reply = await h.ask(bob.id, 'invite dan@example.com');
    expect(visibleText(reply)).toContain('A request to invite dan@example.com is already pending approval.');
  });

  it('two Admins click Approve at once: one decision, one audit event, one email; every copy shows who decided', async () => {
    const copies = await copiesOf('dan@example.com');
    const adaCopy = copies.find((c) => c.channel === h.standin.imChannelOf(ada.id));
    const cleoCopy = copies.find((c) => c.channel === h.standin.imChannelOf(cleo.id));
    if (!adaCopy || !cleoCopy) throw new Error('copies missing');
    const before = new Set(h.standin.ephemerals);
    const acks = await Promise.all([
      h.standin.blockAction(
        ada.id,
        { actionId: 'approval_approve' },
        { channelId: adaCopy.channel, messageTs: adaCopy.ts },
      ),
      h.standin.blockAction(
        cleo.id,
        { actionId: 'approval_approve' },
        { channelId: cleoCopy.channel, messageTs: cleoCopy.ts },
      ),
    ]);
    expect(acks.map((a) => a.status)).toEqual([200, 200]);
    const loserNotice = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => !before.has(e) && e.text.includes('already approved by')),
      5000,
    );
    const inv = await h.em().findOneOrFail(Invitation, { email: 'dan@example.com' });
    expect(inv.status).toBe('pending');
    const winner = inv.decidedBySlackUserId;
    expect([ada.id, cleo.id]).toContain(winner);
    expect(loserNotice.user).toBe(winner === ada.id ? cleo.id : ada.id);
    expect(loserNotice.text).toContain(`already approved by <@${winner}>`);
    expect(await h.em().count(AuditEvent, { action: 'invitation.approved', targetId: inv.id })).toBe(1);
    expect(await h.em().count(OutboxMail, { invitation: inv.id })).toBe(1);
    await h.app.outbox?.drain();
    await h.app.outbox?.drain();
    expect(sink.received.filter((m) => JSON.stringify(m.to).includes('dan@example.com'))).toHaveLength(1);
    await h.standin.waitFor(
      () => copies.every((c) => h.standin.findMessage(c.channel, c.ts)?.text.includes('Approved by')),
      5000,
      'every copy updated',
    );
    for (const c of copies) {
      const now = h.standin.findMessage(c.channel, c.ts);
      expect(visibleText({ text: now?.text ?? '', blocks: now?.blocks ?? [] })).toContain(
        `Approved by <@${winner}>`,
      );
      expect(h.standin.buttonsOf(now?.blocks ?? [])).toHaveLength(0);
    }
    const told = await h.standin.waitFor(() =>
      dmsTo(bob.id).find((m) => m.text.includes('approved your request')),
    );
    expect(told.text).toContain('dan@example.com');
  });
});

describe('approvals channel, Deny with a reason, and clicks that do not count', () => {
  it('`/org approvals #channel` is for admins; it sets where requests go', async () => {
    expect(visibleText(await h.ask(bob.id, `approvals <#${APPROVALS}|approvals>`))).toContain('Only admins');
    expect(visibleText(await h.ask(ada.id, 'approvals #approvals'))).toContain('arrived as plain text');
    expect(visibleText(await h.ask(ada.id, `approvals <#${APPROVALS}|approvals>`))).toContain(
      `<#${APPROVALS}>`,
    );
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(org.approvalsChannelId).toBe(APPROVALS);
    expect(visibleText(await h.ask(ada.id, 'approvals'))).toContain(
      `Invitation requests go to <#${APPROVALS}>`,
    );
  });

  it('a request goes to the channel; a Member who clicks Approve or Deny there is told no and nothing changes', async () => {
    const reply = await h.ask(bob.id, 'invite erin@example.com');
    expect(visibleText(reply)).toContain(`<#${APPROVALS}>`);
    const [copy] = await copiesOf('erin@example.com');
    if (!copy) throw new Error('no copy');
    expect(copy.channel).toBe(APPROVALS);
    for (const actionId of ['approval_approve', 'approval_deny']) {
      const before = new Set(h.standin.ephemerals);
      await h.standin.blockAction(bob.id, { actionId }, { channelId: copy.channel, messageTs: copy.ts });
      const no = await nextEphemeral(bob.id, before);
      expect(no.text).toContain('Only admins can');
    }
    expect((await h.em().findOneOrFail(Invitation, { email: 'erin@example.com' })).status).toBe('requested');
    expect(h.standin.openView(bob.id)).toBeUndefined();
    expect(
      await h.em().count(AuditEvent, {
        action: { $in: ['invitation.approved', 'invitation.denied'] },
        targetId: (await h.em().findOneOrFail(Invitation, { email: 'erin@example.com' })).id,
      }),
    ).toBe(0);
  });

  it('a non-member forging an Approve click is refused', async () => {
    h.standin.addChannel({ id: 'C0OPEN', name: 'open', members: ['U0BOT', ada.id, eve.id] });
    await h.ask(ada.id, `approvals <#C0OPEN|open>`);
    await h.ask(bob.id, 'invite fay@example.com');
    const [copy] = await copiesOf('fay@example.com');
    if (!copy) throw new Error('no copy');
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      eve.id,
      { actionId: 'approval_approve' },
      { channelId: copy.channel, messageTs: copy.ts },
    );
    expect((await nextEphemeral(eve.id, before)).text).toContain('You are not a member');
    expect((await h.em().findOneOrFail(Invitation, { email: 'fay@example.com' })).status).toBe('requested');
    await h.ask(ada.id, `approvals <#${APPROVALS}|approvals>`);
  });

  it('Deny opens a modal; its reason reaches the requester; the copy shows who denied and why', async () => {
    const [copy] = await copiesOf('erin@example.com');
    if (!copy) throw new Error('no copy');
    await h.standin.blockAction(
      ada.id,
      { actionId: 'approval_deny' },
      { channelId: copy.channel, messageTs: copy.ts },
    );
    const modal = await h.standin.waitFor(() => h.standin.openView(ada.id));
    expect(visibleText({ text: '', blocks: (modal.view.blocks as unknown[]) ?? [] })).toContain(
      'erin@example.com',
    );
    await h.standin.viewSubmission(ada.id, modal.id, {
      reason: { reason_input: { type: 'plain_text_input', value: 'We are not hiring <now>' } },
    });
    const inv = await h.em().findOneOrFail(Invitation, { email: 'erin@example.com' });
    expect(inv.status).toBe('denied');
    expect(inv.denyReason).toBe('We are not hiring <now>');
    await h.standin.waitFor(
      () => h.standin.findMessage(copy.channel, copy.ts)?.text.includes('Denied by'),
      5000,
    );
    const updated = h.standin.findMessage(copy.channel, copy.ts);
    expect(visibleText({ text: '', blocks: updated?.blocks ?? [] })).toContain(
      `Denied by <@${ada.id}>: We are not hiring &lt;now&gt;`,
    );
    const told = await h.standin.waitFor(() =>
      dmsTo(bob.id).find((m) => m.text.includes('denied your request')),
    );
    expect(told.text).toContain('We are not hiring');
    expect(await h.em().count(AuditEvent, { action: 'invitation.denied', targetId: inv.id })).toBe(1);
    expect(await h.em().count(OutboxMail, { invitation: inv.id })).toBe(0);
  });

  it('`/org invites` lists requests with Approve / Deny; approving from it replaces the list', async () => {
    const list = await h.ask(ada.id, 'invites');
    expect(visibleText(list)).toContain('fay@example.com');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'fay@example.com' });
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      ada.id,
      { actionId: 'approval_approve', blockId: `approval_${inv.id}` },
      { channelId: list.channel, messageTs: list.ts },
    );
    const replaced = await nextEphemeral(ada.id, before);
    expect(visibleText(replaced)).toContain('fay@example.com* — Member');
    expect(h.standin.buttonsOf(replaced.blocks).map((b) => b.text)).toContain('Resend');
    expect((await h.em().findOneOrFail(Invitation, { email: 'fay@example.com' })).status).toBe('pending');
    expect(visibleText(await h.ask(bob.id, 'invites'))).toContain('Only admins');
  });
});
