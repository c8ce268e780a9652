import type { Button, KnownBlock, SectionBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { MemberSummary, Page } from '../../src/domain/members/members.service.js';
import { MEMBERS_PAGE_SIZE } from '../../src/domain/members/members.service.js';
import { leaveConfirmMessage, removeConfirmMessage } from '../../src/slack/members/member-messages.blocks.js';
import {
  CONFIRM_LIMITS,
  decodeMemberRef,
  encodeMemberRef,
  MEMBER_ACTIONS,
  MEMBER_ROW_BLOCK,
  membersMessage,
  removeConfirmDialog,
} from '../../src/slack/members/members.blocks.js';
import { LIMITS } from '../../src/slack/shared/common.blocks.js';

const LONG_ORG = 'Ö'.repeat(80);

function member(i: number, role: 'admin' | 'member' = 'member', linked = true): MemberSummary {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    // Emails up to 254 characters are legal; rows must stay inside every limit with them.
    email: `${'x'.repeat(230)}${String(i).padStart(4, '0')}@example.com`,
    slackUserId: linked ? `U${String(i).padStart(8, '0')}` : null,
    role,
  };
}

function fullPage(page: number, pageCount: number): Page<MemberSummary> {
  const items = Array.from({ length: MEMBERS_PAGE_SIZE }, (_, i) =>
    member(i, i % 3 === 0 ? 'admin' : 'member', i % 2 === 0),
  );
  return { items, page, pageCount, total: pageCount * MEMBERS_PAGE_SIZE, pageSize: MEMBERS_PAGE_SIZE };
}

/** Every button, select and option text, every section text, every confirm part in the blocks. */
function limitsBroken(blocks: KnownBlock[]): string[] {
  const broken: string[] = [];
  const check = (what: string, text: string | undefined, max: number) => {
    if (text !== undefined && text.length > max) broken.push(`${what} (${text.length} > ${max})`);
  };
  const elements: unknown[] = [];
  for (const b of blocks) {
    if (b.type === 'section') {
      check('section', b.text?.text, LIMITS.sectionText);
      if (b.accessory) elements.push(b.accessory);
    }
    if (b.type === 'actions') elements.push(...b.elements);
    check('block_id', b.block_id, 255);
  }
  for (const e of elements as Array<Button | StaticSelect>) {
    if (e.type === 'button') {
      check('button', e.text.text, LIMITS.buttonText);
      check('button value', e.value, 2000);
    }
    if (e.type === 'static_select') {
      for (const o of e.options ?? []) check('option', o.text.text, LIMITS.optionText);
      if ((e.options?.length ?? 0) > LIMITS.staticSelectOptions) broken.push('options');
    }
    if (e.confirm) {
      check('confirm title', e.confirm.title?.text, CONFIRM_LIMITS.title);
      check('confirm text', e.confirm.text.text, CONFIRM_LIMITS.text);
      check('confirm button', e.confirm.confirm?.text, CONFIRM_LIMITS.button);
      check('deny button', e.confirm.deny?.text, CONFIRM_LIMITS.button);
    }
  }
  return broken;
}

describe('members list', () => {
  const admin = { memberId: member(99, 'admin').id, role: 'admin' as const };

  it("keeps an Admin's fullest page (notice, both page buttons, long emails) inside Slack's limits", () => {
    const message = membersMessage(fullPage(2, 3), LONG_ORG, admin, 'x'.repeat(4000));
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(message.blocks.length).toBe(1 + 1 + MEMBERS_PAGE_SIZE * 2 + 1);
    expect(limitsBroken(message.blocks)).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(new Set(message.blocks.map((b) => b.block_id).filter(Boolean)).size).toBe(
      message.blocks.filter((b) => b.block_id).length,
    );
  });

  it('gives an Admin a role select (current role chosen) and a Remove button with a confirm dialog per row', () => {
    const bob = member(2, 'member');
    const message = membersMessage(
      { items: [bob], page: 1, pageCount: 1, total: 1, pageSize: 20 },
      'Orbit',
      admin,
    );
    const row = message.blocks.find(
      (b): b is SectionBlock => b.block_id === `${MEMBER_ROW_BLOCK}:1:${bob.id}`,
    );
    const select = row?.accessory as StaticSelect;
    expect(select.action_id).toBe(MEMBER_ACTIONS.role);
    expect(select.options?.map((o) => [o.text.text, o.value])).toEqual([
      ['Admin', 'admin'],
      ['Member', 'member'],
    ]);
    expect(select.initial_option?.value).toBe('member');
    const actions = message.blocks.find((b) => b.type === 'actions');
    const remove = actions?.type === 'actions' ? (actions.elements[0] as Button) : undefined;
    expect(remove?.action_id).toBe(MEMBER_ACTIONS.remove);
    expect(remove?.value).toBe(`1:${bob.id}`);
    expect(remove?.confirm?.text.text).toContain(bob.email);
  });

  it("shows no Remove button on the Admin's own row (leaving is /org leave)", () => {
    const me = { ...member(99, 'admin') };
    const message = membersMessage(
      { items: [me], page: 1, pageCount: 1, total: 1, pageSize: 20 },
      'Orbit',
      admin,
    );
    expect(JSON.stringify(message.blocks)).not.toContain(MEMBER_ACTIONS.remove);
    expect(JSON.stringify(message.blocks)).toContain('(you)');
  });

  it('shows a Member the plain list: no select, no Remove, rows ten to a section', () => {
    const page = fullPage(1, 1);
    const message = membersMessage(page, 'Orbit', { memberId: member(5).id, role: 'member' });
    const json = JSON.stringify(message.blocks);
    expect(json).not.toContain(MEMBER_ACTIONS.role);
    expect(json).not.toContain(MEMBER_ACTIONS.remove);
    expect(message.blocks).toHaveLength(1 + 2);
    expect(limitsBroken(message.blocks)).toEqual([]);
  });

  it('pages with Previous / Next carrying the page to show', () => {
    const ids = (page: number) =>
      membersMessage({ items: [], page, pageCount: 3, total: 45, pageSize: 20 }, 'Orbit')
        .blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []))
        .map((e) => `${(e as Button).action_id}=${(e as Button).value}`);
    expect(ids(1)).toEqual(['members_page_next=2']);
    expect(ids(2)).toEqual(['members_page_prev=1', 'members_page_next=3']);
    expect(ids(3)).toEqual(['members_page_prev=2']);
  });

  it('escapes emails and the organization name', () => {
    const odd = { ...member(1, 'member', false), email: 'a<b>&c@example.com' };
    const json = JSON.stringify(
      membersMessage({ items: [odd], page: 1, pageCount: 1, total: 1, pageSize: 20 }, '<!here> Labs').blocks,
    );
    expect(json).toContain('a&lt;b&gt;&amp;c@example.com');
    expect(json).toContain('&lt;!here&gt; Labs');
    expect(json).not.toContain('<!here>');
  });

  it('encodes and decodes row references, refusing malformed ones', () => {
    const ref = { memberId: member(7).id, page: 3 };
    expect(decodeMemberRef(encodeMemberRef(ref))).toEqual(ref);
    expect(decodeMemberRef(encodeMemberRef({ memberId: 'abc', page: null }))).toEqual({
      memberId: 'abc',
      page: null,
    });
    for (const bad of [undefined, '', 'x:abc', '1:', '1:a b', `1:${'a'.repeat(65)}`]) {
      expect(decodeMemberRef(bad)).toBeNull();
    }
  });
});

describe('confirm steps', () => {
  it('asks before removing, with Remove (confirm dialog) and Cancel, inside the limits', () => {
    const m = member(3, 'admin');
    const message = removeConfirmMessage(m, LONG_ORG);
    expect(limitsBroken(message.blocks)).toEqual([]);
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Button[];
    expect(buttons.map((b) => b.action_id)).toEqual([MEMBER_ACTIONS.remove, MEMBER_ACTIONS.cancel]);
    expect(buttons[0]?.confirm?.style).toBe('danger');
    expect(decodeMemberRef(buttons[0]?.value)).toEqual({ memberId: m.id, page: null });
  });

  it('promises a DM in the confirm dialog only to a member who is on Slack', () => {
    const dialogText = (linked: boolean) => {
      const message = removeConfirmMessage(
        { ...member(4, 'member', linked), email: 'ida@example.com' },
        'Hive Works',
      );
      const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Button[];
      return buttons[0]?.confirm?.text.text ?? '';
    };
    expect(dialogText(true)).toMatch(/are told by DM\.$/);
    expect(dialogText(false)).toMatch(/no DM reaches them\.$/);
    expect(dialogText(false)).not.toMatch(/told by DM/);
  });

  it('promises no DM in the confirm dialog to a deactivated account, and hedges where it was not looked up', () => {
    const m = { ...member(5, 'member', true), email: 'zed@example.com' };
    const message = removeConfirmMessage(m, 'Hive Works', true);
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Button[];
    const dialog = buttons[0]?.confirm?.text.text ?? '';
    expect(dialog).toMatch(/deactivated, so no DM will be sent\.$/);
    expect(dialog).not.toMatch(/are told by DM/);
    expect(removeConfirmDialog(m, 'Hive Works').text.text).toMatch(/told by DM \(unless .*deactivated\)\.$/);
  });

  it('asks before leaving', () => {
    const message = leaveConfirmMessage(LONG_ORG, 'admin');
    expect(limitsBroken(message.blocks)).toEqual([]);
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Button[];
    expect(buttons.map((b) => b.action_id)).toEqual([MEMBER_ACTIONS.leave, MEMBER_ACTIONS.cancel]);
    expect(buttons[0]?.confirm).toBeDefined();
  });
});
