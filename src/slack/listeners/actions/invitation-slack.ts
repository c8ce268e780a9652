/**
 * The Slack side of invitations, shared by commands, buttons and modals: the invitee's DM, the copies of a request
 * posted for the Admins, their update once decided, and the requester's DM. Slack failures here never undo the
 * decision (already committed, and the mail is in the outbox): they are logged and the rest carries on.
 */
import type { WebClient } from '@slack/web-api';
import type { Invitation } from '../../../domain/invitations/invitation.entity.js';
import type { Services } from '../../../domain/services.js';
import type { Logger } from '../../../logger.js';
import {
  approvalDecidedMessage,
  approvalRequestMessage,
  requesterOutcomeMessage,
} from '../../blocks/approval.js';
import { inviteeClosedMessage, inviteeMessage } from '../../blocks/invitation.js';

/** What these helpers need from a listener's arguments. */
export interface SlackSide {
  client: WebClient;
  services: Services;
  log: Logger;
}

/** The Slack error code of a failed Web API call, when it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * After an invitation is sent (or resent): when the invited email belongs to a user of this Slack workspace
 * (`users.lookupByEmail`, or the user invited by mention), DMs them the invitation with Accept / Decline, and
 * records the message so it can be updated later.
 */
export async function notifyInvitee(
  side: SlackSide,
  invitation: Invitation,
  organizationName: string,
): Promise<void> {
  const { client, services, log } = side;
  try {
    let userId = invitation.inviteeSlackUserId;
    if (!userId) {
      try {
        const found = await client.users.lookupByEmail({ email: invitation.email });
        userId = found.user?.deleted || found.user?.is_bot ? null : (found.user?.id ?? null);
      } catch (err) {
        if (slackErrorCode(err) !== 'users_not_found') throw err;
      }
      if (!userId) return;
      await services.invitations.linkInvitee(invitation.id, userId);
      invitation.inviteeSlackUserId = userId;
    }
    const posted = await client.chat.postMessage({
      channel: userId,
      ...inviteeMessage(invitation, organizationName),
    });
    if (posted.channel && posted.ts) {
      await services.invitations.recordMessage(invitation.id, 'invitee', posted.channel, posted.ts);
    }
  } catch (err) {
    log.warn(
      { err, invitationId: invitation.id },
      'could not DM the invitee in Slack (the email still goes out)',
    );
  }
}

/**
 * Posts a Member's request for the Admins: to the approvals channel when one is set (falling back to DMs when the
 * bot cannot post there), else to each Admin by DM. Each copy is recorded; if the request was decided while the
 * copies were being posted, they are brought up to date at once.
 * @returns where it went, for the requester ("<#C…>" or "the admins")
 */
export async function postApprovalRequest(
  side: SlackSide,
  invitation: Invitation,
  organization: { id: string; approvalsChannelId: string | null },
): Promise<string> {
  const { client, services, log } = side;
  const message = approvalRequestMessage(invitation);
  const post = async (channel: string): Promise<boolean> => {
    try {
      const posted = await client.chat.postMessage({ channel, ...message });
      if (posted.channel && posted.ts) {
        await services.invitations.recordMessage(invitation.id, 'approval', posted.channel, posted.ts);
      }
      return true;
    } catch (err) {
      log.warn({ err, channel, invitationId: invitation.id }, 'could not post an invitation request');
      return false;
    }
  };
  let where = 'the admins';
  if (organization.approvalsChannelId && (await post(organization.approvalsChannelId))) {
    where = `<#${organization.approvalsChannelId}>`;
  } else {
    for (const adminId of await services.invitations.adminSlackUserIds(organization.id)) await post(adminId);
  }
  const now = await services.invitations.get(invitation.id);
  if (now && now.status !== 'requested') await refreshCopies(side, now.id);
  return where;
}

/**
 * Updates every recorded copy of a request (`chat.update`) to show the outcome and who decided, and the invitee's
 * DM once the invitation is closed.
 */
export async function refreshCopies(side: SlackSide, invitationId: string): Promise<void> {
  const { client, services, log } = side;
  const invitation = await services.invitations.get(invitationId);
  if (!invitation) return;
  if (invitation.status !== 'requested') {
    const decided = approvalDecidedMessage(invitation);
    for (const copy of await services.invitations.messagesOf(invitationId, 'approval')) {
      try {
        await client.chat.update({ channel: copy.channelId, ts: copy.ts, ...decided });
      } catch (err) {
        log.warn({ err, channel: copy.channelId, invitationId }, 'could not update a copy of a request');
      }
    }
  }
  if (!invitation.isOpen) {
    const closed = inviteeClosedMessage(invitation, invitation.organization.name);
    for (const dm of await services.invitations.messagesOf(invitationId, 'invitee')) {
      try {
        await client.chat.update({ channel: dm.channelId, ts: dm.ts, ...closed });
      } catch (err) {
        log.warn({ err, channel: dm.channelId, invitationId }, 'could not update the invitee DM');
      }
    }
  }
}

/** Tells the requester, by DM, what the Admins decided. */
export async function tellRequester(side: SlackSide, invitation: Invitation): Promise<void> {
  if (!invitation.inviterSlackUserId) return;
  try {
    await side.client.chat.postMessage({
      channel: invitation.inviterSlackUserId,
      ...requesterOutcomeMessage(invitation),
    });
  } catch (err) {
    side.log.warn({ err, invitationId: invitation.id }, 'could not tell the requester the outcome');
  }
}
