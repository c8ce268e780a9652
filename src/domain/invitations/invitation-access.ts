import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, type MemberActor, requireAdmin } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { type AdminOperation, NotFoundError } from '../errors.js';
import { Invitation } from './invitation.entity.js';

/**
 * An invitation of the caller's organization, read through `em`.
 * @throws NotFoundError (`invitation_not_found`) for an unknown id or one of another organization
 */
export async function findInOrg(
  em: EntityManager,
  me: MemberActor,
  invitationId: string,
): Promise<Invitation> {
  const inv = await em.findOne(Invitation, { id: invitationId, organization: me.organization.id });
  if (!inv) throw new NotFoundError('invitation_not_found', {});
  return inv;
}

/**
 * An Admin's change to one invitation of their organization (approve, deny, resend, revoke): the caller is checked
 * an Admin before and again inside a transaction on `em` (their row locked), the invitation read in it, then
 * `change` runs there with the moment of the request (`clock`).
 * @throws NotAuthorizedError for a Member; NotFoundError for an unknown id; what `change` throws
 */
export async function changeAsAdmin(
  em: EntityManager,
  clock: Clock,
  actor: Actor,
  operation: AdminOperation,
  invitationId: string,
  change: (em: EntityManager, inv: Invitation, by: MemberActor, now: Date) => Promise<Invitation>,
): Promise<Invitation> {
  const me = requireAdmin(actor, operation);
  const now = clock.now();
  return em.transactional(async (tx) => {
    await lockAdmin(tx, actor, operation);
    return change(tx, await findInOrg(tx, me, invitationId), me, now);
  });
}
