/**
 * The pure builders issue 9 touches: the invitee's DM with the Admin's note, the invite modal's note field, the
 * DM telling an Admin a mail failed, and the invitation mail with a note — each escaped for its medium and within
 * Slack's limits.
 */
import { describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { renderInvitationMail } from '../../src/mail/invitation-mail.js';
import { inviteeMessage, noteQuote } from '../../src/slack/invitations/invitation.blocks.js';
import { INVITE_VIEW, inviteModal } from '../../src/slack/invitations/invite-modal.blocks.js';
import { mailFailedMessage } from '../../src/slack/invitations/invites.blocks.js';
import { LIMITS } from '../../src/slack/shared/common.blocks.js';

const now = new Date('2026-12-01T09:00:00Z');
const HOSTILE = 'Hi <@U0BOB> <!channel> & <https://evil.example|click>\nsecond line';

function invitation(note: string | null): Invitation {
  const organization = new Organization('Orbit', 'T0TEAM', now);
  const inv = new Invitation({
    organization,
    email: 'info@xn--rucher-bua.de',
    role: 'member',
    status: 'pending',
    inviter: { memberId: 'm1', slackUserId: null, email: 'ada@example.com' },
    note,
    now,
  });
  inv.expiresAt = new Date(now.getTime() + 7 * 86_400_000);
  return inv;
}

describe("the invitee's DM", () => {
  it('quotes the note, escaped: no mention, ping or link in it is live; line breaks kept as quote lines', () => {
    const quoted = noteQuote(HOSTILE);
    expect(quoted).toBe(
      '>Hi &lt;@U0BOB&gt; &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;\n>second line',
    );
    const message = inviteeMessage(invitation(HOSTILE), 'Orbit');
    expect(message.blocks.length).toBe(3);
    const noteBlock = message.blocks[1];
    expect(noteBlock?.type === 'section' ? noteBlock.text?.text : undefined).toBe(quoted);
  });

  it('has no note section without a note, and stays within the section limit with the longest note', () => {
    expect(inviteeMessage(invitation(null), 'Orbit').blocks.length).toBe(2);
    const longest = inviteeMessage(invitation('&'.repeat(4000)), 'Orbit');
    for (const block of longest.blocks) {
      if (block.type === 'section')
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);
    }
  });
});

describe('the invite modal', () => {
  it('gives an Admin an optional note field, and a Member none', () => {
    const ids = (admin: boolean) => inviteModal(admin, '{}').blocks.map((b) => b.block_id);
    expect(ids(true)).toContain(INVITE_VIEW.note.blockId);
    expect(ids(false)).not.toContain(INVITE_VIEW.note.blockId);
  });
});

describe('the DM about a failed mail', () => {
  it('names the address in Unicode, says why (escaped) and what to do', () => {
    const message = mailFailedMessage({
      invitationId: 'i1',
      organizationId: 'o1',
      recipient: 'info@xn--rucher-bua.de',
      notifySlackUserId: 'U0ADA',
      reason: 'the mail server answered: 550 5.1.1 <info@xn--rucher-bua.de> No such user',
      permanent: true,
    });
    expect(message.text).toContain('*info@räucher.de*');
    expect(message.text).toContain('refused by the mail server');
    expect(message.text).toContain('550 5.1.1 &lt;info@xn--rucher-bua.de&gt; No such user');
    expect(message.text).toContain('/org invites');
  });
});

describe('the invitation mail', () => {
  const data = {
    organizationName: 'Orbit <Labs>',
    inviterEmail: 'ada@xn--rucher-bua.de',
    role: 'admin' as const,
    expiresAt: '2026-12-08T09:00:00.000Z',
  };
  it('quotes the note: as typed in the text part, escaped in the HTML part', () => {
    const mail = renderInvitationMail(
      { ...data, note: '<b>Welcome</b> & see you\nsoon' },
      'https://example.com/i/x',
    );
    expect(mail.text).toContain('<b>Welcome</b> & see you');
    expect(mail.html).toContain('<blockquote>&lt;b&gt;Welcome&lt;/b&gt; &amp; see you<br>soon</blockquote>');
    expect(mail.html).not.toContain('<b>Welcome</b>');
    expect(mail.text).toContain('ada@räucher.de invited you');
  });
  it('has no note without one', () => {
    const mail = renderInvitationMail(data, 'https://example.com/i/x');
    expect(mail.html).not.toContain('blockquote');
    expect(mail.text).not.toContain('Their note');
  });
});
