import type { EntityManager } from '@mikro-orm/core';
import type { Actor, Clock } from '../actor.js';
import { Member } from '../members/member.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { queueAdminDms, queueDelivery, queueHome } from './slack-deliveries.js';
import { type DeliveryPayload, SlackDelivery } from './slack-delivery.entity.js';

/** What an Admin is told of an invitation mail given up on; no token, no secret. */
export interface MailFailureNotice {
  invitationId: string;
  organizationId: string;
  /** The invited address, in ASCII form as stored. */
  recipient: string;
  /** The Slack user who invited (or approved the request), when known. */
  notifySlackUserId: string | null;
  /** Why: the server's reply or the last error, one line. */
  reason: string;
  /** True when the server refused the mail for good (a 5yz reply); false when the attempts ran out. */
  permanent: boolean;
}

/**
 * Deliveries that are not part of another service's change (a Home tab to publish, a mail failure to tell), and
 * the state changes the Slack side reports back (a delivery skipped, the approvals channel failing or working
 * again). Each runs in its own transaction.
 */
export class DeliveriesService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues a publish of the caller's Home tab (coalesced per user). Nothing is queued before setup.
   * @returns the delivery's id, or null
   */
  async queueHomeFor(actor: Actor): Promise<string | null> {
    const { organization } = actor;
    if (!organization) return null;
    return this.em.transactional(async (em) => {
      const org = em.getReference(Organization, organization.id);
      return (await queueHome(em, org, actor.slackUserId, this.clock.now())).id;
    });
  }

  /**
   * Queues the DM telling the inviting (or approving) Admin that an invitation mail was given up on — unless they
   * are no longer an active Admin of the organization (left, demoted, or their account deactivated).
   * @returns the delivery's id, or null when nobody is to be told
   */
  async queueMailFailed(failure: MailFailureNotice): Promise<string | null> {
    const target = failure.notifySlackUserId;
    if (!target) return null;
    return this.em.transactional(async (em) => {
      const admin = await em.findOne(Member, {
        organization: failure.organizationId,
        slackUserId: target,
        role: 'admin',
        slackDeactivatedAt: null,
      });
      if (!admin) return null;
      const payload: DeliveryPayload = {
        recipient: failure.recipient,
        reason: failure.reason,
        permanent: failure.permanent,
      };
      return queueDelivery(em, {
        organization: em.getReference(Organization, failure.organizationId),
        kind: 'mail_failed',
        target,
        payload,
        invitationId: failure.invitationId,
        now: this.clock.now(),
      }).id;
    });
  }

  /**
   * Marks a pending, unclaimed delivery skipped (its recipient turned out to be deactivated, say).
   * @returns true when this call skipped it
   */
  async skip(deliveryId: string, reason: string): Promise<boolean> {
    const n = await this.em.nativeUpdate(
      SlackDelivery,
      { id: deliveryId, status: 'pending', lockedUntil: null },
      { status: 'skipped', lastError: reason },
    );
    return n === 1;
  }

  /**
   * A request copy could not be posted to the approvals channel for good (`not_in_channel`, `channel_not_found`,
   * `is_archived`…): the copy goes to each active Admin by DM instead, and when the channel is still the
   * organization's approvals channel and was working until now, it is marked failing and every active Admin is told
   * once what to do.
   * @returns true when the Admins were told now
   */
  async approvalsChannelFailed(input: {
    organizationId: string;
    channelId: string;
    invitationId: string | null;
    reason: string;
  }): Promise<boolean> {
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      const org = await em.findOneOrFail(Organization, input.organizationId);
      if (input.invitationId) {
        await queueAdminDms(em, org, 'approval_request', {
          payload: { viaChannel: false, fallbackFrom: input.channelId },
          invitationId: input.invitationId,
          now,
        });
      }
      if (org.approvalsChannelId !== input.channelId || org.approvalsChannelFailingSince) return false;
      org.approvalsChannelFailingSince = now;
      await queueAdminDms(em, org, 'approvals_channel_failing', {
        payload: { channelId: input.channelId, reason: input.reason },
        now,
      });
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
