import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { OrgContext } from '../context.js';
import { homeView } from './home.blocks.js';

/**
 * `app_home_opened` (Home tab): queues a publish of the user's tab (coalesced per user: the latest wins) and runs
 * the delivery worker, so a rate-limited `views.publish` is retried rather than lost. Before setup there is no
 * organization to queue for: the "how to set up" tab is published directly (the next opening publishes it again);
 * so is the tab of a user of another workspace, which shows nothing of the organization.
 * Copies of one delivery (an Events API retry, `X-Slack-Retry-Num`) are dropped before they get here, on whichever
 * instance they arrive (src/slack/event-receipts.ts); and the tab is replaced whole, so one that slips through (the
 * receipts could not be reached) publishes the same view again and changes nothing else.
 */
export async function appHomeOpened({
  event,
  client,
  context,
}: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  if (event.tab !== 'home') return;
  const actor = await context.actor();
  if (actor.organization && actor.foreignWorkspace) {
    await client.views.publish({ user_id: actor.slackUserId, view: homeView({ kind: 'foreign_workspace' }) });
    return;
  }
  if (await context.services.deliveries.queueHomeFor(actor)) {
    await context.deliver();
    return;
  }
  await client.views.publish({ user_id: actor.slackUserId, view: homeView({ kind: 'no_organization' }) });
}
