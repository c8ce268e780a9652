import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { MEMBER_ACTIONS, MEMBER_ROW_BLOCK } from '../../src/slack/members/members.blocks.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo } = USERS;

/** Puts the team in a known state: Ada (admin), plus the given members; everyone else removed. */
async function team(h: Harness, members: Array<{ email: string; role: Role; slackUserId: string | null }>) {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  await em.nativeDelete(Member, { email: { $ne: ada.email } });
  await em.nativeUpdate(Member, { email: ada.email }, { role: 'admin' });
  for (const m of members) em.persist(new Member({ organization, ...m, now: h.clock.now() }));
  await em.flush();
}

async function roleOf(h: Harness, email: string): Promise<Role | null> {
  return (await h.em().findOne(Member, { email }))?.role ?? null;
}

/** Waits for the next ephemeral `userId` sees after `before` (a replacement or a new one). */
function nextEphemeral(
  h: Harness,
  userId: string,
  before: Set<RecordedEphemeral>,
): Promise<RecordedEphemeral> {
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `an ephemeral for ${userId}`,
  );
}

/** Clicks an element of an ephemeral as `userId` and waits for the ephemeral that answers it. */
async function click(
  h: Harness,
  userId: string,
  on: RecordedEphemeral,
  action: { actionId: string; blockId?: string; value?: string; selectedOption?: { value: string } },
): Promise<RecordedEphemeral> {
  const before = new Set(h.standin.ephemerals);
  const ack = await h.standin.blockAction(userId, action, { channelId: on.channel, messageTs: on.ts });
  expect(ack.status).toBe(200);
  return nextEphemeral(h, userId, before);
}

function isBlock(b: unknown): b is KnownBlock {
  return typeof b === 'object' && b !== null && 'type' in b;
}

/** The section of a member's row in a members list. */
function rowOf(blocks: unknown[], memberId: string): KnownBlock {
  const block = blocks
    .filter(isBlock)
    .find((b) => b.block_id?.startsWith(`${MEMBER_ROW_BLOCK}:`) && b.block_id.endsWith(memberId));
  if (!block) throw new Error(`no row for ${memberId}`);
  return block;
}

function rowBlockId(blocks: unknown[], memberId: string): string {
  return rowOf(blocks, memberId).block_id ?? '';
}

async function idOf(h: Harness, email: string): Promise<string> {
  return (await h.em().findOneOrFail(Member, { email })).id;
}

describe('/org members through Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());
  beforeEach(async () => {
    await team(h, [
      { email: bob.email, role: 'member', slackUserId: bob.id },
      { email: 'dora@example.com', role: 'member', slackUserId: null },
    ]);
  });

  it('shows a Member the plain list, without controls', async () => {
    const reply = await h.ask(bob.id, 'members');
    const text = visibleText(reply);
    expect(text).toContain('Team of Orbit Analytics');
    expect(text).toContain(`<@${ada.id}>`);
    expect(text).toContain('dora@example.com');
    expect(h.standin.buttonsOf(reply.blocks)).toEqual([]);
  });

  it('refuses words after the page number instead of ignoring them', async () => {
    const text = visibleText(await h.ask(bob.id, 'members 2 admins'));
    expect(text).toContain('`/org members` takes at most a page number');
    expect(text).not.toContain('Team of');
  });

  it('shows an Admin a role select and a Remove button with a confirm dialog on each other row', async () => {
    const reply = await h.ask(ada.id, 'members');
    const controls = h.standin.buttonsOf(reply.blocks);
    const selects = controls.filter((c) => c.actionId === MEMBER_ACTIONS.role);
    const removes = controls.filter((c) => c.actionId === MEMBER_ACTIONS.remove);
    // One select per option is listed; three rows × two options.
    expect(selects).toHaveLength(6);
    expect(removes).toHaveLength(2);
    for (const r of removes) expect(r.confirm).toBeDefined();
    expect(h.standin.apiErrors).toEqual([]);
  });

  it('changes a role with the select, redraws the list, and records it', async () => {
    const list = await h.ask(ada.id, 'members');
    const bobId = await idOf(h, bob.email);
    const after = await click(h, ada.id, list, {
      actionId: MEMBER_ACTIONS.role,
      blockId: rowBlockId(list.blocks, bobId),
      selectedOption: { value: 'admin' },
    });
    expect(after.replaceOriginal).toBe(true);
    expect(visibleText(after)).toContain(`<@${bob.id}> is now an Admin (was Member)`);
    expect(await roleOf(h, bob.email)).toBe('admin');
    const events = await h.em().find(AuditEvent, { action: 'member.role_changed', targetId: bobId });
    expect(events).toHaveLength(1);
  });

  it('a double click on the select changes the role once and records it once', async () => {
    const list = await h.ask(ada.id, 'members');
    const bobId = await idOf(h, bob.email);
    const action = {
      actionId: MEMBER_ACTIONS.role,
      blockId: rowBlockId(list.blocks, bobId),
      selectedOption: { value: 'admin' },
    };
    const before = new Set(h.standin.ephemerals);
    const source = { channelId: list.channel, messageTs: list.ts };
    await Promise.all([
      h.standin.blockAction(ada.id, action, source),
      h.standin.blockAction(ada.id, action, source),
    ]);
    const answers = await h.standin.waitFor(() => {
      const found = h.standin.ephemerals.filter((e) => e.user === ada.id && !before.has(e));
      return found.length >= 2 ? found : undefined;
    }, 5000);
    const texts = answers.map(visibleText).join('\n');
    expect(texts).toContain('is now an Admin (was Member)');
    expect(texts).toContain('is already an Admin. Nothing was changed.');
    expect(await h.em().count(AuditEvent, { action: 'member.role_changed', targetId: bobId })).toBe(1);
  });

  it('refuses to demote the last Admin by the select and shows the stored role again', async () => {
    const list = await h.ask(ada.id, 'members');
    const adaId = await idOf(h, ada.email);
    const after = await click(h, ada.id, list, {
      actionId: MEMBER_ACTIONS.role,
      blockId: rowBlockId(list.blocks, adaId),
      selectedOption: { value: 'member' },
    });
    expect(visibleText(after)).toContain('is the last Admin of Orbit Analytics');
    expect(await roleOf(h, ada.email)).toBe('admin');
    const row = rowOf(after.blocks, adaId);
    expect(
      row.type === 'section' &&
        row.accessory?.type === 'static_select' &&
        row.accessory.initial_option?.value,
    ).toBe('admin');
  });

  it('removes with the Remove button, tells the removed member by DM, and a double click does it once', async () => {
    const list = await h.ask(ada.id, 'members');
    const bobId = await idOf(h, bob.email);
    const remove = h.standin
      .buttonsOf(list.blocks)
      .find((c) => c.actionId === MEMBER_ACTIONS.remove && c.value?.endsWith(bobId));
    if (!remove) throw new Error('no Remove for Bob');
    const before = new Set(h.standin.ephemerals);
    const source = { channelId: list.channel, messageTs: list.ts };
    const [first, second] = await Promise.all([
      h.standin.blockAction(ada.id, remove, source),
      h.standin.blockAction(ada.id, remove, source),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const answers = await h.standin.waitFor(() => {
      const found = h.standin.ephemerals.filter((e) => e.user === ada.id && !before.has(e));
      return found.length >= 2 ? found : undefined;
    }, 5000);
    const texts = answers.map(visibleText).join('\n');
    expect(texts).toContain(`Removed <@${bob.id}>`);
    expect(texts).toContain('no longer on the team');
    expect(await roleOf(h, bob.email)).toBeNull();
    expect(await h.em().count(AuditEvent, { action: 'member.removed', targetId: bobId })).toBe(1);
    const dm = await h.standin.waitFor(
      () =>
        h.standin.messages.find(
          (m) => m.channel === h.standin.imChannelOf(bob.id) && m.text.includes('removed'),
        ),
      5000,
    );
    expect(dm.text).toContain(`You were removed from *Orbit Analytics* on AstroBee by <@${ada.id}>`);
  });

  it("refuses a Member's forged block_actions payloads for the select and Remove, changing nothing", async () => {
    const adaId = await idOf(h, ada.email);
    const bobId = await idOf(h, bob.email);
    const reply = await h.ask(bob.id, 'members');
    const responseUrl = h.standin.lastCommand?.responseUrl ?? '';
    const forge = async (action: Record<string, unknown>) => {
      const payload = {
        type: 'block_actions',
        user: { id: bob.id, username: bob.name, name: bob.name, team_id: h.standin.team.id },
        api_app_id: h.standin.appId,
        team: { id: h.standin.team.id, domain: h.standin.team.domain },
        container: { type: 'message', message_ts: reply.ts, channel_id: reply.channel, is_ephemeral: true },
        channel: { id: reply.channel, name: 'directmessage' },
        response_url: responseUrl,
        trigger_id: '1.2.3',
        actions: [{ action_ts: '1.2', ...action }],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const before = new Set(h.standin.ephemerals);
      const { signSlackRequest } = await import('../../src/standin/index.js');
      const res = await fetch(`${h.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...signSlackRequest(h.standin.signingSecret, body),
        },
        body,
      });
      expect(res.status).toBe(200);
      return nextEphemeral(h, bob.id, before);
    };
    const eventsBefore = await h.em().count(AuditEvent, {});
    const promote = await forge({
      type: 'static_select',
      action_id: MEMBER_ACTIONS.role,
      block_id: `${MEMBER_ROW_BLOCK}:1:${bobId}`,
      selected_option: { text: { type: 'plain_text', text: 'Admin' }, value: 'admin' },
    });
    expect(visibleText(promote)).toContain('Only admins can change roles.');
    const remove = await forge({
      type: 'button',
      action_id: MEMBER_ACTIONS.remove,
      block_id: 'member_actions',
      value: `1:${adaId}`,
      text: { type: 'plain_text', text: 'Remove' },
    });
    expect(visibleText(remove)).toContain('Only admins can remove members.');
    expect(await roleOf(h, bob.email)).toBe('member');
    expect(await roleOf(h, ada.email)).toBe('admin');
    expect(await h.em().count(AuditEvent, {})).toBe(eventsBefore);
  });

  it('refuses a stale control clicked by an Admin who has since been demoted', async () => {
    await team(h, [
      { email: bob.email, role: 'member', slackUserId: bob.id },
      { email: cleo.email, role: 'admin', slackUserId: cleo.id },
    ]);
    const list = await h.ask(ada.id, 'members');
    await h.ask(cleo.id, `role <@${ada.id}> member`);
    const bobId = await idOf(h, bob.email);
    const after = await click(h, ada.id, list, {
      actionId: MEMBER_ACTIONS.role,
      blockId: rowBlockId(list.blocks, bobId),
      selectedOption: { value: 'admin' },
    });
    expect(visibleText(after)).toContain('Only admins can change roles.');
    expect(await roleOf(h, bob.email)).toBe('member');
    // The redrawn list is a Member's: no controls any more.
    expect(h.standin.buttonsOf(after.blocks).filter((c) => c.actionId !== 'members_page_next')).toEqual([]);
  });

  it('pages by button, keeping an Admin page within Block Kit limits', async () => {
    await team(
      h,
      Array.from({ length: 44 }, (_, i) => ({
        email: `m${String(i).padStart(2, '0')}@example.com`,
        role: 'member' as const,
        slackUserId: null,
      })),
    );
    const first = await h.ask(ada.id, 'members');
    expect(visibleText(first)).toContain('45 members · page 1 of 3');
    expect(first.blocks.length).toBeLessThanOrEqual(50);
    const second = await click(h, ada.id, first, { actionId: 'members_page_next' });
    expect(visibleText(second)).toContain('page 2 of 3');
    expect(visibleText(second)).toContain('m19@example.com');
    expect(visibleText(second)).not.toContain('m18@example.com');
    const third = await click(h, ada.id, second, { actionId: 'members_page_next' });
    expect(visibleText(third)).toContain('m43@example.com');
    const typed = await h.ask(ada.id, 'members 3');
    expect(visibleText(typed)).toContain('page 3 of 3');
    const bad = await h.ask(ada.id, 'members two');
    expect(visibleText(bad)).toContain('The page must be a positive whole number');
    expect(h.standin.apiErrors).toEqual([]);
  });
});
