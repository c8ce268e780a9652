import type { SlackMessage } from './common.blocks.js';
import { section } from './common.blocks.js';

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
