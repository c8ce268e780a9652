/**
 * How each kind of queued Slack delivery (`slack-delivery.entity.ts`) is rendered and sent: the Block Kit comes from
 * the features' pure builders (src/slack/<feature>/*.blocks.ts), rendered from the records as they are at
 * delivery, so a request copy posted after its decision already shows the outcome. Every kind makes one Web API call, so a retry never repeats
 * a call that succeeded.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { WebClient } from '@slack/web-api';
import { Invitation, type InvitationStatus } from '../../domain/invitations/invitation.entity.js';
import { Member } from '../../domain/members/member.entity.js';
import { isHomeTeam } from '../../domain/members/slack-account.js';
import type { Organization } from '../../domain/organizations/organization.entity.js';
import type { Services } from '../../domain/services.js';
import type { Logger } from '../../logger.js';
import {
  approvalDecidedMessage,
  approvalRequestMessage,
  approvalsChannelFailingMessage,
  requesterOutcomeMessage,
} from '../invitations/approval.blocks.js';
import { inviteeClosedMessage, inviteeMessage } from '../invitations/invitation.blocks.js';
import { mailFailedMessage } from '../invitations/invites.blocks.js';
import { type LeakNotice, adminNotice as leakAdminNotice } from '../leaks/leaks.blocks.js';
import { removedNotice } from '../members/member-messages.blocks.js';
import { recoveryNotice } from '../members/recovery.blocks.js';
import { renderNudge } from '../nudges/nudge-delivery.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import { homeActor, renderHome } from './home.js';
import { InvitationMessage, type InvitationMessagePurpose } from './invitation-message.entity.js';
import { queueMessageUpdate } from './queue.js';
import type { SlackDelivery } from './slack-delivery.entity.js';
import { slackErrorCode } from './slack-errors.js';

/** What a kind's `send` works with: one unit of work for the row's reads, and the worker's Web API client. */
export interface SendContext {
  client: WebClient;
  em: EntityManager;
  services: Services;
  log: Logger;
  /** The domain clock's time at this attempt (a nudge whose moment has passed is not sent). */
  now: Date;
}

/** A delivered post: where it went, and what state of its invitation it showed (to bring it up to date later). */
export interface Sent {
  channelId?: string;
  ts?: string;
  /** For posts about an invitation: the status rendered, and why the message was posted. */
  invitation?: { id: string; status: InvitationStatus; purpose: InvitationMessagePurpose };
}

/** What `send` did: delivered, or skipped on purpose (with why). Failures are thrown (the Web API's errors). */
export type SendOutcome = { sent: Sent } | { skipped: string };

/** One kind of delivery. */
export interface DeliveryKind {
  /** The Web API method it calls (a 429 on it pauses the other rows of that method until Retry-After). */
  method: 'chat.postMessage' | 'chat.update' | 'views.publish';
  send(row: SlackDelivery, ctx: SendContext): Promise<SendOutcome>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A `leak_notice` payload's outcome (an unknown value reads as `disabled`, the default action's). */
function leakOutcome(v: unknown): LeakNotice['outcome'] {
  return v === 'already_disabled' || v === 'secret_voided' || v === 'revoked' ? v : 'disabled';
}

async function invitationOf(ctx: SendContext, row: SlackDelivery): Promise<Invitation | null> {
  if (!row.invitationId) return null;
  return ctx.em.findOne(Invitation, row.invitationId, { populate: ['organization'], refresh: true });
}

/** How many members of the delivery's organization linked to `slackUserId` also match `where`. */
function countMembers(
  ctx: SendContext,
  row: SlackDelivery,
  slackUserId: string,
  where: { role?: 'admin'; slackDeactivatedAt: null | { $ne: null } },
): Promise<number> {
  return ctx.em.count(Member, { organization: row.organization.id, slackUserId, ...where });
}

/** Why a DM to `slackUserId` must not go out: their account is recorded deactivated. */
async function deactivated(
  ctx: SendContext,
  row: SlackDelivery,
  slackUserId: string,
): Promise<string | null> {
  const n = await countMembers(ctx, row, slackUserId, { slackDeactivatedAt: { $ne: null } });
  return n > 0 ? 'skipped: the Slack account is deactivated' : null;
}

/** Why a DM meant for an Admin must not go out: they are no longer an active Admin. */
async function notActiveAdmin(
  ctx: SendContext,
  row: SlackDelivery,
  slackUserId: string,
): Promise<string | null> {
  const n = await countMembers(ctx, row, slackUserId, { role: 'admin', slackDeactivatedAt: null });
  return n > 0 ? null : 'skipped: no longer an active Admin (left, demoted or deactivated)';
}

async function post(ctx: SendContext, channel: string, message: SlackMessage): Promise<Sent> {
  const posted = await ctx.client.chat.postMessage({ channel, ...message });
  return {
    ...(posted.channel ? { channelId: posted.channel } : {}),
    ...(posted.ts ? { ts: posted.ts } : {}),
  };
}

/** A plain DM to a member who must not be deactivated. */
function dmKind(render: (row: SlackDelivery) => SlackMessage, adminOnly = false): DeliveryKind {
  return {
    method: 'chat.postMessage',
    async send(row, ctx) {
      const target = row.target;
      if (!target) return { skipped: 'skipped: no recipient' };
      const refusal = adminOnly
        ? await notActiveAdmin(ctx, row, target)
        : await deactivated(ctx, row, target);
      if (refusal) return { skipped: refusal };
      return { sent: await post(ctx, target, render(row)) };
    },
  };
}

const approvalRequest: DeliveryKind = {
  method: 'chat.postMessage',
  async send(row, ctx) {
    const inv = await invitationOf(ctx, row);
    if (!inv || !row.target) return { skipped: 'skipped: the invitation no longer exists' };
    if (!row.payload.viaChannel) {
      const refusal = await notActiveAdmin(ctx, row, row.target);
      if (refusal) return { skipped: refusal };
    }
    const message = inv.status === 'requested' ? approvalRequestMessage(inv) : approvalDecidedMessage(inv);
    const sent = await post(ctx, row.target, message);
    return { sent: { ...sent, invitation: { id: inv.id, status: inv.status, purpose: 'approval' } } };
  },
};

const inviteeDm: DeliveryKind = {
  method: 'chat.postMessage',
  async send(row, ctx) {
    const inv = await invitationOf(ctx, row);
    if (!inv) return { skipped: 'skipped: the invitation no longer exists' };
    if (inv.status !== 'pending')
      return { skipped: `skipped: the invitation was ${inv.status} before its DM went out` };
    let userId = row.target ?? inv.inviteeSlackUserId;
    if (!userId) {
      try {
        const found = await ctx.client.users.lookupByEmail({ email: inv.email });
        const user = found.user;
        // Only a user of the organization's own workspace (or enterprise) is DMed: never a Slack Connect partner.
        const enterprise = (user as { enterprise_user?: { enterprise_id?: string } } | undefined)
          ?.enterprise_user;
        const home =
          isHomeTeam(inv.organization, user?.team_id) ||
          isHomeTeam(inv.organization, enterprise?.enterprise_id);
        userId = !home || user?.deleted || user?.is_bot ? null : (user?.id ?? null);
      } catch (err) {
        if (slackErrorCode(err) !== 'users_not_found') throw err;
      }
      if (!userId) return { skipped: 'skipped: no active Slack user of this workspace has that email' };
      await ctx.services.invitations.linkInvitee(inv.id, userId);
    }
    const refusal = await deactivated(ctx, row, userId);
    if (refusal) return { skipped: refusal };
    const sent = await post(ctx, userId, inviteeMessage(inv, inv.organization.name));
    return { sent: { ...sent, invitation: { id: inv.id, status: inv.status, purpose: 'invitee' } } };
  },
};

const messageUpdate: DeliveryKind = {
  method: 'chat.update',
  async send(row, ctx) {
    const inv = await invitationOf(ctx, row);
    const ts = str(row.payload.ts);
    if (!inv || !row.target || !ts) return { skipped: 'skipped: the invitation no longer exists' };
    let message: SlackMessage;
    if (row.payload.purpose === 'invitee') {
      if (inv.isOpen) return { skipped: 'skipped: nothing to update (the invitation is still open)' };
      message = inviteeClosedMessage(inv, inv.organization.name);
    } else {
      if (inv.status === 'requested')
        return { skipped: 'skipped: nothing to update (still awaiting a decision)' };
      message = approvalDecidedMessage(inv);
    }
    await ctx.client.chat.update({ channel: row.target, ts, ...message });
    return { sent: { channelId: row.target, ts } };
  },
};

const requesterOutcome: DeliveryKind = {
  method: 'chat.postMessage',
  async send(row, ctx) {
    const inv = await invitationOf(ctx, row);
    if (!inv || !row.target) return { skipped: 'skipped: the invitation no longer exists' };
    const refusal = await deactivated(ctx, row, row.target);
    if (refusal) return { skipped: refusal };
    return { sent: await post(ctx, row.target, requesterOutcomeMessage(inv)) };
  },
};

const home: DeliveryKind = {
  method: 'views.publish',
  async send(row, ctx) {
    const userId = row.target;
    if (!userId) return { skipped: 'skipped: no recipient' };
    const refusal = await deactivated(ctx, row, userId);
    if (refusal) return { skipped: refusal };
    const actor = await homeActor(ctx.em, row.organization.id, userId);
    if (!actor) return { skipped: 'skipped: the organization no longer exists' };
    await ctx.client.views.publish({ user_id: userId, view: await renderHome(ctx.services, actor) });
    return { sent: {} };
  },
};

/** A hygiene nudge to an active Admin, rendered from the records at delivery (skipped when its fact went away). */
const nudge: DeliveryKind = {
  method: 'chat.postMessage',
  async send(row, ctx) {
    const target = row.target;
    if (!target) return { skipped: 'skipped: no recipient' };
    const refusal = await notActiveAdmin(ctx, row, target);
    if (refusal) return { skipped: refusal };
    const rendered = await renderNudge(ctx.em, row.payload, ctx.now);
    if ('skipped' in rendered) return rendered;
    const sent = await post(ctx, target, rendered.message);
    return { sent: rendered.invitation ? { ...sent, invitation: rendered.invitation } : sent };
  },
};

/** Every kind, by name. */
export const DELIVERY_KINDS: Record<SlackDelivery['kind'], DeliveryKind> = {
  approval_request: approvalRequest,
  invitee_dm: inviteeDm,
  message_update: messageUpdate,
  requester_outcome: requesterOutcome,
  removal_dm: dmKind((row) => removedNotice(str(row.payload.organizationName), str(row.payload.removedBy))),
  recovery_notice: dmKind((row) =>
    recoveryNotice(str(row.payload.organizationName), str(row.payload.recoveredBy)),
  ),
  mail_failed: dmKind(
    (row) =>
      mailFailedMessage({
        invitationId: row.invitationId ?? '',
        organizationId: row.organization.id,
        recipient: str(row.payload.recipient),
        notifySlackUserId: row.target,
        reason: str(row.payload.reason),
        permanent: row.payload.permanent === true,
      }),
    true,
  ),
  approvals_channel_failing: dmKind(
    (row) => approvalsChannelFailingMessage(str(row.payload.channelId), str(row.payload.reason)),
    true,
  ),
  home,
  leak_notice: dmKind(
    (row) =>
      leakAdminNotice({
        kind: row.payload.leakKind === 'access_token' ? 'access_token' : 'client_secret',
        clientId: str(row.payload.clientId),
        clientName: str(row.payload.clientName),
        outcome: leakOutcome(row.payload.outcome),
        channelId: str(row.payload.channelId) || null,
        posterId: str(row.payload.posterId) || null,
        fileName: str(row.payload.fileName) || null,
      }),
    true,
  ),
  nudge,
};

/**
 * Records a delivered post about an invitation (so its decision can update it) inside the transaction that marks
 * the row sent; when the invitation changed while the post was on its way, queues the update at once.
 */
export async function recordInvitationPost(
  em: EntityManager,
  organization: Organization,
  sent: Sent,
  now: Date,
): Promise<void> {
  const about = sent.invitation;
  if (!about || !sent.channelId || !sent.ts) return;
  const invitation = em.getReference(Invitation, about.id);
  const message = new InvitationMessage({
    invitation,
    purpose: about.purpose,
    channelId: sent.channelId,
    ts: sent.ts,
    now,
  });
  em.persist(message);
  const current = await em.findOne(Invitation, about.id, { refresh: true });
  if (current && current.status !== about.status) {
    await queueMessageUpdate(em, organization, message, now);
  }
}
