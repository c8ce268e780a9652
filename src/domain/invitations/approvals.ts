import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, requireAdmin } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { InvitationClosedError } from '../errors.js';
import { Organization } from '../organizations/organization.entity.js';
import { parseInput } from '../validation.js';
import type { Invitation } from './invitation.entity.js';
import { changeAsAdmin, findInOrg } from './invitation-access.js';
import { Reason } from './invitation-input.js';
import { decided, type InvitationLifecycle } from './invitation-lifecycle.js';
import type { InvitationNotifier } from './ports.js';

/**
 * Approval routing (DESIGN.md §3): where a Member's requests go (a channel, or a DM to each Admin — the
 * {@link InvitationLifecycle} tells the notifier of each request, and the Slack side posts its copies), whether that
 * channel is failing, and an Admin's decision on one. Each decision is a conditional update, so of two Admins
 * clicking at once exactly one wins.
 */
export class InvitationApprovals {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly lifecycle: InvitationLifecycle,
    private readonly notifier: InvitationNotifier,
  ) {}

  /**
   * Approves a Member's request: the invitation is sent (token, expiry renewed, outbox row).
   * @throws InvitationClosedError ("already approved by …") when it was decided before; NotAuthorizedError for a
   *   Member; NotFoundError for an unknown id
   */
  async approve(actor: Actor, invitationId: string): Promise<Invitation> {
    return changeAsAdmin(
      this.em,
      this.clock,
      actor,
      'approve invitation requests',
      invitationId,
      (em, inv, me, now) => this.lifecycle.approve(em, inv, me, now),
    );
  }

  /**
   * Denies a Member's request (final), with an optional reason told to the requester.
   * @throws as {@link approve}; InvalidInputError (field `reason`)
   */
  async deny(actor: Actor, invitationId: string, reasonText?: string | null): Promise<Invitation> {
    requireAdmin(actor, 'deny invitation requests');
    const reason = parseInput(Reason, reasonText ?? '', 'reason');
    return changeAsAdmin(
      this.em,
      this.clock,
      actor,
      'deny invitation requests',
      invitationId,
      (em, inv, me, now) => this.lifecycle.deny(em, inv, me, reason, now),
    );
  }

  /**
   * Checks that a request can still be decided by this actor (before opening the Deny modal).
   * @throws as {@link approve}
   */
  async requireOpenRequest(actor: Actor, invitationId: string): Promise<Invitation> {
    const me = requireAdmin(actor, 'deny invitation requests');
    const inv = await findInOrg(this.em, me, invitationId);
    if (inv.status !== 'requested') throw new InvitationClosedError(decided(inv));
    return inv;
  }

  /**
   * Sets where Members' requests go: a Slack channel id, or null for a DM to each Admin
   * (`organization.approvals_channel_set`). A channel that was failing is given a fresh start.
   * @returns the previous channel id (or null)
   * @throws NotAuthorizedError for a Member
   */
  async setApprovalsChannel(actor: Actor, channelId: string | null): Promise<string | null> {
    const me = requireAdmin(actor, 'choose where invitation requests go');
    const now = this.clock.now();
    const previous = me.organization.approvalsChannelId;
    await this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'choose where invitation requests go');
      const org = await em.findOneOrFail(Organization, me.organization.id);
      org.approvalsChannelId = channelId;
      org.approvalsChannelFailingSince = null;
      org.updatedAt = now;
      recordAudit(em, {
        organization: org,
        actor: me,
        action: 'organization.approvals_channel_set',
        targetType: 'organization',
        targetId: org.id,
        details: { from: previous, to: channelId },
        at: now,
      });
    });
    me.organization.approvalsChannelId = channelId;
    return previous;
  }

  /**
   * A request's copy could not be posted to the approvals channel for good (`not_in_channel`, `channel_not_found`,
   * `is_archived`…), in one transaction: the copy goes to each active Admin by DM instead (when `invitationId` is
   * given), and when the channel is still the organization's approvals channel and was working until now, it is
   * marked failing and every active Admin is told once what to do.
   * @param input `reason`: the refusal's code
   * @returns true when the Admins were told now
   */
  async approvalsChannelFailed(input: {
    organizationId: string;
    channelId: string;
    invitationId: string | null;
    reason: string;
  }): Promise<boolean> {
    const now = this.clock.now();
    const { channelId } = input;
    return this.em.transactional(async (em) => {
      const organization = await em.findOneOrFail(Organization, input.organizationId);
      if (input.invitationId) {
        await this.notifier.requestCopyRefused(em, {
          organization,
          invitationId: input.invitationId,
          channelId,
          now,
        });
      }
      if (organization.approvalsChannelId !== channelId || organization.approvalsChannelFailingSince)
        return false;
      organization.approvalsChannelFailingSince = now;
      await this.notifier.approvalsChannelFailing(em, { organization, channelId, reason: input.reason, now });
      return true;
    });
  }

  /** A post to the approvals channel succeeded: it is no longer marked failing. */
  async approvalsChannelWorked(organizationId: string, channelId: string): Promise<void> {
    await this.em.nativeUpdate(
      Organization,
      { id: organizationId, approvalsChannelId: channelId, approvalsChannelFailingSince: { $ne: null } },
      { approvalsChannelFailingSince: null },
    );
  }
}
