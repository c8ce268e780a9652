import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo } = USERS;
const MINUTE = 60_000;

/** The event lines of an audit page, in display order (the first section is the header). */
function lines(reply: RecordedEphemeral): string[] {
  return reply.blocks
    .filter((b) => b.type === 'section')
    .slice(1)
    .map((b) => String((b.text as { text: string }).text));
}

async function press(h: Harness, userId: string, on: RecordedEphemeral, actionId: string) {
  const before = new Set(h.standin.ephemerals);
  await h.standin.blockAction(userId, { actionId }, { channelId: on.channel, messageTs: on.ts });
  return h.standin.waitFor(() => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)), 5000);
}

describe('/org audit through Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    for (const [user, role] of [
      [bob, 'member'],
      [cleo, 'member'],
    ] as const) {
      em.persist(
        new Member({ organization, email: user.email, role, slackUserId: user.id, now: h.clock.now() }),
      );
    }
    await em.flush();
  });
  afterAll(async () => h.stop());

  it('records each change and lists them newest first, readable', async () => {
    h.clock.advance(MINUTE);
    await h.ask(ada.id, 'rename Orbit Labs');
    h.clock.advance(MINUTE);
    await h.ask(ada.id, `role <@${bob.id}> admin`);
    h.clock.advance(MINUTE);
    const confirm = await h.ask(ada.id, `remove <@${cleo.id}>`);
    await press(h, ada.id, confirm, MEMBER_ACTIONS.remove);
    h.clock.advance(MINUTE);
    const leave = await h.ask(bob.id, 'leave');
    await press(h, bob.id, leave, MEMBER_ACTIONS.leave);

    const reply = await h.ask(ada.id, 'audit');
    expect(visibleText(reply)).toContain('*Audit log of Orbit Labs* — 5 events, newest first');
    const shown = lines(reply);
    expect(shown).toHaveLength(5);
    expect(shown[0]).toMatch(
      new RegExp(
        `^<!date\\^\\d+\\^\\{date_short_pretty\\} \\{time\\}\\|[^>]+> — <@${bob.id}> \\*left the organization\\* · email: bob@example.com · role: Admin$`,
      ),
    );
    expect(shown[1]).toContain(`<@${ada.id}> *removed* <@${cleo.id}> (cleo@example.com) · role: Member`);
    expect(shown[2]).toContain(
      `<@${ada.id}> *changed the role of* <@${bob.id}> (bob@example.com) · from *Member* to *Admin*`,
    );
    expect(shown[3]).toContain('*renamed the organization* · from *Orbit Analytics* to *Orbit Labs*');
    expect(shown[4]).toContain(`<@${ada.id}> *set up the organization*`);
    const times = shown.map((l) => Number(/<!date\^(\d+)\^/.exec(l)?.[1]));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(visibleText(reply)).not.toMatch(/xox[abp]-|abo_(cs|at|inv)_/);
  });

  it('pages by button and by argument', async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const total = await em.count(AuditEvent, {});
    for (let i = 0; i < 45 - total; i += 1) {
      h.clock.advance(1000);
      em.persist(
        new AuditEvent({
          organization,
          at: h.clock.now(),
          actorSlackUserId: ada.id,
          action: 'member.role_changed',
          targetType: 'member',
          targetId: `m${i}`,
          details: { email: `filler${i}@example.com`, from: 'member', to: 'admin' },
        }),
      );
    }
    await em.flush();
    const first = await h.ask(ada.id, 'audit');
    expect(visibleText(first)).toContain('45 events, newest first · page 1 of 3');
    expect(lines(first)[0]).toContain(`filler${44 - total}@example.com`);
    const second = await press(h, ada.id, first, 'audit_page_next');
    expect(second.replaceOriginal).toBe(true);
    expect(visibleText(second)).toContain('page 2 of 3');
    const third = await press(h, ada.id, second, 'audit_page_next');
    expect(lines(third)).toHaveLength(5);
    expect(lines(third).at(-1)).toContain('*set up the organization*');
    const back = await press(h, ada.id, third, 'audit_page_prev');
    expect(lines(back)).toEqual(lines(second));
    const typed = await h.ask(ada.id, 'audit 3');
    expect(lines(typed)).toEqual(lines(third));
    expect(visibleText(await h.ask(ada.id, 'audit last'))).toContain('as in `/org audit 2`');
    expect(h.standin.apiErrors).toEqual([]);
  });

  it('is for admins only', async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({
        organization,
        email: cleo.email,
        role: 'member',
        slackUserId: cleo.id,
        now: h.clock.now(),
      }),
    );
    await em.flush();
    expect(visibleText(await h.ask(cleo.id, 'audit'))).toContain('Only admins can read the audit log.');
  });
});
