import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../../domain/actor.js';
import type { Services } from '../../../domain/services.js';
import { type HomeContent, homeView } from '../../blocks/home.js';
import type { OrgContext } from '../../context.js';

/** Requests shown on an Admin's Home tab at most. */
export const HOME_REQUESTS_LIMIT = 10;

/** What the Home tab shows `actor` (a user of another workspace: nothing of the organization). */
export async function homeContent(services: Services, actor: Actor): Promise<HomeContent> {
  if (!actor.organization) return { kind: 'no_organization' };
  if (actor.foreignWorkspace) return { kind: 'foreign_workspace' };
  if (!actor.member) return { kind: 'non_member', organizationName: actor.organization.name };
  const overview = await services.organizations.overview(actor);
  if (actor.member.role !== 'admin') return { kind: 'member', overview };
  const { items, total } = await services.invitations.pendingRequests(actor, HOME_REQUESTS_LIMIT);
  return { kind: 'admin', overview, requests: items, requestTotal: total };
}

/** Publishes the Home tab for `actor` (`views.publish`; the whole tab is replaced, so publishing twice is harmless). */
export async function publishHome(client: WebClient, services: Services, actor: Actor): Promise<void> {
  await client.views.publish({
    user_id: actor.slackUserId,
    view: homeView(await homeContent(services, actor)),
  });
}

/**
 * `app_home_opened` (Home tab): publishes the tab for the user. Its only side effect is `views.publish`, which
 * replaces the tab whole, so an Events API retry (`X-Slack-Retry-Num`) or a duplicate delivery publishes the same
 * view again and changes nothing else; no deduplication by `event_id` is needed here.
 */
export async function appHomeOpened({
  event,
  client,
  context,
}: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  if (event.tab !== 'home') return;
  await publishHome(client, context.services, await context.actor());
}
