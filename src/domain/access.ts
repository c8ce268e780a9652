import type { Actor } from './actor.js';
import { ForeignWorkspaceError, NoOrganizationError, NotAMemberError, NotAuthorizedError } from './errors.js';
import type { Member } from './members/member.entity.js';
import type { Organization } from './organizations/organization.entity.js';

/** An actor known to be a member of an organization. */
export interface MemberActor extends Actor {
  organization: Organization;
  member: Member;
}

/**
 * Checks that the actor belongs to the workspace's organization.
 * @throws NoOrganizationError before setup; ForeignWorkspaceError for a user of another Slack workspace;
 *   NotAMemberError for a non-member
 */
export function requireMember(actor: Actor): MemberActor {
  if (!actor.organization) throw new NoOrganizationError();
  if (actor.foreignWorkspace) throw ForeignWorkspaceError.acting(actor.organization.name);
  if (!actor.member) throw new NotAMemberError(actor.organization.name);
  return { ...actor, organization: actor.organization, member: actor.member };
}

/**
 * Checks that the actor is an Admin of the workspace's organization.
 * @param what the operation, for the message ("rename the organization")
 * @throws as {@link requireMember}; NotAuthorizedError for a Member
 */
export function requireAdmin(actor: Actor, what: string): MemberActor {
  const member = requireMember(actor);
  if (member.member.role !== 'admin') throw new NotAuthorizedError(`Only admins can ${what}.`);
  return member;
}
