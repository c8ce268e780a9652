/**
 * The fixed answers of the Slack edge (src/slack/edge): what a user is told when a payload is refused before any
 * listener runs, and the bodies of those acknowledgements.
 */
import type { ModalView } from '@slack/types';
import { plainMessage, type SlackMessage } from '../shared/common.blocks.js';

/** Told (privately) to a user who clicked a button or chose an option that this app no longer handles. */
export const BUTTON_OUT_OF_DATE: SlackMessage = plainMessage(
  'This button is out of date: it belongs to a message from an earlier version of this app. Nothing was done. ' +
    'Run the command again (`/org help` lists them) to get a fresh message.',
);

/** Told to a user whose click carried text that cannot be stored (NUL and other control characters). */
export const BUTTON_VALUE_REFUSED: SlackMessage = plainMessage(
  'This button carries characters that cannot be stored (control characters such as NUL). Nothing was done. ' +
    'Run the command again to get a fresh message.',
);

/** The inline error under a modal field whose value holds NUL, another control character or a broken character. */
export const FIELD_TEXT_REFUSED =
  'This field contains characters that cannot be stored (control characters such as NUL). Remove them and submit again.';

/**
 * The acknowledgement of a slash command whose text holds NUL, another control character or a broken character:
 * shown to the caller alone (`response_type: 'ephemeral'`), and nothing runs.
 */
export const COMMAND_TEXT_REFUSED = {
  response_type: 'ephemeral',
  text:
    'Your command contains characters that cannot be stored (control characters such as NUL), so nothing was ' +
    'done. Type it again without them.',
} as const;

/**
 * Longest slash command text accepted, in UTF-16 code units: Slack's own limit on a message's text (40,000
 * characters, docs.slack.dev/reference/methods/chat.postMessage#truncating), far above any `/org` command (an
 * invitation note, the longest argument, is at most 4,000). Bounding it bounds the work a command can cause.
 */
export const MAX_COMMAND_TEXT_LENGTH = 40_000;

/** The acknowledgement of a slash command whose text is longer than {@link MAX_COMMAND_TEXT_LENGTH}. */
export const COMMAND_TEXT_TOO_LONG = {
  response_type: 'ephemeral',
  text: `Your command is longer than ${MAX_COMMAND_TEXT_LENGTH.toLocaleString('en-US')} characters, so nothing was done.`,
} as const;

/** The acknowledgement of a slash command this app does not serve (only its manifest's commands reach it). */
export function unknownCommandAck(command: string): { response_type: 'ephemeral'; text: string } {
  const shown = [...command].slice(0, 32).join('');
  return {
    response_type: 'ephemeral',
    text: `\`${shown}\` is not a command of this app. Try \`/org help\`.`,
  };
}

/**
 * The acknowledgement of a modal submission this app no longer handles (its `callback_id` is unknown): the modal
 * is replaced by one that says so (`response_action: 'update'`, docs.slack.dev/surfaces/modals#updating_response).
 */
export const VIEW_OUT_OF_DATE_ACK: { response_action: 'update'; view: ModalView } = {
  response_action: 'update',
  view: {
    type: 'modal',
    title: { type: 'plain_text', text: 'Out of date' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            'This form belongs to an earlier version of this app, and nothing was saved. ' +
            'Run the command again (`/org help` lists them) to open a fresh one.',
        },
      },
    ],
  },
};

/** The JSON body of a 4xx answer from the edge: a code and a message naming what was wrong. */
export function edgeError(error: string, message: string): { error: string; message: string } {
  return { error, message };
}
