import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const ROUNDS = 30;

/** Ada and Bob, both Admins; no one else. */
async function twoAdmins(h: Harness): Promise<void> {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  await em.nativeDelete(Member, {});
  for (const user of [ada, bob]) {
    em.persist(
      new Member({
        organization,
        email: user.email,
        role: 'admin',
        slackUserId: user.id,
        now: h.clock.now(),
      }),
    );
  }
  await em.flush();
}

async function admins(h: Harness): Promise<string[]> {
  const list = await h.em().find(Member, { role: 'admin' }, { orderBy: { email: 'asc' } });
  return list.map((m) => m.email);
}

async function memberEvents(h: Harness): Promise<number> {
  return h
    .em()
    .count(AuditEvent, { action: { $in: ['member.role_changed', 'member.removed', 'member.left'] } });
}

describe('the last Admin under concurrent requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it(`two Admins demoting each other at once leaves exactly one Admin (${ROUNDS} rounds)`, async () => {
    const winners = new Set<string>();
    for (let round = 0; round < ROUNDS; round += 1) {
      await twoAdmins(h);
      const before = await memberEvents(h);
      const [fromAda, fromBob] = await Promise.all([
        h.ask(ada.id, `role <@${bob.id}> member`),
        h.ask(bob.id, `role <@${ada.id}> member`),
      ]);
      const left = await admins(h);
      expect(left).toHaveLength(1);
      winners.add(left[0] ?? '');
      expect(await memberEvents(h)).toBe(before + 1);
      const answers = [visibleText(fromAda), visibleText(fromBob)];
      expect(answers.filter((a) => a.includes('is now a Member'))).toHaveLength(1);
      expect(answers.filter((a) => a.includes('Only admins can change roles.'))).toHaveLength(1);
    }
    expect(winners.size).toBeGreaterThanOrEqual(1);
    expect(h.logs()).not.toContain('SQLITE_BUSY');
    expect(h.logs()).not.toContain('listener failed');
  });

  it(`two Admins stepping down at once leaves one (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      await twoAdmins(h);
      await Promise.all([
        h.ask(ada.id, `role <@${ada.id}> member`),
        h.ask(bob.id, `role <@${bob.id}> member`),
      ]);
      expect(await admins(h)).toHaveLength(1);
    }
  });

  it(`two Admins clicking Leave at once, or removing each other at once, leaves one (${ROUNDS / 3} rounds each)`, async () => {
    for (let round = 0; round < ROUNDS / 3; round += 1) {
      await twoAdmins(h);
      const [adaConfirm, bobConfirm] = await Promise.all([h.ask(ada.id, 'leave'), h.ask(bob.id, 'leave')]);
      const before = new Set(h.standin.ephemerals);
      await Promise.all([
        h.standin.blockAction(
          ada.id,
          { actionId: MEMBER_ACTIONS.leave },
          { channelId: adaConfirm.channel, messageTs: adaConfirm.ts },
        ),
        h.standin.blockAction(
          bob.id,
          { actionId: MEMBER_ACTIONS.leave },
          { channelId: bobConfirm.channel, messageTs: bobConfirm.ts },
        ),
      ]);
      const answers = await h.standin.waitFor(() => {
        const found = h.standin.ephemerals.filter(
          (e) => (e.user === ada.id || e.user === bob.id) && !before.has(e),
        );
        return found.length >= 2 ? found : undefined;
      }, 5000);
      const texts = answers.map(visibleText);
      expect(texts.filter((t) => t.includes('You left'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('You are the last Admin'))).toHaveLength(1);
      expect(await admins(h)).toHaveLength(1);
      expect(await h.em().count(Member, {})).toBe(1);
    }
    for (let round = 0; round < ROUNDS / 3; round += 1) {
      await twoAdmins(h);
      const [adaConfirm, bobConfirm] = await Promise.all([
        h.ask(ada.id, `remove <@${bob.id}>`),
        h.ask(bob.id, `remove <@${ada.id}>`),
      ]);
      const before = new Set(h.standin.ephemerals);
      await Promise.all([
        h.standin.blockAction(
          ada.id,
          { actionId: MEMBER_ACTIONS.remove },
          { channelId: adaConfirm.channel, messageTs: adaConfirm.ts },
        ),
        h.standin.blockAction(
          bob.id,
          { actionId: MEMBER_ACTIONS.remove },
          { channelId: bobConfirm.channel, messageTs: bobConfirm.ts },
        ),
      ]);
      const answers = await h.standin.waitFor(() => {
        const found = h.standin.ephemerals.filter(
          (e) => (e.user === ada.id || e.user === bob.id) && !before.has(e),
        );
        return found.length >= 2 ? found : undefined;
      }, 5000);
      const texts = answers.map(visibleText);
      expect(texts.filter((t) => t.includes('Removed'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('You are not a member'))).toHaveLength(1);
      expect(await admins(h)).toHaveLength(1);
    }
    expect(h.logs()).not.toContain('listener failed');
  });
});
