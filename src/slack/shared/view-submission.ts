import type { ViewOutput } from '@slack/bolt';
import { type SlackRefusal, slackRefusal } from '../error-texts.js';
import type { ViewSubmissionArgs } from './listener-types.js';

/** The text typed into a `plain_text_input` of a submitted view; `''` when the block or the value is missing. */
export function inputValue(view: ViewOutput, input: { blockId: string; actionId: string }): string {
  return view.state.values[input.blockId]?.[input.actionId]?.value ?? '';
}

/**
 * Runs the change a modal submits, answering the `view_submission` as Slack expects
 * (docs.slack.dev/surfaces/modals#handling_submissions): a refusal in Slack's words that `blockOf` places shows as
 * an inline error under that input block (`response_action: 'errors'`) and changes nothing; success closes the
 * modal (an empty ack). Any other error closes the modal too and is rethrown (for the error handler to tell the user).
 * @param blockOf the input block a refusal belongs under, or undefined when it belongs under none
 * @returns the change's result, or `{ refused }` once the inline error is shown
 */
export async function submitOrShowErrors<T>(
  ack: ViewSubmissionArgs['ack'],
  change: () => Promise<T>,
  blockOf: (refusal: SlackRefusal) => string | undefined,
): Promise<{ done: T } | { refused: SlackRefusal }> {
  let done: T;
  try {
    done = await change();
  } catch (err) {
    const refused = slackRefusal(err);
    const block = refused && blockOf(refused);
    if (refused && block !== undefined) {
      await ack({ response_action: 'errors', errors: { [block]: refused.text } });
      return { refused };
    }
    await ack();
    throw err;
  }
  await ack();
  return { done };
}
