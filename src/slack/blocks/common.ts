import type { KnownBlock, SectionBlock } from '@slack/types';
import { truncateText } from '../../domain/graphemes.js';
import { sanitizeMrkdwn } from '../text.js';

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
