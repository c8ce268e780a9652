/**
 * The App Home tab, rendered for one Slack user from the database (no payload needed): what a queued `home`
 * delivery publishes with `views.publish`.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { View } from '@slack/types';
import type { Actor } from '../../domain/actor.js';
import { Member } from '../../domain/members/member.entity.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import type { Services } from '../../domain/services.js';
import { type HomeContent, homeView } from '../home/home.blocks.js';

/** Requests shown on an Admin's Home tab at most. */
export const HOME_REQUESTS_LIMIT = 10;

/** What the Home tab shows `actor`. */
export async function homeContent(services: Services, actor: Actor): Promise<HomeContent> {
  if (!actor.organization) return { kind: 'no_organization' };
  if (actor.foreignWorkspace) return { kind: 'foreign_workspace' };
  if (!actor.member) return { kind: 'non_member', organizationName: actor.organization.name };
  const overview = await services.organizations.overview(actor);
  if (actor.member.role !== 'admin') return { kind: 'member', overview };
  const { items, total } = await services.invitations.pendingRequests(actor, HOME_REQUESTS_LIMIT);
  return { kind: 'admin', overview, requests: items, requestTotal: total };
}

/**
 * The actor a Home tab is rendered for: the organization and the user's membership as stored now.
 * @returns null when the organization no longer exists
 */
export async function homeActor(
  em: EntityManager,
  organizationId: string,
  slackUserId: string,
): Promise<Actor | null> {
  const organization = await em.findOne(Organization, organizationId, { refresh: true });
  if (!organization) return null;
  const member = await em.findOne(Member, { organization, slackUserId }, { refresh: true });
  return { slackTeamId: organization.slackTeamId, slackUserId, organization, member };
}

/** The Home view for `actor`. */
export async function renderHome(services: Services, actor: Actor): Promise<View> {
  return homeView(await homeContent(services, actor));
}
