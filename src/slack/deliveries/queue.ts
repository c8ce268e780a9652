/**
 * Writing the Slack delivery outbox: the messages and views a change promises are written as {@link SlackDelivery}
 * rows through these functions, inside the change's own transaction (pass the transaction's EntityManager), so a
 * committed change always has its deliveries and a rolled-back one has none. The worker (`worker.ts`) renders and
 * delivers them (`kinds.ts`). A target is a Slack user or conversation id.
 */
import { type EntityManager, LockMode } from '@mikro-orm/core';
import { Member } from '../../domain/members/member.entity.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import { InvitationMessage } from './invitation-message.entity.js';
import {
  type DeliveryInit,
  type DeliveryPayload,
  SlackDelivery,
  type SlackDeliveryKind,
} from './slack-delivery.entity.js';

/** Queues one delivery (persisted with the transaction's flush). */
export function queueDelivery(em: EntityManager, init: DeliveryInit): SlackDelivery {
  const row = new SlackDelivery(init);
  em.persist(row);
  return row;
}

/**
 * Queues a delivery that coalesces with a pending, unclaimed one of the same `dedupeKey` (the latest payload
 * wins, as for a Home tab that is replaced whole); a row already being delivered is left alone and a new one is
 * queued after it (claims take one key's rows one at a time, oldest first, and skip a row a newer one supersedes:
 * `src/db/outbox-claims.ts`). Call it inside a transaction: the organization's row is locked first (`SELECT … FOR UPDATE` on
 * PostgreSQL; SQLite's one writer needs nothing), so two payloads coalescing at once on two connections or two
 * instances queue one row, not two.
 */
export async function queueCoalesced(
  em: EntityManager,
  init: DeliveryInit & { dedupeKey: string },
): Promise<SlackDelivery> {
  await em.findOne(
    Organization,
    { id: init.organization.id },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  const waiting = await em.findOne(SlackDelivery, {
    dedupeKey: init.dedupeKey,
    status: 'pending',
    lockedUntil: null,
  });
  if (waiting) {
    waiting.payload = init.payload ?? {};
    waiting.target = init.target;
    return waiting;
  }
  return queueDelivery(em, init);
}

/**
 * The Slack user ids of the organization's Admins who are linked to Slack and whose account is not known to be
 * deactivated, in email order.
 */
export async function activeAdminSlackUserIds(em: EntityManager, organizationId: string): Promise<string[]> {
  const admins = await em.find(
    Member,
    { organization: organizationId, role: 'admin', slackUserId: { $ne: null }, slackDeactivatedAt: null },
    { orderBy: { email: 'asc' } },
  );
  return admins.flatMap((a) => (a.slackUserId ? [a.slackUserId] : []));
}

/**
 * True when `slackUserId` is a member of the organization whose Slack account is recorded deactivated: such a
 * person is never messaged.
 */
export async function isDeactivatedMember(
  em: EntityManager,
  organizationId: string,
  slackUserId: string,
): Promise<boolean> {
  return (
    (await em.count(Member, {
      organization: organizationId,
      slackUserId,
      slackDeactivatedAt: { $ne: null },
    })) > 0
  );
}

/**
 * Queues a DM of `kind` to each active Admin (see {@link activeAdminSlackUserIds}).
 * @returns how many were queued
 */
export async function queueAdminDms(
  em: EntityManager,
  organization: Organization,
  kind: SlackDeliveryKind,
  init: { payload?: DeliveryPayload; invitationId?: string | null; now: Date },
): Promise<number> {
  const admins = await activeAdminSlackUserIds(em, organization.id);
  for (const adminId of admins) queueDelivery(em, { organization, kind, target: adminId, ...init });
  return admins.length;
}

/**
 * Queues the copies of a Member's request for the Admins: one to the approvals channel when one is set (the worker
 * falls back to the Admins' DMs should the channel refuse it), else one to each active Admin by DM.
 */
export async function queueApprovalRequest(
  em: EntityManager,
  organization: Organization,
  invitationId: string,
  now: Date,
): Promise<void> {
  const channel = organization.approvalsChannelId;
  if (channel) {
    queueDelivery(em, {
      organization,
      kind: 'approval_request',
      target: channel,
      payload: { viaChannel: true },
      invitationId,
      now,
    });
    return;
  }
  await queueAdminDms(em, organization, 'approval_request', {
    payload: { viaChannel: false },
    invitationId,
    now,
  });
}

/**
 * Queues a `chat.update` of every posted message about an invitation (the request copies and the invitee's DM),
 * each coalesced per message. A copy whose post is still queued needs none: posts render the invitation as it is
 * when they are delivered.
 */
export async function queueInvitationUpdates(
  em: EntityManager,
  organization: Organization,
  invitationId: string,
  now: Date,
): Promise<number> {
  const posted = await em.find(
    InvitationMessage,
    { invitation: invitationId },
    { orderBy: { createdAt: 'asc' } },
  );
  for (const message of posted) {
    await queueMessageUpdate(em, organization, message, now);
  }
  return posted.length;
}

/** Queues a `chat.update` of one posted message about an invitation, coalesced per message. */
export async function queueMessageUpdate(
  em: EntityManager,
  organization: Organization,
  message: Pick<InvitationMessage, 'channelId' | 'ts' | 'purpose'> & { invitation: { id: string } },
  now: Date,
): Promise<SlackDelivery> {
  return queueCoalesced(em, {
    organization,
    kind: 'message_update',
    target: message.channelId,
    payload: { ts: message.ts, purpose: message.purpose },
    invitationId: message.invitation.id,
    dedupeKey: `update:${message.channelId}:${message.ts}`,
    now,
  });
}

/**
 * Queues the invitee's DM with Accept / Decline: to `inviteeSlackUserId` when known, else found by email at
 * delivery. Not queued for a member whose account is recorded deactivated.
 */
export async function queueInviteeDm(
  em: EntityManager,
  organization: Organization,
  invitation: { id: string; inviteeSlackUserId: string | null },
  now: Date,
): Promise<SlackDelivery | null> {
  const target = invitation.inviteeSlackUserId;
  if (target && (await isDeactivatedMember(em, organization.id, target))) return null;
  return queueDelivery(em, { organization, kind: 'invitee_dm', target, invitationId: invitation.id, now });
}

/** Queues the requester's DM with the Admins' decision, unless their account is recorded deactivated. */
export async function queueRequesterOutcome(
  em: EntityManager,
  organization: Organization,
  invitation: { id: string; inviterSlackUserId: string | null },
  now: Date,
): Promise<SlackDelivery | null> {
  const target = invitation.inviterSlackUserId;
  if (!target || (await isDeactivatedMember(em, organization.id, target))) return null;
  return queueDelivery(em, {
    organization,
    kind: 'requester_outcome',
    target,
    invitationId: invitation.id,
    now,
  });
}

/** Queues a publish of `slackUserId`'s Home tab, coalesced per user (the tab is replaced whole: latest wins). */
export async function queueHome(
  em: EntityManager,
  organization: Organization,
  slackUserId: string,
  now: Date,
): Promise<SlackDelivery> {
  return queueCoalesced(em, {
    organization,
    kind: 'home',
    target: slackUserId,
    dedupeKey: `home:${organization.id}:${slackUserId}`,
    now,
  });
}
