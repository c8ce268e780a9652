/**
 * Issue 9 §4b and §5b through the running app with a real SMTP peer.
 * - An Admin's text after the role is the invitation's note: stored as typed, length-limited in user-perceived
 *   characters, and shown escaped on all three surfaces — the invitee's Slack DM (mrkdwn: `&`, `<`, `>` escaped, so
 *   no mention or ping becomes live), the mail (HTML part escaped) and the invitation page (HTML escaped).
 * - Internationalised domains: `info@räucher.de` is accepted, stored and mailed in ASCII form, shown in Unicode;
 *   the two spellings are one address; what stays refused is refused with the same clear reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import {
  type Harness,
  startHarnessWithMail,
  stopHarnessWithMail,
  USERS,
  visibleText,
} from '../support/harness.js';
import type { MailSink } from '../support/mail-sink.js';

const { ada, cleo } = USERS;

let h: Harness;
let sink: MailSink;

function mailTo(to: string) {
  const mail = [...sink.received].reverse().find((m) => JSON.stringify(m.to).includes(to));
  if (!mail) throw new Error(`no mail to ${to}`);
  return mail;
}

beforeAll(async () => {
  ({ h, sink } = await startHarnessWithMail());
});
afterAll(() => stopHarnessWithMail(h, sink));

describe("an Admin's invitation note", () => {
  // As Slack delivers it with escaping on: `<`, `>` and `&` arrive as entities, mentions as <@U…>.
  const typed = 'Rejoining &lt;b&gt;team&lt;/b&gt; &amp; <!channel> hi <@U0BOB>';
  it('is stored as typed and shown escaped in the DM, the mail and the page', async () => {
    const reply = await h.ask(ada.id, `invite <@${cleo.id}> admin ${typed}`);
    expect(visibleText(reply)).toContain('Invitation sent to');
    const inv = await h.em().findOneOrFail(Invitation, { email: cleo.email });
    expect(inv.role).toBe('admin');
    expect(inv.note).toContain('Rejoining <b>team</b> & ');

    // The DM: the note as a quote, every `<`, `>` and `&` escaped (nothing in it is a live mention or ping).
    const dm = await h.standin.waitFor(() =>
      h.standin.messagesIn(h.standin.imChannelOf(cleo.id)).find((m) => m.text.includes('invited to join')),
    );
    const noteSection = JSON.stringify(dm.blocks.find((b) => JSON.stringify(b).includes('Rejoining')));
    expect(noteSection).toContain('>Rejoining &lt;b&gt;team&lt;/b&gt; &amp;');
    expect(noteSection).not.toMatch(/<[@!#]/);
    expect(h.standin.buttonsOf(dm.blocks).map((b) => b.text)).toEqual(['Accept', 'Decline']);

    // The mail: in the text part as typed, in the HTML part escaped.
    await h.app.outbox?.drain();
    const mail = mailTo(cleo.email);
    expect(mail.text).toContain('Rejoining <b>team</b> & ');
    expect(mail.html).toContain('Rejoining &lt;b&gt;team&lt;/b&gt; &amp; ');
    expect(mail.html).not.toContain('<b>team</b>');

    // The page.
    const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')?.[0];
    const page = await (await fetch(`${h.url}${path}`)).text();
    expect(page).toContain('Rejoining &lt;b&gt;team&lt;/b&gt; &amp; ');
    expect(page).not.toContain('<b>team</b>');
  });

  it('is limited to 300 characters as people count them, and refuses control characters', async () => {
    const combining = 'e\u0301'; // one character, two code units
    const ok = await h.ask(ada.id, `invite long@example.com member ${combining.repeat(300)}`);
    expect(visibleText(ok)).toContain('Invitation sent to');
    expect((await h.em().findOneOrFail(Invitation, { email: 'long@example.com' })).note).toBe(
      combining.repeat(300),
    );
    const tooLong = await h.ask(ada.id, `invite longer@example.com member ${combining.repeat(301)}`);
    expect(visibleText(tooLong)).toContain('The note must be at most 300 characters');
    const control = await h.ask(ada.id, 'invite ctl@example.com member bell\u0007here');
    expect(visibleText(control)).toContain('control characters');
    expect(
      await h.em().count(Invitation, { email: { $in: ['longer@example.com', 'ctl@example.com'] } }),
    ).toBe(0);
  });

  it("a Member's text after the role stays their request's reason (no note)", async () => {
    const em = h.em();
    const org = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({
        organization: org,
        email: 'eve@example.com',
        role: 'member',
        slackUserId: 'U0EVE',
        now: h.clock.now(),
      }),
    );
    await em.flush();
    await h.ask('U0EVE', 'invite friend@example.com member Works with us');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'friend@example.com' });
    expect(inv).toMatchObject({ status: 'requested', reason: 'Works with us', note: null });
  });
});

describe('internationalised email domains', () => {
  it('info@räucher.de is accepted: stored and mailed in ASCII form, shown in Unicode', async () => {
    const reply = await h.ask(ada.id, 'invite info@räucher.de');
    expect(visibleText(reply)).toContain('Invitation sent to *info@räucher.de*');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'info@xn--rucher-bua.de' });
    expect(inv.status).toBe('pending');
    await h.app.outbox?.drain();
    // On the wire, in ASCII form (no SMTPUTF8 needed).
    // Sent to the stored ASCII form (the SMTP peer reports the domain back in Unicode, as smtp-server decodes it).
    const row = await h.em().findOneOrFail(OutboxMail, { invitation: inv.id });
    expect(row).toMatchObject({ recipient: 'info@xn--rucher-bua.de', status: 'sent' });
    expect(sink.envelopes.flat()).toContain('info@räucher.de');
    expect(visibleText(await h.ask(ada.id, 'invites'))).toContain('info@räucher.de');
  });

  it('the Unicode and ASCII spellings are one address', async () => {
    for (const spelling of [
      'info@xn--rucher-bua.de',
      'INFO@RÄUCHER.DE',
      '<mailto:info@räucher.de|info@räucher.de>',
    ]) {
      expect(visibleText(await h.ask(ada.id, `invite ${spelling}`)), spelling).toContain('already pending');
    }
    expect(await h.em().count(Invitation, { email: 'info@xn--rucher-bua.de' })).toBe(1);
  });

  it('once joined, the member is found by either spelling and listed in Unicode', async () => {
    const mail = mailTo('räucher');
    const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')?.[0];
    const accepted = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=accept',
    });
    expect(accepted.status).toBe(200);
    expect(await h.em().count(Member, { email: 'info@xn--rucher-bua.de' })).toBe(1);
    expect(visibleText(await h.ask(ada.id, 'role info@räucher.de admin'))).toMatch(/Admin/);
    expect((await h.em().findOneOrFail(Member, { email: 'info@xn--rucher-bua.de' })).role).toBe('admin');
    expect(visibleText(await h.ask(ada.id, 'role INFO@xn--rucher-bua.de member'))).toMatch(/Member/);
    expect((await h.em().findOneOrFail(Member, { email: 'info@xn--rucher-bua.de' })).role).toBe('member');
    expect(visibleText(await h.ask(ada.id, 'members'))).toContain('info@räucher.de');
    // And a new invitation to either spelling is refused: already a member.
    expect(visibleText(await h.ask(ada.id, 'invite info@räucher.de'))).toContain('already a member');
  });

  it('what stays refused gets the same clear reply and changes nothing', async () => {
    const before = await h.em().count(Invitation, {});
    for (const address of [
      'jürgen@example.com',
      'a@localhost',
      'a@exa_mple.com',
      'a@[192.0.2.1]',
      'a..b@example.com',
      'a@-bad.de',
    ]) {
      expect(visibleText(await h.ask(ada.id, `invite ${address}`)), address).toMatch(
        /not a valid email address|not an email address/,
      );
    }
    expect(await h.em().count(Invitation, {})).toBe(before);
  });
});
