/**
 * An address with an internationalised domain is stored in ASCII form (`info@xn--rucher-bua.de`) and shown in its
 * Unicode form (`info@räucher.de`) everywhere a person reads it: command replies, refusals (already pending,
 * already a member, no one with that email, the recovery refusal), the invite modal's inline
 * errors, the Resend / Revoke notices, `/org members` and its Remove confirm dialog, the `/org remove` confirm
 * step, `/org invites` and the audit log. At the end, nothing the app sent to Slack holds the ASCII form.
 * Through signed HTTP into the running app, Slack played by the stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;
/** A Slack workspace owner who is not on the team (for `/org recover`). */
const owner = {
  id: 'U0OWNER',
  name: 'olga',
  realName: 'Olga Owner',
  email: 'olga@example.com',
  isOwner: true,
};

const UNICODE = 'info@räucher.de';
const ASCII = 'info@xn--rucher-bua.de';
const MEMBER_UNICODE = 'team@bücher.example';
const MEMBER_ASCII = 'team@xn--bcher-kva.example';

let h: Harness;

/** Clicks an element of an ephemeral as `userId` and returns the next ephemeral they get. */
async function press(
  userId: string,
  on: RecordedEphemeral,
  action: { actionId: string; blockId?: string },
): Promise<RecordedEphemeral> {
  const before = new Set(h.standin.ephemerals);
  const ack = await h.standin.blockAction(userId, action, { channelId: on.channel, messageTs: on.ts });
  expect(ack.status).toBe(200);
  return h.standin.waitFor(() => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)), 5000);
}

/** Reads as a person would: the Unicode form, never the ASCII one. */
function showsUnicode(text: string): void {
  expect(text).toContain(UNICODE);
  expect(text).not.toContain('xn--');
}

beforeAll(async () => {
  h = await startHarness({ users: [owner] });
  await h.setupOrganization('Orbit Analytics');
});

afterAll(async () => {
  await h?.stop();
});

describe('an internationalised domain is shown in Unicode', () => {
  it('in the invitation reply and the "already pending" refusal, typed in either spelling', async () => {
    showsUnicode(visibleText(await h.ask(ada.id, `invite ${ASCII}`)));
    for (const spelling of [ASCII, UNICODE, 'INFO@XN--RUCHER-BUA.DE']) {
      const refusal = visibleText(await h.ask(ada.id, `invite ${spelling}`));
      expect(refusal, spelling).toContain(`An invitation for ${UNICODE} is already pending`);
      expect(refusal, spelling).not.toContain('xn--');
    }
  });

  it("in the invite modal's inline error", async () => {
    await h.command(ada.id, 'invite');
    const modal = await h.standin.waitFor(() => {
      const v = h.standin.openView(ada.id);
      return v?.view.callback_id === 'invite_submit' ? v : undefined;
    }, 5000);
    const refused = await h.standin.viewSubmission(ada.id, modal.id, {
      email: { email_input: { type: 'email_text_input', value: ASCII } },
    });
    const errors = JSON.stringify(refused.json);
    expect(errors).toContain(`An invitation for ${UNICODE} is already pending`);
    expect(errors).not.toContain('xn--');
  });

  it('in /org invites and the Resend and Revoke notices', async () => {
    const inv = await h.em().findOneOrFail(Invitation, { email: ASCII });
    const list = await h.ask(ada.id, 'invites');
    showsUnicode(visibleText(list));
    const resent = await press(ada.id, list, { actionId: 'invitation_resend', blockId: `invite_${inv.id}` });
    expect(visibleText(resent)).toContain(`Invitation to *${UNICODE}* sent again`);
    const revoked = await press(ada.id, await h.ask(ada.id, 'invites'), {
      actionId: 'invitation_revoke',
      blockId: `invite_${inv.id}`,
    });
    expect(visibleText(revoked)).toContain(`Invitation to *${UNICODE}* revoked`);
    expect(visibleText(revoked)).not.toContain('xn--');
  });

  it('for a member: /org members, its Remove confirm, /org remove, "already a member", "no one with the email"', async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({
        organization,
        email: MEMBER_ASCII,
        role: 'member',
        slackUserId: null,
        now: h.clock.now(),
      }),
    );
    await em.flush();

    const members = await h.ask(ada.id, 'members');
    expect(visibleText(members)).toContain(MEMBER_UNICODE);
    const remove = h.standin
      .buttonsOf(members.blocks)
      .find((b) => b.text === 'Remove' && JSON.stringify(b.confirm ?? {}).includes('bücher'));
    expect(JSON.stringify(remove?.confirm)).toContain(`Remove ${MEMBER_UNICODE} (Member)`);
    expect(JSON.stringify(members)).not.toContain('xn--');

    const confirm = visibleText(await h.ask(ada.id, `remove ${MEMBER_ASCII}`));
    expect(confirm).toContain(MEMBER_UNICODE);
    expect(confirm).not.toContain('xn--');

    const already = visibleText(await h.ask(ada.id, `invite ${MEMBER_ASCII}`));
    expect(already).toContain(`${MEMBER_UNICODE} is already a member of Orbit Analytics`);
    const nobody = visibleText(await h.ask(ada.id, 'role nobody@xn--bcher-kva.example admin'));
    expect(nobody).toContain('No one with the email nobody@bücher.example');
    expect(`${already}${nobody}`).not.toContain('xn--');
  });

  it('in the recovery refusal that names an unlinked active Admin', async () => {
    await h.em().nativeUpdate(Member, { email: MEMBER_ASCII }, { role: 'admin' });
    const recover = visibleText(await h.ask(owner.id, 'recover'));
    expect(recover).toContain('still has an active Admin');
    expect(recover).toContain(MEMBER_UNICODE);
    expect(recover).not.toContain('xn--');
  });

  it('in the audit log', async () => {
    await h.em().nativeUpdate(Member, { email: MEMBER_ASCII }, { role: 'member' });
    await h.ask(ada.id, 'role team@bücher.example admin');
    const audit = visibleText(await h.ask(ada.id, 'audit'));
    expect(audit).toContain(UNICODE);
    expect(audit).toContain(MEMBER_UNICODE);
    expect(audit).not.toContain('xn--');
  });

  it('nowhere in what the app sent to Slack is the ASCII form', () => {
    // What people read: messages, ephemerals and the blocks of views (not a view's state, which holds what was typed).
    const sent = [
      ...[...h.standin.ephemerals, ...h.standin.messages].map((m) => visibleText(m)),
      ...[...h.standin.views.values(), ...h.standin.homeViews.values()].map((v) =>
        visibleText({ text: '', blocks: (v.view.blocks as unknown[]) ?? [] }),
      ),
    ].join('\n');
    expect(sent).toContain('räucher');
    expect(sent).not.toContain('xn--');
  });
});
