import type { EntityManager } from '@mikro-orm/core';
import { normalizeEmail } from '../email.js';
import {
  ActiveAdminExistsError,
  ForeignWorkspaceError,
  LastAdminError,
  MemberNotFoundError,
  type PersonRef,
  UnknownSlackUserError,
} from '../errors.js';
import type { Organization } from '../organizations/organization.entity.js';
import { Member, type Role } from './member.entity.js';
import { isHomeUser, type ProfileLookup, type SlackProfile } from './slack-account.js';

/**
 * Names a member: by Slack user, by email (compared lower-cased), or by member id (from a button or select built by
 * us).
 */
export type MemberReference = { slackUserId: string } | { email: string } | { memberId: string };

/** A member as the front ends show it (a snapshot; no live entity leaves a transaction). */
export interface MemberSummary {
  id: string;
  email: string;
  slackUserId: string | null;
  role: Role;
}

/** The snapshot of `m` the front ends get. */
export function summary(m: Member): MemberSummary {
  return { id: m.id, email: m.email, slackUserId: m.slackUserId, role: m.role };
}

/** How a message names a member: their mention when linked, else their email. */
export function nameOf(m: Pick<Member, 'email' | 'slackUserId'>): PersonRef {
  return { slackUserId: m.slackUserId ?? null, email: m.email };
}

/** What a `users.info` answer says of an account: deactivated also when Slack no longer knows the user. */
export function deactivated(profile: SlackProfile | null): boolean {
  return profile === null || profile.deleted;
}

/** Throws ActiveAdminExistsError while `organization` has an Admin whose Slack account is active (read in `em`). */
export async function assertNoActiveAdmin(em: EntityManager, organization: Organization): Promise<void> {
  const active = await em.find(
    Member,
    { organization, role: 'admin', slackDeactivatedAt: null },
    { orderBy: { email: 'asc' }, limit: 3, refresh: true },
  );
  if (active.length === 0) return;
  throw new ActiveAdminExistsError({ organizationName: organization.name, admins: active.map(nameOf) });
}

/**
 * Throws LastAdminError unless `organization` keeps an active Admin once `leaving` (an Admin) steps down: at least
 * one other Admin whose Slack account is not known to be deactivated (counted in `em`).
 * @param change what is refused: demoting, removing or the leaving of `leaving`
 */
export async function assertNotLastAdmin(
  em: EntityManager,
  organization: Organization,
  leaving: Pick<Member, 'id' | 'email' | 'slackUserId'>,
  change: 'demote' | 'remove' | 'leave',
): Promise<void> {
  const others = { organization, role: 'admin' as const, id: { $ne: leaving.id } };
  const active = await em.count(Member, { ...others, slackDeactivatedAt: null });
  if (active > 0) return;
  const inactive = await em.count(Member, others);
  throw new LastAdminError({
    organizationName: organization.name,
    member: nameOf(leaving),
    change,
    othersDeactivated: inactive > 0,
  });
}

/**
 * Finds the member `ref` names in `organization`, read fresh through `em`. A Slack user not linked yet is matched
 * by their profile's email (`lookup`, `users.info`) against unlinked members, when they are a user of the
 * organization's own workspace.
 * @throws MemberNotFoundError when no one on the team matches; UnknownSlackUserError / ForeignWorkspaceError for a
 *   mention of a user Slack does not know or of another workspace
 */
export async function findMember(
  em: EntityManager,
  organization: Organization,
  ref: MemberReference,
  lookup?: ProfileLookup,
): Promise<Member> {
  const team = organization.name;
  if ('memberId' in ref) {
    const found = await em.findOne(Member, { id: ref.memberId, organization }, { refresh: true });
    if (!found) throw new MemberNotFoundError('member_gone', { organizationName: team });
    return found;
  }
  if ('email' in ref) {
    const email = normalizeEmail(ref.email);
    const found = await em.findOne(Member, { organization, email }, { refresh: true });
    if (!found) throw new MemberNotFoundError('member_email_not_found', { email, organizationName: team });
    return found;
  }
  const linked = await em.findOne(Member, { organization, slackUserId: ref.slackUserId }, { refresh: true });
  if (linked) return linked;
  const profile = lookup ? await lookup(ref.slackUserId) : undefined;
  if (profile === null) {
    throw new UnknownSlackUserError(ref.slackUserId);
  }
  if (profile && !isHomeUser(organization, profile)) {
    throw new ForeignWorkspaceError('slack_user_foreign', {
      slackUserId: ref.slackUserId,
      organizationName: team,
    });
  }
  const email = profile?.email ? normalizeEmail(profile.email) : undefined;
  if (email) {
    const unlinked = await em.findOne(Member, { organization, email, slackUserId: null }, { refresh: true });
    if (unlinked) return unlinked;
  }
  throw new MemberNotFoundError('slack_user_not_member', {
    slackUserId: ref.slackUserId,
    organizationName: team,
  });
}
