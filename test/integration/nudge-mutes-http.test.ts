import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { NUDGE_KINDS, NUDGE_LABELS, type NudgeKind } from '../../src/domain/nudges/kinds.js';
import { mutedAdminMemberIds } from '../../src/domain/nudges/mutes.js';
import { NudgeMute } from '../../src/domain/nudges/nudge-mute.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import { NUDGE_MUTE_ACTIONS } from '../../src/slack/nudges/mutes.blocks.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo } = USERS;

describe('/org nudges: per-Admin mutes of hygiene nudges, through Slack', () => {
  let h: Harness;
  let organizationId: string;

  /** The member id of a Slack user. */
  const memberId = async (slackUserId: string) => (await h.em().findOneOrFail(Member, { slackUserId })).id;
  /** Every stored mute, as `email:kind`, sorted. */
  const mutes = async () =>
    (await h.em().find(NudgeMute, {}, { populate: ['member'] }))
      .map((m) => `${m.member.email}:${m.kind}`)
      .sort();
  const muted = (kind: NudgeKind) => mutedAdminMemberIds(h.em(), organizationId, kind);

  /** Clicks the button of `kind`'s row as `userId` and waits for the ephemeral that answers it. */
  async function press(userId: string, on: RecordedEphemeral, kind: NudgeKind, actionId: string) {
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.blockAction(
      userId,
      { actionId, blockId: `nudge_${kind}`, value: kind },
      { channelId: on.channel, messageTs: on.ts },
    );
    expect(ack.status).toBe(200);
    return h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
      5000,
    );
  }

  /** The kind of each button of a message, by its action (mute or unmute). */
  function buttons(message: RecordedEphemeral): Record<string, string[]> {
    const out: Record<string, string[]> = { mute: [], unmute: [] };
    for (const b of h.standin.buttonsOf(message.blocks)) {
      if (b.actionId === NUDGE_MUTE_ACTIONS.mute) out.mute?.push(b.value ?? '');
      if (b.actionId === NUDGE_MUTE_ACTIONS.unmute) out.unmute?.push(b.value ?? '');
    }
    return out;
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    organizationId = (await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id })).id;
  });
  afterAll(async () => h?.stop());
  beforeEach(async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, organizationId);
    await em.nativeDelete(NudgeMute, {});
    await em.nativeDelete(Member, { email: { $ne: ada.email } });
    const team: Array<{ email: string; role: Role; slackUserId: string }> = [
      { email: bob.email, role: 'admin', slackUserId: bob.id },
      { email: cleo.email, role: 'member', slackUserId: cleo.id },
    ];
    for (const m of team) em.persist(new Member({ organization, ...m, now: h.clock.now() }));
    await em.flush();
  });

  it('lists the four kinds, each with its label, on by default, with a Mute button each', async () => {
    const reply = await h.ask(ada.id, 'nudges');
    const text = visibleText(reply);
    for (const kind of NUDGE_KINDS) {
      expect(text).toContain(NUDGE_LABELS[kind]);
      expect(text).toContain(`\`${kind}\``);
    }
    expect(text).not.toContain('Muted');
    expect(buttons(reply)).toEqual({ mute: [...NUDGE_KINDS], unmute: [] });
    expect(await mutes()).toEqual([]);
  });

  it('a Mute click mutes that kind for the clicker alone and replaces the list; Unmute undoes it', async () => {
    const events = await h.em().count(AuditEvent, {});
    const list = await h.ask(ada.id, 'nudges');
    const after = await press(ada.id, list, 'client_unused', NUDGE_MUTE_ACTIONS.mute);
    expect(after.replaceOriginal).toBe(true);
    expect(visibleText(after)).toContain('`client_unused` nudges are now muted for you');
    expect(buttons(after)).toEqual({
      mute: NUDGE_KINDS.filter((k) => k !== 'client_unused'),
      unmute: ['client_unused'],
    });
    expect(await mutes()).toEqual([`${ada.email}:client_unused`]);
    expect(await muted('client_unused')).toEqual(new Set([await memberId(ada.id)]));
    expect(await muted('secret_grace_ending')).toEqual(new Set());

    const back = await press(ada.id, after, 'client_unused', NUDGE_MUTE_ACTIONS.unmute);
    expect(back.replaceOriginal).toBe(true);
    expect(visibleText(back)).toContain('`client_unused` nudges are on again for you');
    expect(buttons(back)).toEqual({ mute: [...NUDGE_KINDS], unmute: [] });
    expect(await mutes()).toEqual([]);
    expect(await muted('client_unused')).toEqual(new Set());
    // A personal preference: not in the audit log.
    expect(await h.em().count(AuditEvent, {})).toBe(events);
  });

  it('a second click of a stale Mute button changes nothing and says so', async () => {
    const first = await h.ask(ada.id, 'nudges');
    const stale = await h.ask(ada.id, 'nudges');
    await press(ada.id, first, 'request_waiting', NUDGE_MUTE_ACTIONS.mute);
    const again = await press(ada.id, stale, 'request_waiting', NUDGE_MUTE_ACTIONS.mute);
    expect(visibleText(again)).toContain(
      '`request_waiting` nudges were already muted for you. Nothing was changed.',
    );
    expect(await mutes()).toEqual([`${ada.email}:request_waiting`]);
  });

  it('mutes and unmutes by text, in any case, and shows the updated list', async () => {
    const reply = await h.ask(ada.id, 'nudges mute Invitation_Expiring');
    expect(visibleText(reply)).toContain('`invitation_expiring` nudges are now muted for you');
    expect(buttons(reply).unmute).toEqual(['invitation_expiring']);
    expect(await mutes()).toEqual([`${ada.email}:invitation_expiring`]);

    const again = await h.ask(ada.id, 'nudges mute invitation_expiring');
    expect(visibleText(again)).toContain('already muted for you. Nothing was changed.');
    expect(await mutes()).toEqual([`${ada.email}:invitation_expiring`]);

    const back = await h.ask(ada.id, 'nudges unmute invitation_expiring');
    expect(visibleText(back)).toContain('`invitation_expiring` nudges are on again for you');
    expect(await mutes()).toEqual([]);
  });

  it('keeps each Admin their own setting: only the one who muted is in mutedAdminMemberIds', async () => {
    await h.ask(ada.id, 'nudges mute secret_grace_ending');
    await h.ask(bob.id, 'nudges mute client_unused');
    expect(await muted('secret_grace_ending')).toEqual(new Set([await memberId(ada.id)]));
    expect(await muted('client_unused')).toEqual(new Set([await memberId(bob.id)]));
    expect(await muted('request_waiting')).toEqual(new Set());
    // Bob's list shows his own mutes, not Ada's.
    expect(buttons(await h.ask(bob.id, 'nudges')).unmute).toEqual(['client_unused']);
    expect(buttons(await h.ask(ada.id, 'nudges')).unmute).toEqual(['secret_grace_ending']);
  });

  it('answers only for its organization: another organization id finds no mutes', async () => {
    await h.ask(ada.id, 'nudges mute client_unused');
    expect(await mutedAdminMemberIds(h.em(), 'org_aaaaaaaaaaaaaaaa', 'client_unused')).toEqual(new Set());
  });

  it('refuses a Member, by command and by text, as other admin-only commands do, and stores nothing', async () => {
    for (const text of ['nudges', 'nudges mute client_unused']) {
      expect(visibleText(await h.ask(cleo.id, text))).toContain('Only admins can manage nudges.');
    }
    expect(await mutes()).toEqual([]);
  });

  it('refuses a button click by someone who is no longer an Admin, and stores nothing', async () => {
    const list = await h.ask(bob.id, 'nudges');
    await h.em().nativeUpdate(Member, { email: bob.email }, { role: 'member' });
    const refused = await press(bob.id, list, 'client_unused', NUDGE_MUTE_ACTIONS.mute);
    expect(visibleText(refused)).toContain('Only admins can manage nudges.');
    expect(await mutes()).toEqual([]);
  });

  it.each([
    ['an unknown kind', 'nudges mute everything', '`everything` is not a kind of nudge'],
    ['no kind', 'nudges unmute', 'Which kind of nudge?'],
  ])('refuses %s naming the valid kinds, and changes nothing', async (_, text, message) => {
    await h.ask(ada.id, 'nudges mute client_unused');
    const reply = visibleText(await h.ask(ada.id, text));
    expect(reply).toContain(message);
    for (const kind of NUDGE_KINDS) expect(reply).toContain(`\`${kind}\``);
    expect(reply).toContain('Nothing was changed.');
    expect(await mutes()).toEqual([`${ada.email}:client_unused`]);
  });

  it('refuses words after the kind, and changes nothing', async () => {
    const before = await mutes();
    const reply = visibleText(await h.ask(ada.id, 'nudges mute request_waiting now please'));
    expect(reply).toContain('takes one kind of nudge, not `now`');
    expect(await mutes()).toEqual(before);
  });

  it('refuses another verb with the usage', async () => {
    const reply = visibleText(await h.ask(ada.id, 'nudges silence client_unused'));
    expect(reply).toContain('`silence` is not something `/org nudges` does');
    // Slack shows `&lt;kind&gt;` as `<kind>`.
    expect(reply).toContain('`/org nudges mute &lt;kind&gt;`');
    expect(await mutes()).toEqual([]);
  });

  it("drops a removed member's mutes with the member (on delete cascade)", async () => {
    await h.ask(bob.id, 'nudges mute client_unused');
    await h.ask(bob.id, 'nudges mute request_waiting');
    await h.ask(ada.id, 'nudges mute client_unused');
    const confirm = await h.ask(ada.id, `remove <@${bob.id}>`);
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      ada.id,
      { actionId: MEMBER_ACTIONS.remove },
      { channelId: confirm.channel, messageTs: confirm.ts },
    );
    const done = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === ada.id && !before.has(e)),
      5000,
    );
    expect(visibleText(done)).toContain(`Removed <@${bob.id}>`);
    expect(await mutes()).toEqual([`${ada.email}:client_unused`]);
    expect(await muted('client_unused')).toEqual(new Set([await memberId(ada.id)]));
  });

  it('lists /org nudges in the help an Admin gets', async () => {
    expect(visibleText(await h.ask(ada.id, 'help'))).toContain('/org nudges');
  });
});
