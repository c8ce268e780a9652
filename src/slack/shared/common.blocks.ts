import type { Button, ConfirmationDialog, InputBlock, KnownBlock, SectionBlock, View } from '@slack/types';
import { truncateText } from '../../domain/graphemes.js';
import type { Page } from '../../domain/members/members.service.js';
import { sanitizeMrkdwn } from './text.js';

/** Slack's limits that the builders keep to (Block Kit reference, "Blocks" and "Composition objects"). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  buttonText: 75,
  optionText: 75,
  staticSelectOptions: 100,
  privateMetadata: 3000,
  headerText: 150,
  contextElements: 10,
} as const;

/** A Slack message: `text` is the notification/fallback text, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Shortens `text` to at most `max` characters (UTF-16 code units, as Slack counts), cut at a grapheme boundary and
 * ending in an ellipsis when cut (see {@link truncateText}).
 */
export function truncate(text: string, max: number): string {
  return truncateText(text, max);
}

/**
 * {@link truncate} for mrkdwn: a cut never leaves half of one of Slack's entities (`&amp;`, `&lt;`, `&gt;`), which
 * would show as stray text.
 */
export function truncateMrkdwn(text: string, max: number): string {
  const cut = truncate(text, max);
  return cut === text ? cut : cut.replace(/&[a-z]{0,3}…$/, '…');
}

/**
 * A mrkdwn section, made safe ({@link sanitizeMrkdwn}: a placeholder such as `<email>` shows as typed) and truncated
 * to Slack's 3000 characters.
 */
export function section(text: string): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncateMrkdwn(sanitizeMrkdwn(text), LIMITS.sectionText) },
  };
}

/** A one-section message (errors, confirmations); its fallback text is made safe like the section. */
export function plainMessage(text: string): SlackMessage {
  return { text: truncateMrkdwn(sanitizeMrkdwn(text), LIMITS.sectionText), blocks: [section(text)] };
}

/**
 * A time in Slack's date formatting (https://api.slack.com/reference/surfaces/formatting#date-formatting): the token
 * `<!date^seconds^{date_short_pretty} {time}|fallback>`, shown in the reader's time zone, with a UTC fallback
 * (`2026-11-02 09:30 UTC`) for clients that cannot format it. No date (null) reads `never`.
 */
export function slackDate(at: Date | null): string {
  if (!at) return 'never';
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

/**
 * A Block Kit button element, its text cut to Slack's 75 characters.
 * @param value the button's `value` (left out when undefined)
 */
export function button(
  actionId: string,
  text: string,
  value?: string,
  extra: { style?: 'primary' | 'danger'; confirm?: ConfirmationDialog } = {},
): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: false },
    ...(value === undefined ? {} : { value }),
    ...extra,
  };
}

/**
 * A modal view (Block Kit "Modal view") with a submit button and a Cancel button.
 * @param frame `title` (≤ 24 characters) and `submit` (≤ 24) are plain text; `privateMetadata` is opaque, ≤ 3000
 *   characters, never a secret
 */
export function modal(frame: {
  callbackId: string;
  title: string;
  submit: string;
  privateMetadata: string;
  blocks: KnownBlock[];
}): View {
  return {
    type: 'modal',
    callback_id: frame.callbackId,
    title: { type: 'plain_text', text: frame.title },
    submit: { type: 'plain_text', text: frame.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: frame.privateMetadata,
    blocks: frame.blocks,
  };
}

/**
 * An input block holding a `plain_text_input` (Block Kit "Plain-text input element").
 * @param ids the block's `block_id` and the element's `action_id`
 * @param options `maxLength` in UTF-16 code units, as Slack counts; unset options are left out of the payload
 */
export function textInputBlock(
  ids: { blockId: string; actionId: string },
  label: string,
  options: {
    hint?: string;
    optional?: boolean;
    multiline?: boolean;
    maxLength?: number;
    initialValue?: string;
  } = {},
): InputBlock {
  return {
    type: 'input',
    block_id: ids.blockId,
    ...(options.optional ? { optional: true } : {}),
    label: { type: 'plain_text', text: label },
    ...(options.hint === undefined ? {} : { hint: { type: 'plain_text', text: options.hint } }),
    element: {
      type: 'plain_text_input',
      action_id: ids.actionId,
      ...(options.multiline ? { multiline: true } : {}),
      ...(options.initialValue === undefined ? {} : { initial_value: options.initialValue }),
      ...(options.maxLength === undefined ? {} : { max_length: options.maxLength }),
    },
  };
}

/**
 * The first blocks of one page of a list message: the notice (the outcome of the last click), when there is one,
 * then the header line, followed by ` · page <n> of <count>` when there is more than one page, then `after`.
 * @param header mrkdwn, already escaped
 */
export function listHead(
  notice: string | undefined,
  header: string,
  page: Pick<Page<unknown>, 'page' | 'pageCount'>,
  after = '',
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice));
  blocks.push(
    section(header + (page.pageCount > 1 ? ` · page ${page.page} of ${page.pageCount}` : '') + after),
  );
  return blocks;
}
