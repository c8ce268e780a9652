import type { KnownBlock } from '@slack/types';
import type { Member } from '../../domain/members/member.entity.js';
import type { Page } from '../../domain/members/members.service.js';
import { escapeMrkdwn } from '../text.js';
import { type SlackMessage, section } from './common.js';

/** action_id of the page buttons under the members list; `value` is the page number to show. */
export const MEMBERS_PAGE_ACTION = 'members_page';

function memberLine(m: Member): string {
  const who = m.slackUserId ? `<@${m.slackUserId}>` : escapeMrkdwn(m.email);
  const email = m.slackUserId ? ` · ${escapeMrkdwn(m.email)}` : '';
  return `${who}${email} — *${m.role === 'admin' ? 'Admin' : 'Member'}*`;
}

/**
 * One page of `/org members`: a header line, one line per member, and Previous/Next buttons. Members are grouped in
 * sections of ten lines, so a page of 20 takes at most 5 blocks.
 */
export function membersMessage(page: Page<Member>, organizationName: string): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      `*Team of ${escapeMrkdwn(organizationName)}* — ${page.total} member${page.total === 1 ? '' : 's'}` +
        (page.pageCount > 1 ? ` · page ${page.page} of ${page.pageCount}` : ''),
    ),
  ];
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
  if (page.pageCount > 1) {
    const buttons = [];
    if (page.page > 1) {
      buttons.push({
        type: 'button' as const,
        action_id: `${MEMBERS_PAGE_ACTION}_prev`,
        text: { type: 'plain_text' as const, text: '← Previous' },
        value: String(page.page - 1),
      });
    }
    if (page.page < page.pageCount) {
      buttons.push({
        type: 'button' as const,
        action_id: `${MEMBERS_PAGE_ACTION}_next`,
        text: { type: 'plain_text' as const, text: 'Next →' },
        value: String(page.page + 1),
      });
    }
    blocks.push({ type: 'actions', block_id: 'members_pager', elements: buttons });
  }
  return { text: `Team of ${organizationName}: ${page.total} members`, blocks };
}
