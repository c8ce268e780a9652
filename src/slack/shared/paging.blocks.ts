import type { ActionsBlock, Button } from '@slack/types';
import type { Page } from '../../domain/members/members.service.js';
import { button, type SlackMessage, section } from './common.blocks.js';

/**
 * What to say when a page past the last one was asked for (lists clamp the page into range), or null when the page
 * shown is the one asked for.
 * @param requested the page asked for (1-based)
 * @param shown the page a list's `list(…)` returned, with its `pageCount`
 */
export function pageNotice(requested: number, shown: { page: number; pageCount: number }): string | null {
  if (requested === shown.page) return null;
  const only = shown.pageCount === 1 ? 'There is only 1 page' : `There are only ${shown.pageCount} pages`;
  return `${only}; showing page ${shown.page}.`;
}

/**
 * `message` with the {@link pageNotice} (if any) as its first block and at the start of its notification text, so
 * `/org members 3` on a two-page list says it shows page 2 rather than doing so silently.
 */
export function withPageNotice(
  message: SlackMessage,
  requested: number,
  shown: { page: number; pageCount: number },
): SlackMessage {
  const notice = pageNotice(requested, shown);
  if (!notice) return message;
  return { text: `${notice} ${message.text}`, blocks: [section(notice), ...message.blocks] };
}

/**
 * Previous / Next buttons for a paged list, or nothing when there is one page.
 * @param actionPrefix the buttons' action_ids are `<prefix>_prev` and `<prefix>_next`; `value` is the page to show
 */
export function pager(
  actionPrefix: string,
  blockId: string,
  page: Pick<Page<unknown>, 'page' | 'pageCount'>,
): ActionsBlock[] {
  if (page.pageCount <= 1) return [];
  const buttons: Button[] = [];
  if (page.page > 1) buttons.push(button(`${actionPrefix}_prev`, '← Previous', String(page.page - 1)));
  if (page.page < page.pageCount)
    buttons.push(button(`${actionPrefix}_next`, 'Next →', String(page.page + 1)));
  return [{ type: 'actions', block_id: blockId, elements: buttons }];
}
