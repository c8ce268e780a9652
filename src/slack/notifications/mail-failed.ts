/**
 * Tells the inviting Admin in Slack that an invitation mail was given up on. The one place the mail outbox reaches
 * Slack: a direct `chat.postMessage` to the Admin's user id (a DM from the app) today, to be re-pointed at a
 * durable Slack delivery outbox without changing its callers.
 */
import type { WebClient } from '@slack/web-api';
import type { MailFailure } from '../../mail/outbox-worker.js';
import { mailFailedMessage } from '../blocks/invites.js';

/**
 * Builds the `onFailed` hook of the mail outbox worker.
 * @param client the app's Web API client (a function: Bolt's `app.client` exists only once the app is built)
 * @returns a function that DMs `failure.notifySlackUserId` (nothing when it is null); throws the Web API's error
 *   (the worker logs it and keeps the mail's state)
 */
export function mailFailedNotifier(client: () => WebClient): (failure: MailFailure) => Promise<void> {
  return async (failure) => {
    if (!failure.notifySlackUserId) return;
    await client().chat.postMessage({ channel: failure.notifySlackUserId, ...mailFailedMessage(failure) });
  };
}
