import type { EntityManager } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/core';
import type { Actor } from './actor.js';
import {
  type AdminOperation,
  ForeignWorkspaceError,
  NoOrganizationError,
  NotAMemberError,
  NotAuthorizedError,
} from './errors.js';
import { Member } from './members/member.entity.js';
import { Organization } from './organizations/organization.entity.js';

/** An actor known to be a member of an organization. */
export interface MemberActor extends Actor {
  organization: Organization;
  member: Member;
}

/**
 * Checks that the actor belongs to the workspace's organization, as resolved at the start of the request. Enough
 * for reads; every change re-checks inside its transaction with {@link lockMember} or {@link lockAdmin}.
 * @throws NoOrganizationError before setup; ForeignWorkspaceError for a user of another Slack workspace;
 *   NotAMemberError for a non-member
 */
export function requireMember(actor: Actor): MemberActor {
  if (!actor.organization) throw new NoOrganizationError();
  if (actor.foreignWorkspace) throw ForeignWorkspaceError.acting();
  if (!actor.member) throw new NotAMemberError(actor.organization.name);
  return { ...actor, organization: actor.organization, member: actor.member };
}

/**
 * Checks that the actor is an Admin of the workspace's organization, as resolved at the start of the request (a
 * quick refusal before any work; the authoritative check of a change is {@link lockAdmin}).
 * @param what the operation, for the message ("rename the organization")
 * @throws as {@link requireMember}; NotAuthorizedError for a Member
 */
export function requireAdmin(actor: Actor, what: AdminOperation): MemberActor {
  const member = requireMember(actor);
  if (member.member.role !== 'admin') throw new NotAuthorizedError('admin_only', { operation: what });
  return member;
}

/**
 * Locks the caller's organization, then the caller's membership row, in the transaction of `em`, and returns the
 * row as committed now. Call it as the first statement of a change's transaction (`em.transactional`), so the role
 * checked is the one the change commits under: a demotion or removal committed before this point is seen, and none
 * can commit between this point and the change's commit.
 *
 * The organization's row comes first (`SELECT … FOR UPDATE` on PostgreSQL; MikroORM leaves the lock out on SQLite,
 * where the write below takes the database's one writer lock): every change of one organization's members, roles
 * and settings queues behind the one before it, across instances. Without it, two Admins demoting each other on
 * two instances would each lock their own row and then wait for the other's — a deadlock PostgreSQL breaks by
 * failing one of them with an error instead of the plain "only admins can" answer.
 *
 * The lock is a no-op write on the row through the ORM (`em.nativeUpdate` setting the primary key to its own
 * value: `UPDATE members SET id = ? WHERE id = ?`, no column changes, no `updated_at`): on SQLite a write as the
 * first statement turns the deferred transaction into a write transaction at once (the database's single writer
 * lock, as `BEGIN IMMEDIATE` would), and on PostgreSQL the same statement takes the row's lock (as `SELECT … FOR
 * UPDATE` does, which the read that follows also asks for). A foreign key's ON UPDATE action does not fire, since
 * the key's value does not change; on PostgreSQL, writing the key column makes it a FOR UPDATE row lock (not FOR NO
 * KEY UPDATE), so another transaction inserting a row that references this member waits for the commit.
 *
 * @param em the EntityManager of the open transaction
 * @returns the caller's member row, freshly read
 * @throws NoOrganizationError / NotAMemberError (also when the caller was removed meanwhile)
 */
export async function lockMember(em: EntityManager, actor: Actor): Promise<MemberActor> {
  const resolved = requireMember(actor);
  const { organization } = resolved;
  await em.findOne(Organization, { id: organization.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  // A write of the row onto itself (its key set to its own value): the lock, with no change.
  await em.nativeUpdate(Member, { id: resolved.member.id }, { id: resolved.member.id });
  const member = await em.findOne(
    Member,
    { id: resolved.member.id, organization: organization.id },
    { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (!member) throw new NotAMemberError(organization.name);
  return { ...actor, organization, member };
}

/**
 * {@link lockMember}, and the caller must be an Admin in the row as committed. Every admin-only change calls it
 * first inside its transaction: a role seen when the request arrived may be stale by the time of the write.
 * @param what the operation, for the message ("rename the organization")
 * @throws as {@link lockMember}; NotAuthorizedError when the caller is (now) a Member
 */
export async function lockAdmin(em: EntityManager, actor: Actor, what: AdminOperation): Promise<MemberActor> {
  requireAdmin(actor, what);
  const locked = await lockMember(em, actor);
  if (locked.member.role !== 'admin') throw new NotAuthorizedError('admin_only', { operation: what });
  return locked;
}
