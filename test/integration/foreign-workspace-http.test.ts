/**
 * A user of another Slack workspace (a Slack Connect partner in a shared channel) "can do nothing" (README, Users of
 * other workspaces): everything they can reach — `/org`, `/org help`, a mistyped subcommand, `/org setup`, every
 * other subcommand, the App Home tab, a button in a shared channel — says plainly that the app serves only members
 * of the workspace it is installed in, and shows nothing of the organization: not its name, its ID, its members or
 * its counts. Nothing changes. Through signed HTTP into the running app, Slack played by the stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { RecordedView } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
/** A user of a Slack Connect partner workspace, a workspace admin there, in the shared channel. */
const partner = {
  id: 'U0PARTNER',
  name: 'pat',
  realName: 'Pat Partner',
  email: 'pat@example.com',
  isAdmin: true,
  teamId: 'T0PARTNER',
};
const SHARED = 'C0SHARED';
const SERVES_ONLY = 'This app serves only members of the Slack workspace it is installed in';

let h: Harness;
let organization: { id: string; name: string };
let before: { members: number; invitations: number; audit: number };

/** What must never reach a partner: the organization's name and ID, its members' emails, its counts. */
function showsNothingOfTheOrganization(text: string, what: string): void {
  expect(text, what).toContain('You are a user of another Slack workspace');
  expect(text, what).toContain(SERVES_ONLY);
  for (const secret of [organization.name, 'Orbit', organization.id, ada.email, bob.email, 'Team members']) {
    expect(text, `${what}: ${secret}`).not.toContain(secret);
  }
}

async function counts() {
  const em = h.em();
  return {
    members: await em.count(Member, {}),
    invitations: await em.count(Invitation, {}),
    audit: await em.count(AuditEvent, {}),
  };
}

beforeAll(async () => {
  h = await startHarness({ users: [partner] });
  await h.setupOrganization('Orbit Analytics');
  h.standin.addChannel({ id: SHARED, name: 'shared', members: ['U0BOT', ada.id, bob.id, partner.id] });
  const em = h.em();
  const org = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  organization = { id: org.id, name: org.name };
  em.persist(
    new Member({
      organization: org,
      email: bob.email,
      role: 'member',
      slackUserId: bob.id,
      now: h.clock.now(),
    }),
  );
  await em.flush();
  expect(visibleText(await h.ask(ada.id, `approvals <#${SHARED}|shared>`))).toContain(`<#${SHARED}>`);
  await h.ask(bob.id, 'invite ola@example.com member New analyst');
  // The team directory holds the team in memory now, so `/org members` below meets the path served from it.
  await h.ask(ada.id, 'members');
  before = await counts();
});

afterAll(async () => {
  await h?.stop();
});

describe('a user of another workspace', () => {
  it('gets help that says the app serves only its own workspace, with no commands and no organization data', async () => {
    for (const text of ['', 'help', 'helo', 'overvew']) {
      const reply = visibleText(await h.ask(partner.id, text, { channelId: SHARED }));
      showsNothingOfTheOrganization(reply, `/org ${text}`);
      expect(reply, `/org ${text}`).not.toContain('/org overview');
    }
  });

  it('is refused by every subcommand, /org setup included, in the same words', async () => {
    for (const text of [
      'setup',
      'setup Partner Labs',
      'overview',
      'members',
      'members 2',
      'invite ola2@example.com',
      'invite',
      'invites',
      'rename Taken Over',
      'rename',
      'role <@U0BOB|bob> admin',
      'remove <@U0BOB|bob>',
      'leave',
      'audit',
      'approvals',
      'clients',
      'clients create Scraper',
      'recover',
      'whoami',
    ]) {
      showsNothingOfTheOrganization(visibleText(await h.ask(partner.id, text, { channelId: SHARED })), text);
    }
    expect(h.standin.openView(partner.id)).toBeUndefined();
  });

  it('sees the same on the App Home tab, with no buttons', async () => {
    const ack = await h.standin.appHomeOpened(partner.id);
    expect(ack.status).toBe(200);
    const home: RecordedView = await h.standin.waitFor(
      () => h.standin.homeView(partner.id),
      5000,
      'the Home tab',
    );
    const blocks = (home.view.blocks as unknown[]) ?? [];
    showsNothingOfTheOrganization(visibleText({ text: '', blocks }), 'Home tab');
    expect(h.standin.buttonsOf(blocks)).toEqual([]);
  });

  it('is refused a button in the shared channel in the same words', async () => {
    const copy = await h.standin.waitFor(() =>
      h.standin.messagesIn(SHARED).find((m) => m.text.includes('ola@example.com')),
    );
    const seen = new Set(h.standin.ephemerals);
    const ack = await h.standin.blockAction(
      partner.id,
      { actionId: 'approval_approve' },
      { channelId: SHARED, messageTs: copy.ts },
    );
    expect(ack.status).toBe(200);
    const refusal = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === partner.id && !seen.has(e)),
      5000,
    );
    showsNothingOfTheOrganization(visibleText(refusal), 'Approve');
  });

  it('changed nothing', async () => {
    expect(await counts()).toEqual(before);
    const org = await h.em().findOneOrFail(Organization, { id: organization.id });
    expect(org.name).toBe('Orbit Analytics');
    expect((await h.em().findOneOrFail(Invitation, { email: 'ola@example.com' })).status).toBe('requested');
  });
});

describe('a user of another workspace, before any organization is set up', () => {
  it('cannot set one up, and is told the app serves only the workspace it is installed in', async () => {
    const fresh = await startHarness({ users: [partner] });
    try {
      fresh.standin.addChannel({ id: SHARED, name: 'shared', members: ['U0BOT', ada.id, partner.id] });
      const reply = visibleText(await fresh.ask(partner.id, 'setup Partner Labs', { channelId: SHARED }));
      expect(reply).toContain('You are a user of another Slack workspace');
      expect(reply).toContain(SERVES_ONLY);
      expect(await fresh.em().count(Organization, {})).toBe(0);
    } finally {
      await fresh.stop();
    }
  });
});
