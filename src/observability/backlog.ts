/**
 * Reads the outboxes' backlogs for the metrics: the mail outbox (`queued` and `retrying` rows) and the Slack
 * delivery outbox (`pending` rows). Both filters lead with `status`, which the `(status, next_attempt_at)` index of
 * each table serves; the rows counted are the backlog itself, which a healthy app keeps small.
 */
import type { Orm } from '../db/orm.js';
import { OutboxMail } from '../mail/outbox.entity.js';
import { SlackDelivery } from '../slack/deliveries/slack-delivery.entity.js';
import type { Backlogs } from './metrics.js';

/**
 * @returns a reader of both backlogs (four statements, each on its own EntityManager fork)
 * @throws (the reader rejects) when the database does not answer
 */
export function outboxBacklogs(orm: Orm): () => Promise<Backlogs> {
  return async () => {
    const mailWhere = { status: { $in: ['queued', 'retrying'] } } as const;
    const slackWhere = { status: 'pending' } as const;
    const em = orm.em.fork();
    const [mailPending, mailOldest, slackPending, slackOldest] = await Promise.all([
      em.fork().count(OutboxMail, mailWhere),
      em.fork().findOne(OutboxMail, mailWhere, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] }),
      em.fork().count(SlackDelivery, slackWhere),
      em.fork().findOne(SlackDelivery, slackWhere, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] }),
    ]);
    return {
      mail: { pending: mailPending, oldestCreatedAt: mailOldest?.createdAt ?? null },
      slack: { pending: slackPending, oldestCreatedAt: slackOldest?.createdAt ?? null },
    };
  };
}
