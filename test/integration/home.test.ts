import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { RecordedView } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, eve } = USERS;
let h: Harness;

async function openHome(userId: string, retryNum?: number): Promise<RecordedView> {
  const before = h.standin.homeView(userId)?.history.length ?? -1;
  const ack = await h.standin.appHomeOpened(
    userId,
    retryNum ? { retryNum, retryReason: 'http_timeout' } : {},
  );
  expect(ack.status).toBe(200);
  return h.standin.waitFor(
    () => {
      const v = h.standin.homeView(userId);
      return v && v.history.length > before ? v : undefined;
    },
    5000,
    `the Home tab of ${userId}`,
  );
}

function text(view: RecordedView): string {
  return visibleText({ text: '', blocks: (view.view.blocks as unknown[]) ?? [] });
}

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

describe('App Home', () => {
  it('before setup, tells how to set up', async () => {
    expect(text(await openHome(eve.id))).toContain('/org setup &lt;name&gt;');
  });

  it('a non-member learns how to get invited', async () => {
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
    const home = text(await openHome(eve.id));
    expect(home).toContain('You are not a member yet');
    expect(home).toContain('invite');
  });

  it('a Member sees the overview and a button to request an invitation, not the admin controls', async () => {
    const view = await openHome(bob.id);
    expect(text(view)).toContain('Orbit Analytics');
    expect(h.standin.buttonsOf(view.view.blocks as unknown[]).map((b) => b.text)).toEqual([
      'Request an invitation',
    ]);
  });

  it('an Admin sees pending requests with Approve / Deny, and Invite / Rename buttons', async () => {
    await h.ask(bob.id, 'invite dan@example.com member For the data team');
    const view = await openHome(ada.id);
    expect(text(view)).toContain('1 waiting');
    expect(text(view)).toContain('dan@example.com');
    expect(h.standin.buttonsOf(view.view.blocks as unknown[]).map((b) => b.text)).toEqual([
      'Invite someone',
      'Rename',
      'Approve',
      'Deny',
    ]);
  });

  it('an Events API retry republishes the same tab and changes nothing else', async () => {
    const audits = await h.em().count(AuditEvent, {});
    const first = await openHome(ada.id);
    const retry = await openHome(ada.id, 1);
    expect(retry.view.blocks).toEqual(first.view.blocks);
    expect(await h.em().count(AuditEvent, {})).toBe(audits);
  });

  it('Approve on the Home tab decides the request and refreshes the tab', async () => {
    const view = h.standin.homeView(ada.id);
    if (!view) throw new Error('no home');
    const before = view.history.length;
    await h.standin.blockAction(ada.id, { actionId: 'approval_approve' }, { viewId: view.id });
    const after = await h.standin.waitFor(() => {
      const v = h.standin.homeView(ada.id);
      return v && v.history.length > before ? v : undefined;
    }, 5000);
    expect(text(after)).toContain('None waiting');
    expect((await h.em().findOneOrFail(Invitation, { email: 'dan@example.com' })).status).toBe('pending');
    expect(await h.em().count(AuditEvent, { action: 'invitation.approved' })).toBe(1);
  });

  it('Invite someone opens the invite modal; submitting it invites; a bad email shows under the field', async () => {
    const view = h.standin.homeView(ada.id);
    if (!view) throw new Error('no home');
    await h.standin.blockAction(ada.id, { actionId: 'home_invite' }, { viewId: view.id });
    const modal = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000);
    expect(modal.view.callback_id).toBe('invite_submit');
    const bad = await h.standin.viewSubmission(ada.id, modal.id, {
      email: { email_input: { type: 'email_text_input', value: 'nope' } },
      role: { role_select: { type: 'static_select', selected_option: { value: 'admin' } } },
    });
    expect(JSON.stringify(bad.json)).toContain('not a valid email address');
    await h.standin.viewSubmission(ada.id, modal.id, {
      email: { email_input: { type: 'email_text_input', value: 'Zed@example.com' } },
      role: { role_select: { type: 'static_select', selected_option: { value: 'admin' } } },
    });
    const inv = await h.em().findOneOrFail(Invitation, { email: 'zed@example.com' });
    expect(inv.role).toBe('admin');
    expect(inv.status).toBe('pending');
    await h.standin.waitFor(() =>
      h.standin.messagesIn(h.standin.imChannelOf(ada.id)).find((m) => m.text.includes('zed@example.com')),
    );
  });

  it('Rename opens the rename modal prefilled', async () => {
    const view = h.standin.homeView(ada.id);
    if (!view) throw new Error('no home');
    await h.standin.blockAction(ada.id, { actionId: 'home_rename' }, { viewId: view.id });
    const modal = await h.standin.waitFor(() => {
      const v = h.standin.openView(ada.id);
      return v?.view.callback_id === 'rename_organization' ? v : undefined;
    }, 5000);
    expect(JSON.stringify(modal.view.blocks)).toContain('Orbit Analytics');
  });
});
