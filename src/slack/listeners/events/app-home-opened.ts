import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { OrgContext } from '../../context.js';

/**
 * `app_home_opened` (Home tab): queues a publish of the user's tab (coalesced per user: the latest wins) and runs
 * the delivery worker, so a rate-limited `views.publish` is retried rather than lost. The tab is replaced whole, so
 * an Events API retry (`X-Slack-Retry-Num`) or a duplicate delivery publishes the same view again and changes
 * nothing else; no deduplication by `event_id` is needed here.
 */
export async function appHomeOpened({
  event,
  context,
}: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  if (event.tab !== 'home') return;
  if (await context.services.deliveries.queueHomeFor(await context.actor())) await context.deliver();
}
