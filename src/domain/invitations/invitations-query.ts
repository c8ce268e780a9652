import type { EntityManager } from '@mikro-orm/core';
import { requireAdmin } from '../access.js';
import type { Actor } from '../actor.js';
import type { Organization } from '../organizations/organization.entity.js';
import { Invitation, type InvitationStatus, OPEN_STATUSES } from './invitation.entity.js';
import type { InvitationLifecycle } from './invitation-lifecycle.js';
import type { InvitationOutbox, MailDelivery } from './ports.js';
import { hashInvitationToken, INVITATION_TOKEN_PATTERN } from './token.js';

/** Rows shown by `/org invites` at most (each takes two blocks of a 50-block message). */
export const INVITES_LIST_LIMIT = 20;

/** One row of `/org invites`: an open invitation and the state of its latest mail. */
export interface OpenInvitation {
  invitation: Invitation;
  delivery: MailDelivery | null;
}

/** Statuses shown in words. */
export const STATUS_LABELS: Record<InvitationStatus, string> = {
  requested: 'awaiting approval',
  pending: 'sent',
  accepted: 'accepted',
  declined: 'declined',
  revoked: 'revoked',
  expired: 'expired',
  denied: 'denied',
};

/**
 * Reading invitations: the open ones and the requests waiting (an Admin's lists, expiry applied first), one by id
 * or by its link's token. Nothing here changes an invitation but expiry,
 * which goes through the {@link InvitationLifecycle}.
 */
export class InvitationsQuery {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: InvitationOutbox,
    private readonly lifecycle: InvitationLifecycle,
  ) {}

  /**
   * Open invitations and requests of the actor's organization, newest first (at most {@link INVITES_LIST_LIMIT}),
   * with the state of each one's latest mail; `total` counts them all. Expiry is applied first.
   * @throws NotAuthorizedError for a Member
   */
  async listOpen(actor: Actor): Promise<{ rows: OpenInvitation[]; total: number }> {
    const me = requireAdmin(actor, 'see open invitations');
    await this.lifecycle.expireDue(me.organization.id);
    const where = { organization: me.organization.id, status: { $in: [...OPEN_STATUSES] } };
    const [invitations, total] = await this.em.findAndCount(Invitation, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: INVITES_LIST_LIMIT,
    });
    const deliveries = await this.outbox.latestDeliveries(
      this.em,
      invitations.map((i) => i.id),
    );
    const rows = invitations.map((invitation) => ({
      invitation,
      delivery: deliveries.get(invitation.id) ?? null,
    }));
    return { rows, total };
  }

  /**
   * Requests waiting for an Admin (App Home), newest first, at most `limit`.
   * @throws NotAuthorizedError for a Member
   */
  async pendingRequests(actor: Actor, limit = 10): Promise<{ items: Invitation[]; total: number }> {
    const me = requireAdmin(actor, 'see invitation requests');
    await this.lifecycle.expireDue(me.organization.id);
    const [items, total] = await this.em.findAndCount(
      Invitation,
      { organization: me.organization.id, status: 'requested' },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit },
    );
    return { items, total };
  }

  /**
   * The invitation a link's token names, for the invitation page. Expiry is applied first (an expired invitation
   * is closed, with its audit event).
   * @returns null for a malformed or unknown token (also once the invitation was resent or revoked)
   */
  async findByToken(token: string): Promise<{ invitation: Invitation; organization: Organization } | null> {
    if (!INVITATION_TOKEN_PATTERN.test(token)) return null;
    const inv = await this.em.findOne(
      Invitation,
      { tokenHash: hashInvitationToken(token) },
      { populate: ['organization'] },
    );
    if (!inv) return null;
    await this.lifecycle.expireIfDue(inv);
    return { invitation: inv, organization: inv.organization };
  }

  /** An invitation by id, with its organization loaded (for rendering messages about it). */
  async get(invitationId: string): Promise<Invitation | null> {
    return this.em.findOne(Invitation, invitationId, { populate: ['organization'], refresh: true });
  }
}
