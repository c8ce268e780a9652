/**
 * The invitation page's form and its Slack side: an ambiguous form is refused and changes nothing; an answer on the
 * page updates the invitee's Slack DM (Accept / Decline gone, the outcome shown) through the Slack delivery outbox,
 * and an update Slack refuses for a while neither undoes the answer nor is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import {
  type Harness,
  startHarnessWithMail,
  stopHarnessWithMail,
  USERS,
  visibleText,
} from '../support/harness.js';
import type { MailSink } from '../support/mail-sink.js';

const { ada, bob, cleo, eve } = USERS;

let h: Harness;
let sink: MailSink;

/** The invitation link (path and token) in the last mail to `to`. */
function pathIn(to: string): string {
  const mail = [...sink.received].reverse().find((m) => JSON.stringify(m.to).includes(to));
  const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
  if (!path) throw new Error(`no invitation link mailed to ${to}`);
  return path;
}

async function postForm(url: string, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Invites a Slack user by mention, mails the link, and returns the link's path and the invitee's DM. */
async function inviteByMention(user: { id: string; email: string }) {
  await h.ask(ada.id, `invite <@${user.id}> member`);
  await h.app.outbox?.drain();
  const dm = await h.standin.waitFor(() =>
    h.standin.messagesIn(h.standin.imChannelOf(user.id)).find((m) => m.text.includes('invited to join')),
  );
  expect(h.standin.buttonsOf(dm.blocks).map((b) => b.text)).toEqual(['Accept', 'Decline']);
  return { path: pathIn(user.email), dm };
}

/** The DM once `chat.update` replaced it (the page updates it after answering). */
function updatedDm(dm: { channel: string; ts: string }) {
  return h.standin.waitFor(
    () => {
      const now = h.standin.findMessage(dm.channel, dm.ts);
      return now && !now.text.includes('invited to join') ? now : undefined;
    },
    5000,
    'the DM updated',
  );
}

beforeAll(async () => {
  ({ h, sink } = await startHarnessWithMail());
});
afterAll(() => stopHarnessWithMail(h, sink));

describe('the invitation page', () => {
  it('refuses a repeated or unknown form field with 400 and changes nothing', async () => {
    const { path } = await inviteByMention(cleo);
    for (const body of [
      'decision=accept&decision=decline',
      'decision=decline&decision=accept',
      'decision=accept&decision=accept',
      'decision=accept&next=%2Fadmin',
      'decision=accept&decision',
      'decision=accept&=x',
    ]) {
      const res = await postForm(`${h.url}${path}`, body);
      expect(res.status, body).toBe(400);
      expect(res.body, body).toContain('Nothing was changed.');
    }
    const inv = await h.em().findOneOrFail(Invitation, { email: cleo.email });
    expect(inv.status).toBe('pending');
    expect(await h.em().count(Member, { email: cleo.email })).toBe(0);
    expect(await h.em().count(AuditEvent, { targetId: inv.id, action: { $ne: 'invitation.sent' } })).toBe(0);
    expect((await fetch(`${h.url}${path}`)).status).toBe(200);
  });

  it("accepting on the page updates the invitee's Slack DM to the outcome, without buttons", async () => {
    const inv = await h.em().findOneOrFail(Invitation, { email: cleo.email });
    const dm = h.standin
      .messagesIn(h.standin.imChannelOf(cleo.id))
      .find((m) => m.text.includes('invited to join'));
    if (!dm) throw new Error('no DM to cleo');
    const res = await postForm(`${h.url}${pathIn(cleo.email)}`, 'decision=accept');
    expect(res.status).toBe(200);
    expect(res.body).toContain('You joined');
    const updated = await updatedDm(dm);
    expect(visibleText(updated)).toContain('You joined *Orbit Analytics* as a *Member*');
    expect(h.standin.buttonsOf(updated.blocks)).toEqual([]);
    expect(
      h.standin.callsTo('chat.update').filter((c) => JSON.stringify(c.args).includes(dm.ts)),
    ).toHaveLength(1);
    expect(await h.em().count(AuditEvent, { action: 'invitation.accepted', targetId: inv.id })).toBe(1);
  });

  it('declining on the page updates the DM too', async () => {
    const { path, dm } = await inviteByMention(eve);
    expect((await postForm(`${h.url}${path}`, 'decision=decline')).status).toBe(200);
    const updated = await updatedDm(dm);
    expect(visibleText(updated)).toContain('You declined the invitation to join *Orbit Analytics*');
    expect(h.standin.buttonsOf(updated.blocks)).toEqual([]);
  });

  it('a DM update Slack refuses for a while (HTTP 500) does not undo the acceptance and goes out later', async () => {
    const { path, dm } = await inviteByMention(bob);
    h.standin.addFault({ method: 'chat.update', status: 500, count: 2 });
    const res = await postForm(`${h.url}${path}`, 'decision=accept');
    expect(res.status).toBe(200);
    expect(res.body).toContain('You joined');
    expect(await h.em().count(Member, { email: bob.email })).toBe(1);
    expect((await h.em().findOneOrFail(Invitation, { email: bob.email })).status).toBe('accepted');
    const updated = await h.standin.waitFor(
      () => {
        const now = h.standin.findMessage(dm.channel, dm.ts);
        return now && !now.text.includes('invited to join') ? now : undefined;
      },
      15_000,
      'the DM updated after the outage',
    );
    expect(h.standin.buttonsOf(updated.blocks)).toEqual([]);
    const tries = h.standin.callsTo('chat.update').filter((c) => JSON.stringify(c.args).includes(dm.ts));
    expect(tries.map((c) => c.ok)).toEqual([false, false, true]);
    expect(h.logs()).not.toMatch(/abo_inv_/);
  });

  it("the audit log names a web-page acceptance by the invitee's email, without internal ids", async () => {
    await h.ask(ada.id, 'invite dan@example.com');
    await h.app.outbox?.drain();
    expect((await postForm(`${h.url}${pathIn('dan@example.com')}`, 'decision=accept')).status).toBe(200);
    const log = visibleText(await h.ask(ada.id, 'audit'));
    expect(log).toContain('— dan@example.com *accepted the invitation* · role: Member');
    expect(log).toContain(`<@${ada.id}> *invited* dan@example.com · role: Member`);
    expect(log).not.toContain('A member');
    expect(log).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(log).not.toContain('memberId');
  });
});
