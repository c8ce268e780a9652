import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { storedText } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada, cleo, eve } = USERS;
const DAY = 24 * 60 * 60 * 1000;

let h: Harness;
let sink: MailSink;

/** Sends the outbox now and returns the mails received since `before`. */
async function drain(): Promise<void> {
  await h.app.outbox?.drain();
}

/** The invitation link in the last mail to `to`. */
function linkIn(to: string): string {
  const mail = [...sink.received].reverse().find((m) => JSON.stringify(m.to).includes(to));
  const url = /http:\/\/\S+\/invitations\/(abo_inv_[A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[0];
  if (!url) throw new Error(`no invitation link mailed to ${to}`);
  return url.replace('http://127.0.0.1:3000', h.url);
}

async function auditCount(action: string): Promise<number> {
  return h.em().count(AuditEvent, { action });
}

async function post(url: string, decision: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `decision=${decision}`,
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  sink = await mailSink();
  await sink.start();
  h = await startHarness({
    env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000', INVITATIONS_PER_DAY: '8' },
  });
  await h.setupOrganization('Orbit Analytics');
  // A name with markup: everything shown on the page and in the mail must be escaped.
  await h
    .em()
    .nativeUpdate(
      Organization,
      { slackTeamId: h.standin.team.id },
      { name: 'Orbit <b>"Analytics"</b> & Co' },
    );
});

afterAll(async () => {
  await h?.stop();
  await sink?.stop();
});

describe('an Admin invites by email; the invitee accepts on the web page', () => {
  let link: string;

  it('sends at once: reply, audit event, one outbox row, and a real SMTP mail naming org, inviter, role, expiry', async () => {
    const reply = await h.ask(ada.id, 'invite <mailto:Dan@Example.com|Dan@Example.com> admin');
    expect(visibleText(reply)).toContain('Invitation sent to *dan@example.com* as an *Admin*');
    expect(await auditCount('invitation.sent')).toBe(1);
    expect(await h.em().count(OutboxMail, { recipient: 'dan@example.com', status: 'queued' })).toBe(1);
    await drain();
    const mail = sink.received.find((m) => JSON.stringify(m.to).includes('dan@example.com'));
    expect(mail?.subject).toBe('You are invited to join Orbit <b>"Analytics"</b> & Co on AstroBee');
    expect(mail?.text).toContain(
      'ada@example.com invited you to join Orbit <b>"Analytics"</b> & Co on AstroBee as an Admin',
    );
    expect(mail?.text).toMatch(/expires on \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2} UTC/);
    expect(mail?.html).toContain('Orbit &lt;b&gt;&quot;Analytics&quot;&lt;/b&gt; &amp; Co');
    expect(mail?.messageId).toMatch(/^<invitation\.[0-9a-f-]+@example\.com>$/);
    expect(
      await h.em().count(OutboxMail, { recipient: 'dan@example.com', status: 'sent', sealedToken: null }),
    ).toBe(1);
    link = linkIn('dan@example.com');
  });

  it('GET shows the invitation, escaped, with an Accept / Decline form, and accepts nothing', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(link);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('Orbit &lt;b&gt;&quot;Analytics&quot;&lt;/b&gt; &amp; Co');
      expect(html).not.toContain('<b>"Analytics"</b>');
      expect(html).toContain('as an Admin');
      expect(html).toContain('ada@example.com');
      expect(html).toContain('name="decision" value="accept"');
    }
    expect(await h.em().count(Member, { email: 'dan@example.com' })).toBe(0);
  });

  it('POST without a valid decision is refused and changes nothing', async () => {
    const res = await post(link, 'maybe');
    expect(res.status).toBe(400);
    expect(await h.em().count(Member, { email: 'dan@example.com' })).toBe(0);
  });

  it('POST decision=accept makes them an Admin exactly once; a second POST gets a clear refusal', async () => {
    const first = await post(link, 'accept');
    expect(first.status).toBe(200);
    expect(first.body).toContain('You joined');
    const again = await post(link, 'accept');
    expect(again.status).toBe(409);
    expect(again.body).toContain('already accepted');
    expect(await h.em().count(Member, { email: 'dan@example.com', role: 'admin' })).toBe(1);
    expect(await auditCount('invitation.accepted')).toBe(1);
    // Already answered: 409 on every method.
    const page = await fetch(link);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('This invitation was already accepted.');
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(409);
  });

  it('never stores or logs the raw token', async () => {
    const token = /abo_inv_[A-Za-z0-9_-]{43}/.exec(link)?.[0] ?? 'missing';
    const stored = await storedText(h.db);
    expect(stored).toContain('@example.com');
    expect(stored).not.toContain(token);
    expect(h.logs()).not.toContain(token);
    expect(h.logs()).not.toContain(token.slice(8, 30));
    const audit = await h.em().find(AuditEvent, {});
    expect(JSON.stringify(audit)).not.toContain('abo_inv_');
  });
});

describe('rules, each with its refusal', () => {
  it('one open invitation per email (compared lower-cased): a repeat says it is already pending', async () => {
    await h.ask(ada.id, 'invite erin@example.com');
    const again = await h.ask(ada.id, 'invite <mailto:ERIN@example.com|ERIN@example.com> admin');
    expect(visibleText(again)).toContain('An invitation for erin@example.com is already pending.');
    expect(await h.em().count(Invitation, { email: 'erin@example.com' })).toBe(1);
  });

  it('never to a current member', async () => {
    const reply = await h.ask(ada.id, `invite <@${ada.id}>`);
    expect(visibleText(reply)).toContain('ada@example.com is already a member');
    expect(await h.em().count(Invitation, { email: 'ada@example.com' })).toBe(0);
  });

  it('a bad email, a bare @name, a wrong role and an over-long note get specific replies', async () => {
    const before = await h.em().count(Invitation, {});
    expect(visibleText(await h.ask(ada.id, 'invite not-an-email'))).toContain(
      'is not an email address or a person',
    );
    expect(visibleText(await h.ask(ada.id, 'invite @bob'))).toContain('`@bob` arrived as plain text');
    expect(visibleText(await h.ask(ada.id, 'invite x@example.com owner'))).toContain(
      'The role must be `admin` or `member`',
    );
    // Text typed without a role is not taken as a note (a mistyped role would send a Member invitation): the reply
    // says where it goes.
    expect(visibleText(await h.ask(ada.id, 'invite x@example.com Our new analyst'))).toContain(
      'A note or reason goes after the role',
    );
    expect(visibleText(await h.ask(ada.id, `invite x@example.com member ${'word '.repeat(80)}`))).toContain(
      'The note must be at most 300 characters',
    );
    expect(visibleText(await h.ask(ada.id, 'invite <mailto:a@b|a@b>'))).toContain(
      'not a valid email address',
    );
    expect(await h.em().count(Invitation, {})).toBe(before);
  });

  it('a non-member cannot invite', async () => {
    const reply = await h.ask(eve.id, 'invite someone@example.com');
    expect(visibleText(reply)).toContain('You are not a member');
    expect(await h.em().count(Invitation, { email: 'someone@example.com' })).toBe(0);
  });

  it('caps invitations per organization per 24 hours, and allows more a day later', async () => {
    const count = await h.em().count(Invitation, {});
    for (let i = count; i < 8; i++) await h.ask(ada.id, `invite cap${i}@example.com`);
    const over = await h.ask(ada.id, 'invite over@example.com');
    expect(visibleText(over)).toContain('has reached its limit of 8 invitations in 24 hours');
    expect(await h.em().count(Invitation, { email: 'over@example.com' })).toBe(0);
    h.clock.advance(DAY + 1000);
    const later = await h.ask(ada.id, 'invite over@example.com');
    expect(visibleText(later)).toContain('Invitation sent to *over@example.com*');
  });
});

describe('invitation by mention, DM with Accept / Decline, resend, revoke, expiry', () => {
  it('<@U…|name> resolves to the Slack profile email; the invitee gets a DM; only they can accept', async () => {
    await h.ask(ada.id, `invite <@${cleo.id}|cleo> member`);
    const inv = await h.em().findOneOrFail(Invitation, { email: 'cleo@example.com' });
    expect(inv.inviteeSlackUserId).toBe(cleo.id);
    const dm = await h.standin.waitFor(() =>
      h.standin.messagesIn(h.standin.imChannelOf(cleo.id)).find((m) => m.text.includes('invited to join')),
    );
    expect(visibleText(dm)).toContain('invited you to join');

    // Someone else cannot answer it, even with a payload carrying the invitation id.
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      eve.id,
      { actionId: 'invitation_accept', value: inv.id },
      { channelId: dm.channel, messageTs: dm.ts },
    );
    const refused = await h.standin.waitFor(() =>
      h.standin.ephemerals.find((e) => e.user === eve.id && !before.has(e)),
    );
    expect(visibleText(refused)).toContain('Only the person invited can answer this invitation.');
    expect(await h.em().count(Member, { email: 'cleo@example.com' })).toBe(0);

    // A double click: two deliveries of the same click. One acceptance; the other is told.
    const before2 = new Set(h.standin.ephemerals);
    const acks = await Promise.all(
      [1, 2].map(() =>
        h.standin.blockAction(
          cleo.id,
          { actionId: 'invitation_accept' },
          { channelId: dm.channel, messageTs: dm.ts },
        ),
      ),
    );
    expect(acks.map((a) => a.status)).toEqual([200, 200]);
    const told = await h.standin.waitFor(() =>
      h.standin.ephemerals.find((e) => e.user === cleo.id && !before2.has(e)),
    );
    expect(visibleText(told)).toContain('already accepted');
    await h.standin.waitFor(
      () => h.standin.findMessage(dm.channel, dm.ts)?.text.includes('You joined'),
      5000,
      'the DM updated',
    );
    const joined = await h.em().findOneOrFail(Member, { email: 'cleo@example.com' });
    expect(joined.slackUserId).toBe(cleo.id);
    expect(joined.role).toBe('member');
    expect(await h.em().count(Member, { email: 'cleo@example.com' })).toBe(1);
    expect(await h.em().count(AuditEvent, { action: 'invitation.accepted', targetId: inv.id })).toBe(1);
  });

  it('decline on the web page closes it; the audit log says so', async () => {
    await h.ask(ada.id, 'invite fay@example.com');
    await drain();
    const res = await post(linkIn('fay@example.com'), 'decline');
    expect(res.status).toBe(200);
    expect((await h.em().findOneOrFail(Invitation, { email: 'fay@example.com' })).status).toBe('declined');
    expect(await h.em().count(AuditEvent, { action: 'invitation.declined' })).toBe(1);
    expect(await h.em().count(Member, { email: 'fay@example.com' })).toBe(0);
  });

  it('Resend issues a new link (the old one stops working) and renews the expiry; Revoke closes it', async () => {
    await h.ask(ada.id, 'invite gus@example.com');
    await drain();
    const oldLink = linkIn('gus@example.com');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'gus@example.com' });
    h.clock.advance(2 * DAY);
    const list = await h.ask(ada.id, 'invites');
    expect(visibleText(list)).toContain('gus@example.com');
    expect(visibleText(list)).toContain('mail sent');
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      ada.id,
      { actionId: 'invitation_resend', blockId: `invite_${inv.id}` },
      { channelId: list.channel, messageTs: list.ts },
    );
    const after = await h.standin.waitFor(() =>
      h.standin.ephemerals.find((e) => e.user === ada.id && !before.has(e)),
    );
    expect(visibleText(after)).toContain('sent again with a new link');
    await drain();
    const newLink = linkIn('gus@example.com');
    expect(newLink).not.toBe(oldLink);
    expect((await fetch(oldLink)).status).toBe(404);
    expect((await fetch(newLink)).status).toBe(200);
    const renewed = await h.em().findOneOrFail(Invitation, { email: 'gus@example.com' });
    expect(renewed.expiresAt?.getTime()).toBe(h.clock.now().getTime() + 7 * DAY);

    const list2 = await h.ask(ada.id, 'invites');
    const before2 = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      ada.id,
      { actionId: 'invitation_revoke', blockId: `invite_${inv.id}` },
      { channelId: list2.channel, messageTs: list2.ts },
    );
    const after2 = await h.standin.waitFor(() =>
      h.standin.ephemerals.find((e) => e.user === ada.id && !before2.has(e)),
    );
    expect(visibleText(after2)).toContain('revoked');
    expect(visibleText(after2)).not.toContain('*gus@example.com* —');
    expect((await fetch(newLink)).status).toBe(410);
    expect(await h.em().count(AuditEvent, { action: 'invitation.revoked', targetId: inv.id })).toBe(1);
  });

  it('expires after 7 days: the page says so, the audit log has one expired event, a new invitation is allowed', async () => {
    await h.ask(ada.id, 'invite hal@example.com');
    await drain();
    const link = linkIn('hal@example.com');
    h.clock.advance(7 * DAY + 60_000);
    const page = await fetch(link);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This invitation has expired.');
    expect(await post(link, 'accept')).toMatchObject({ status: 410 });
    const inv = await h.em().findOneOrFail(Invitation, { email: 'hal@example.com' });
    expect(inv.status).toBe('expired');
    expect(await h.em().count(AuditEvent, { action: 'invitation.expired', targetId: inv.id })).toBe(1);
    expect(visibleText(await h.ask(ada.id, 'invites'))).not.toContain('hal@example.com');
    expect(visibleText(await h.ask(ada.id, 'invite hal@example.com'))).toContain('Invitation sent');
  });
});
