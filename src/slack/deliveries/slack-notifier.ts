/**
 * The Slack side of the domain's notifier ports (`InvitationNotifier`, `MemberNotifier`): each domain event becomes
 * rows of the Slack delivery outbox (`queue.ts`), written in the change's own transaction, which the worker
 * (`worker.ts`) then renders and sends. Which messages an event calls for, where they go and how they are
 * deduplicated is decided here; the posted copies (`invitation_messages`) are this side's own records.
 */
import type { EntityManager } from '@mikro-orm/core';
import type {
  ApprovalsChannelFailing,
  InvitationChange,
  InvitationEvent,
  InvitationNotifier,
  RequestCopyRefused,
} from '../../domain/invitations/ports.js';
import type { MemberNotifier, MemberRemoved, OrganizationRecovered } from '../../domain/members/ports.js';
import {
  queueAdminDms,
  queueApprovalRequest,
  queueDelivery,
  queueInvitationUpdates,
  queueInviteeDm,
  queueRequesterOutcome,
} from './queue.js';

/**
 * Implements both notifier ports with the Slack delivery outbox. Stateless: one instance serves every request.
 * Every method only writes rows in `em`'s unit of work (and reads what decides them: the Admins, deactivated
 * accounts, the posted copies), so the change's commit or rollback decides whether anything is delivered.
 */
export class SlackNotifier implements InvitationNotifier, MemberNotifier {
  /** The invitee's DM with Accept / Decline (to their Slack user, else found by email at delivery). */
  async invitationSent(em: EntityManager, { organization, invitation, now }: InvitationEvent): Promise<void> {
    await queueInviteeDm(em, organization, invitation, now);
  }

  /** The request's copies: one to the approvals channel, else one to each active Admin by DM. */
  async requestMade(em: EntityManager, { organization, invitation, now }: InvitationEvent): Promise<void> {
    await queueApprovalRequest(em, organization, invitation.id, now);
  }

  /**
   * `resent`: the invitee's DM again. Any other change: a `chat.update` of every posted message about the
   * invitation (each coalesced per message); `approved` and `denied` also DM the requester the outcome, and
   * `approved` sends the invitee's DM.
   */
  async invitationChanged(
    em: EntityManager,
    { organization, invitation, change, now }: InvitationEvent & { change: InvitationChange },
  ): Promise<void> {
    if (change === 'resent') {
      await queueInviteeDm(em, organization, invitation, now);
      return;
    }
    await queueInvitationUpdates(em, organization, invitation.id, now);
    if (change === 'approved' || change === 'denied') {
      await queueRequesterOutcome(em, organization, invitation, now);
    }
    if (change === 'approved') await queueInviteeDm(em, organization, invitation, now);
  }

  /** A copy of the request to each active Admin by DM, saying which channel refused it. */
  async requestCopyRefused(em: EntityManager, event: RequestCopyRefused): Promise<void> {
    await queueAdminDms(em, event.organization, 'approval_request', {
      payload: { viaChannel: false, fallbackFrom: event.channelId },
      invitationId: event.invitationId,
      now: event.now,
    });
  }

  /** A DM to each active Admin: the channel, why it fails, and what to do. */
  async approvalsChannelFailing(em: EntityManager, event: ApprovalsChannelFailing): Promise<void> {
    await queueAdminDms(em, event.organization, 'approvals_channel_failing', {
      payload: { channelId: event.channelId, reason: event.reason },
      now: event.now,
    });
  }

  /** The `removal_dm` to a removed member linked to a Slack account not known to be deactivated. */
  async memberRemoved(em: EntityManager, event: MemberRemoved): Promise<string | null> {
    const { organization, member } = event;
    if (!member.slackUserId || event.slackDeactivated) return null;
    return queueDelivery(em, {
      organization,
      kind: 'removal_dm',
      target: member.slackUserId,
      payload: { organizationName: organization.name, removedBy: event.removedBySlackUserId },
      now: event.now,
    }).id;
  }

  /** A `recovery_notice` DM to each Slack user of `tell`. */
  async organizationRecovered(em: EntityManager, event: OrganizationRecovered): Promise<void> {
    const { organization } = event;
    for (const target of event.tell) {
      queueDelivery(em, {
        organization,
        kind: 'recovery_notice',
        target,
        payload: { organizationName: organization.name, recoveredBy: event.recoveredBySlackUserId },
        now: event.now,
      });
    }
  }
}
