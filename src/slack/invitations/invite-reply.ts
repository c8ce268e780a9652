/** Shared by `/org invite` and the invite modal's submission: the reply after an invitation or request. */
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import type { InviteOutcome } from '../../domain/invitations/invitations.service.js';
import { inviteResultMessage } from './invitation.blocks.js';

/**
 * The reply to the person who invited, once the invitation or request is committed with its Slack deliveries
 * (the invitee's DM, the copies for the Admins) and the delivery worker has run: the deliveries are durably
 * queued, so the reply may say they are on their way even when Slack asked the app to wait.
 * @param organization where requests go: the approvals channel when set and not known to be failing, else the
 *   Admins' DMs
 */
export function afterInvite(
  outcome: InviteOutcome,
  invitation: Invitation,
  organization: { approvalsChannelId: string | null; approvalsChannelFailingSince: Date | null },
) {
  if (outcome === 'sent') return inviteResultMessage(outcome, invitation, '');
  const channel = organization.approvalsChannelFailingSince ? null : organization.approvalsChannelId;
  const where = channel ? `<#${channel}>` : 'the admins';
  return inviteResultMessage(outcome, invitation, where);
}
