import type { ConfirmationDialog, KnownBlock, PlainTextOption, SectionBlock } from '@slack/types';
import { displayEmail } from '../../domain/email.js';
import { type Role, roleLabel } from '../../domain/members/member.entity.js';
import type { MemberSummary, Page } from '../../domain/members/members.service.js';
import { button, LIMITS, listHead, type SlackMessage, section, truncate } from '../shared/common.blocks.js';
import { pager } from '../shared/paging.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** action_id prefix of the page buttons under the members list (`_prev`, `_next`); `value` is the page to show. */
export const MEMBERS_PAGE_ACTION = 'members_page';

/** action_ids of the controls on member rows and in the confirm steps of `/org remove` and `/org leave`. */
export const MEMBER_ACTIONS = {
  /** static_select on an Admin's row; the row's member and page ride in the section's block_id. */
  role: 'member_role',
  /** Remove button (with a confirm dialog); `value` is an encoded {@link MemberRowRef}. */
  remove: 'member_remove',
  /** Leave button of `/org leave`'s confirm step. */
  leave: 'member_leave',
  /** Cancel button of both confirm steps. */
  cancel: 'member_cancel',
} as const;

/** Prefix of the block_id of a member row's section (the role select's block). */
export const MEMBER_ROW_BLOCK = 'member_row';

/** Slack's limits on a confirm dialog (Block Kit "Confirmation dialog object"). */
export const CONFIRM_LIMITS = { title: 100, text: 300, button: 30 } as const;

/** Which member a control acts on, and the list page it was shown on (null: not on a list, e.g. a confirm step). */
export interface MemberRowRef {
  memberId: string;
  page: number | null;
}

/** Encodes a {@link MemberRowRef} as `<page or 0>:<member id>` (a button value or a block_id suffix). */
export function encodeMemberRef(ref: MemberRowRef): string {
  return `${ref.page ?? 0}:${ref.memberId}`;
}

/** Decodes {@link encodeMemberRef}'s form; null when malformed (a forged or foreign payload). */
export function decodeMemberRef(text: string | undefined): MemberRowRef | null {
  const m = /^(\d{1,6}):([\w-]{1,64})$/.exec(text ?? '');
  if (!m?.[1] || !m[2]) return null;
  const page = Number(m[1]);
  return { memberId: m[2], page: page > 0 ? page : null };
}

/** How a message names a member: their mention when linked (Slack shows the name), else their email. */
export function memberName(m: Pick<MemberSummary, 'email' | 'slackUserId'>): string {
  return m.slackUserId ? `<@${m.slackUserId}>` : escapeMrkdwn(displayEmail(m.email));
}

/** A plain_text object cut to `max` characters. */
function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: false };
}

/**
 * A Slack `confirm` dialog (Block Kit "Confirmation dialog object"), within its limits.
 * @param text plain text, cut to 300 characters
 */
export function confirmDialog(title: string, text: string, confirm: string): ConfirmationDialog {
  return {
    title: plain(title, CONFIRM_LIMITS.title),
    text: plain(text, CONFIRM_LIMITS.text),
    confirm: plain(confirm, CONFIRM_LIMITS.button),
    deny: plain('Cancel', CONFIRM_LIMITS.button),
    style: 'danger',
  };
}

function memberLine(m: MemberSummary): string {
  const email = m.slackUserId ? ` · ${escapeMrkdwn(displayEmail(m.email))}` : '';
  return `${memberName(m)}${email} — *${roleLabel(m.role)}*`;
}

function roleOption(role: Role): PlainTextOption {
  return { text: plain(roleLabel(role), LIMITS.optionText), value: role };
}

/** An Admin's view of one row: the line with a role select, then Remove (not on the Admin's own row). */
function adminRow(m: MemberSummary, page: number, organizationName: string, viewerId: string): KnownBlock[] {
  const ref = encodeMemberRef({ memberId: m.id, page });
  const row: SectionBlock = {
    type: 'section',
    block_id: `${MEMBER_ROW_BLOCK}:${ref}`,
    text: {
      type: 'mrkdwn',
      text: truncate(memberLine(m) + (m.id === viewerId ? ' (you)' : ''), LIMITS.sectionText),
    },
    accessory: {
      type: 'static_select',
      action_id: MEMBER_ACTIONS.role,
      placeholder: plain('Role', LIMITS.optionText),
      options: [roleOption('admin'), roleOption('member')],
      initial_option: roleOption(m.role),
    },
  };
  if (m.id === viewerId) return [row];
  return [
    row,
    {
      type: 'actions',
      block_id: `member_actions:${ref}`,
      elements: [
        button(MEMBER_ACTIONS.remove, 'Remove', ref, {
          style: 'danger',
          confirm: removeConfirmDialog(m, organizationName),
        }),
      ],
    },
  ];
}

/**
 * The confirm dialog of a Remove button.
 * @param deactivated whether the member's Slack account is deactivated (no DM is sent then); undefined when not
 *   looked up (the rows of `/org members`), and the dialog says the DM depends on it
 */
export function removeConfirmDialog(
  m: MemberSummary,
  organizationName: string,
  deactivated?: boolean,
): ConfirmationDialog {
  const after = !m.slackUserId
    ? '. They have not used AstroBee in Slack yet, so no DM reaches them.'
    : deactivated === true
      ? '. Their Slack account is deactivated, so no DM will be sent.'
      : deactivated === false
        ? ' and are told by DM.'
        : ' and are told by DM (unless their Slack account is deactivated).';
  return confirmDialog(
    'Remove member?',
    `Remove ${displayEmail(m.email)} (${roleLabel(m.role)}) from ${organizationName}? They lose access at once${after}`,
    'Remove',
  );
}

/** Who is looking at the list: Admins get controls on each row. */
export interface MembersViewer {
  memberId: string;
  role: Role;
}

/**
 * One page of `/org members`: an optional notice (the outcome of the last click), a header line, the rows, and
 * Previous/Next buttons. A Member sees plain lines, ten to a section. An Admin sees each row as a section with a
 * role select (Admin / Member, the current role selected) followed by an actions block with a Remove button that
 * asks for confirmation; the page sizes of the service keep this within 50 blocks (two per row plus three).
 */
export function membersMessage(
  page: Page<MemberSummary>,
  organizationName: string,
  viewer?: MembersViewer,
  notice?: string,
): SlackMessage {
  const blocks = listHead(
    notice,
    `*Team of ${escapeMrkdwn(organizationName)}* — ${page.total} member${page.total === 1 ? '' : 's'}`,
    page,
  );
  if (viewer?.role === 'admin') {
    for (const m of page.items) blocks.push(...adminRow(m, page.page, organizationName, viewer.memberId));
  } else {
    for (let i = 0; i < page.items.length; i += 10) {
      blocks.push(
        section(
          page.items
            .slice(i, i + 10)
            .map(memberLine)
            .join('\n'),
        ),
      );
    }
  }
  blocks.push(...pager(MEMBERS_PAGE_ACTION, 'members_pager', page));
  const summaryText = `Team of ${organizationName}: ${page.total} member${page.total === 1 ? '' : 's'}`;
  return { text: truncate(notice ? `${notice} · ${summaryText}` : summaryText, LIMITS.sectionText), blocks };
}
