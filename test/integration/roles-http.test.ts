import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo, eve } = USERS;

/** Puts the team in a known state: Ada (admin), plus the given members; everyone else removed. */
async function team(h: Harness, members: Array<{ email: string; role: Role; slackUserId: string | null }>) {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  await em.nativeDelete(Member, { email: { $ne: ada.email } });
  await em.nativeUpdate(Member, { email: ada.email }, { role: 'admin', slackUserId: ada.id });
  for (const m of members) em.persist(new Member({ organization, ...m, now: h.clock.now() }));
  await em.flush();
}

async function roles(h: Harness): Promise<Record<string, Role>> {
  const members = await h.em().find(Member, {}, { orderBy: { email: 'asc' } });
  return Object.fromEntries(members.map((m) => [m.email, m.role]));
}

/** Clicks a button of an ephemeral as `userId` and waits for the ephemeral that answers it. */
async function press(h: Harness, userId: string, on: RecordedEphemeral, actionId: string) {
  const before = new Set(h.standin.ephemerals);
  const ack = await h.standin.blockAction(userId, { actionId }, { channelId: on.channel, messageTs: on.ts });
  expect(ack.status).toBe(200);
  return h.standin.waitFor(() => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)), 5000);
}

describe('/org role, /org remove, /org leave through Slack', () => {
  let h: Harness;
  let events: () => Promise<number>;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    events = () => h.em().count(AuditEvent, {});
  });
  afterAll(async () => h.stop());
  beforeEach(async () => {
    await team(h, [
      { email: bob.email, role: 'member', slackUserId: bob.id },
      { email: cleo.email, role: 'member', slackUserId: null },
    ]);
  });

  it.each([
    ['a mention', `<@${bob.id}>`],
    ['a mention with a label', `<@${bob.id}|bob>`],
    ['a mailto link', `<mailto:${bob.email}|${bob.email}>`],
    ['an email in capitals', 'BOB@Example.com'],
  ])('changes a role named by %s, and records it', async (_, who) => {
    const before = await events();
    const reply = await h.ask(ada.id, `role ${who} admin`);
    expect(visibleText(reply)).toContain(`<@${bob.id}> is now an Admin (was Member)`);
    expect((await roles(h))[bob.email]).toBe('admin');
    expect(await events()).toBe(before + 1);
    const back = await h.ask(ada.id, `role ${who} Member`);
    expect(visibleText(back)).toContain('is now a Member (was Admin)');
  });

  it('finds a member invited by email and not linked yet through their Slack profile', async () => {
    const reply = await h.ask(ada.id, `role <@${cleo.id}|cleo> admin`);
    expect(visibleText(reply)).toContain('is now an Admin');
    expect((await roles(h))[cleo.email]).toBe('admin');
  });

  it('says so, and records nothing, when the member already has the role', async () => {
    const before = await events();
    const reply = await h.ask(ada.id, `role <@${bob.id}> member`);
    expect(visibleText(reply)).toContain('is already a Member. Nothing was changed.');
    expect(await events()).toBe(before);
  });

  it.each([
    ['a bare @name', 'role @bob admin', '`@bob` arrived as plain text, not as a Slack mention'],
    [
      'someone not on the team',
      `role <@${eve.id}> admin`,
      `<@${eve.id}> is not on the team of Orbit Analytics.`,
    ],
    [
      'an unknown email',
      'role zed@example.com admin',
      'No one with the email zed@example.com is on the team',
    ],
    ['a missing role', `role <@${bob.id}>`, 'Name one member and one role'],
    ['an unknown role', `role <@${bob.id}> owner`, '`owner` is not a role'],
    ['no one', 'role', 'Who?'],
    ['a channel', 'role <#C0GENERAL|general> admin', 'is neither a person nor an email address'],
  ])('refuses %s with a clear reply and changes nothing', async (_, text, message) => {
    const before = await events();
    const reply = await h.ask(ada.id, text);
    expect(visibleText(reply)).toContain(message);
    expect(await roles(h)).toEqual({ [ada.email]: 'admin', [bob.email]: 'member', [cleo.email]: 'member' });
    expect(await events()).toBe(before);
  });

  it('shows a role change and a removal in the very next /org members (the team directory follows writes)', async () => {
    const line = (role: string) => `<@${bob.id}> · ${bob.email} — *${role}*`;
    expect(visibleText(await h.ask(bob.id, 'members'))).toContain(line('Member'));
    await h.ask(ada.id, `role <@${bob.id}> admin`);
    const asAdmin = visibleText(await h.ask(bob.id, 'members'));
    expect(asAdmin).toContain(`${line('Admin')} (you)`);
    await h.ask(ada.id, `role <@${bob.id}> member`);
    expect(visibleText(await h.ask(bob.id, 'members'))).toContain(line('Member'));
    // Removed between two reads: the next read refuses them (they are no longer on the team).
    await h.em().nativeDelete(Member, { email: bob.email });
    expect(visibleText(await h.ask(bob.id, 'members'))).not.toContain(line('Member'));
    expect(visibleText(await h.ask(ada.id, 'members'))).not.toContain(bob.email);
  });

  it('refuses a Member who runs /org role, /org remove or /org audit', async () => {
    for (const text of [`role <@${bob.id}> admin`, `remove <@${ada.id}>`, 'audit']) {
      const reply = await h.ask(bob.id, text);
      expect(visibleText(reply)).toMatch(/Only admins can/);
    }
    expect((await roles(h))[bob.email]).toBe('member');
  });

  it('never demotes the last Admin by command', async () => {
    const reply = await h.ask(ada.id, `role <@${ada.id}> member`);
    expect(visibleText(reply)).toContain(`<@${ada.id}> is the last Admin of Orbit Analytics`);
    expect((await roles(h))[ada.email]).toBe('admin');
  });

  it('removes after a confirm step, tells the removed member by DM, and records it', async () => {
    const before = await events();
    const confirm = await h.ask(ada.id, `remove <@${bob.id}>`);
    expect(visibleText(confirm)).toContain(
      `Remove <@${bob.id}> (bob@example.com, Member) from *Orbit Analytics*?`,
    );
    const remove = h.standin.buttonsOf(confirm.blocks).find((b) => b.actionId === MEMBER_ACTIONS.remove);
    expect(remove?.confirm).toBeDefined();
    expect((await roles(h))[bob.email]).toBe('member');
    expect(await events()).toBe(before);
    const done = await press(h, ada.id, confirm, MEMBER_ACTIONS.remove);
    expect(done.replaceOriginal).toBe(true);
    expect(visibleText(done)).toContain(`Removed <@${bob.id}>`);
    expect((await roles(h))[bob.email]).toBeUndefined();
    expect(await events()).toBe(before + 1);
    const dm = await h.standin.waitFor(() =>
      h.standin.messagesIn(h.standin.imChannelOf(bob.id)).find((m) => m.text.includes('You were removed')),
    );
    expect(dm.text).toContain('Orbit Analytics');
    // Bob is no longer a member: /org members tells him so.
    expect(visibleText(await h.ask(bob.id, 'members'))).toContain('You are not a member of Orbit Analytics');
  });

  it('removes a member named by email (not linked to Slack: no DM)', async () => {
    const dms = h.standin.callsTo('chat.postMessage').length;
    const confirm = await h.ask(ada.id, `remove <mailto:${cleo.email}|${cleo.email}>`);
    const done = await press(h, ada.id, confirm, MEMBER_ACTIONS.remove);
    expect(visibleText(done)).toContain('Removed cleo@example.com');
    expect((await roles(h))[cleo.email]).toBeUndefined();
    expect(h.standin.callsTo('chat.postMessage').length).toBe(dms);
  });

  it('cancels a removal, changing nothing', async () => {
    const confirm = await h.ask(ada.id, `remove <@${bob.id}>`);
    const cancelled = await press(h, ada.id, confirm, MEMBER_ACTIONS.cancel);
    expect(visibleText(cancelled)).toContain('Cancelled. Nothing was changed.');
    expect((await roles(h))[bob.email]).toBe('member');
  });

  it('points an Admin who removes themself to /org leave', async () => {
    await team(h, [{ email: bob.email, role: 'admin', slackUserId: bob.id }]);
    const reply = await h.ask(ada.id, `remove <@${ada.id}>`);
    expect(visibleText(reply)).toContain('use `/org leave`');
    expect((await roles(h))[ada.email]).toBe('admin');
  });

  it('lets a Member leave after a confirm step, once', async () => {
    const before = await events();
    const confirm = await h.ask(bob.id, 'leave');
    expect(visibleText(confirm)).toContain('Leave *Orbit Analytics*?');
    const leave = h.standin.buttonsOf(confirm.blocks).find((b) => b.actionId === MEMBER_ACTIONS.leave);
    expect(leave?.confirm).toBeDefined();
    const source = { channelId: confirm.channel, messageTs: confirm.ts };
    const seen = new Set(h.standin.ephemerals);
    await Promise.all([
      h.standin.blockAction(bob.id, { actionId: MEMBER_ACTIONS.leave }, source),
      h.standin.blockAction(bob.id, { actionId: MEMBER_ACTIONS.leave }, source),
    ]);
    const answers = await h.standin.waitFor(() => {
      const found = h.standin.ephemerals.filter((e) => e.user === bob.id && !seen.has(e));
      return found.length >= 2 ? found : undefined;
    }, 5000);
    const texts = answers.map(visibleText).join('\n');
    expect(texts).toContain('You left *Orbit Analytics*');
    expect(texts).toContain('You are not a member of Orbit Analytics');
    expect((await roles(h))[bob.email]).toBeUndefined();
    expect(await events()).toBe(before + 1);
  });

  it('tells the last Admin at once that they cannot leave, and refuses the button too', async () => {
    const reply = await h.ask(ada.id, 'leave');
    expect(visibleText(reply)).toContain('You are the last Admin of Orbit Analytics, so you cannot leave');
    expect(h.standin.buttonsOf(reply.blocks)).toEqual([]);
    // Another Admin shows Ada the Leave button, then steps down before she clicks.
    await team(h, [{ email: bob.email, role: 'admin', slackUserId: bob.id }]);
    const confirm = await h.ask(ada.id, 'leave');
    await h.ask(bob.id, `role <@${bob.id}> member`);
    const refused = await press(h, ada.id, confirm, MEMBER_ACTIONS.leave);
    expect(visibleText(refused)).toContain('You are the last Admin');
    expect(await roles(h)).toEqual({ [ada.email]: 'admin', [bob.email]: 'member' });
  });
});
