import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from './common.blocks.js';

/** Milliseconds a `response_url` post may take before it is abandoned. */
export const RESPONSE_URL_TIMEOUT_MS = 5000;

/**
 * Posts a message to a `response_url` (https://api.slack.com/interactivity/handling#message_responses).
 * Ephemeral unless `responseType` says otherwise; a URL takes at most 5 posts in 30 minutes.
 * @throws Error when Slack answers with a non-2xx status or the request times out
 */
export async function postToResponseUrl(
  url: string,
  message: SlackMessage,
  options: { responseType?: 'ephemeral' | 'in_channel'; replaceOriginal?: boolean } = {},
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      response_type: options.responseType ?? 'ephemeral',
      replace_original: options.replaceOriginal ?? false,
      text: message.text,
      blocks: message.blocks,
    }),
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

/**
 * Tells one user something privately: through the payload's `response_url` when it has one (ephemeral), else by
 * a direct message from the bot (`chat.postMessage` with the user id as channel).
 */
export async function replyPrivately(
  client: WebClient,
  target: { userId: string; responseUrl?: string | undefined },
  message: SlackMessage,
): Promise<void> {
  if (target.responseUrl) {
    await postToResponseUrl(target.responseUrl, message);
    return;
  }
  await client.chat.postMessage({ channel: target.userId, text: message.text, blocks: message.blocks });
}
