/**
 * Tells the inviting Admin in Slack that an invitation mail was given up on: the one place the mail outbox reaches
 * Slack. The DM is queued in the Slack delivery outbox (src/slack/deliveries), so a rate limit or a short outage
 * does not lose it, and it is not queued for an Admin who left, was demoted or whose account is deactivated.
 */
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import type { MailFailure } from '../../mail/outbox-worker.js';
import { SlackDeliveries } from '../deliveries/deliveries.js';

/**
 * Builds the `onFailed` hook of the mail outbox worker.
 * @param deps `deliver` runs the Slack delivery worker (after the row is queued)
 * @returns a function that queues a DM to `failure.notifySlackUserId` (nothing when it is null or no longer an
 *   active Admin); throws the database's error (the worker logs it and keeps the mail's state)
 */
export function mailFailedNotifier(deps: {
  orm: Orm;
  clock: Clock;
  deliver: () => Promise<void>;
}): (failure: MailFailure) => Promise<void> {
  return async (failure) => {
    const queued = await new SlackDeliveries(deps.orm.em.fork(), deps.clock).queueMailFailed(failure);
    if (queued) await deps.deliver();
  };
}
