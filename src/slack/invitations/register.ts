import type { ListenerTables } from '../shared/dispatch.js';
import { APPROVAL_ACTIONS, DENY_VIEW } from './approval.blocks.js';
import { approvalApprove, approvalDeny } from './approval-decide.action.js';
import { approvals } from './approvals.command.js';
import { denySubmission } from './deny.view.js';
import { INVITATION_ACTIONS } from './invitation.blocks.js';
import { invitationManage } from './invitation-manage.action.js';
import { invitationRespond } from './invitation-respond.action.js';
import { invite } from './invite.command.js';
import { inviteSubmission } from './invite.view.js';
import { INVITE_VIEW } from './invite-modal.blocks.js';
import { invites } from './invites.command.js';

/**
 * Invitations and requests: `/org invite` (and its modal), `/org invites` with Resend / Revoke, `/org approvals`,
 * Approve / Deny (and the Deny modal), and the invitee's Accept / Decline.
 */
export function register(tables: ListenerTables): void {
  tables.subcommand('invite', {
    handler: invite,
    help: [
      {
        usage: '/org invite [email or @user] [admin|member] [note or reason]',
        summary:
          "Invite someone (an admin's invitation is sent, with the text after the role as a note for the invitee; a member's goes to the admins for approval, the text as its reason; a form opens without arguments)",
        audience: 'member',
      },
    ],
  });
  tables.view(INVITE_VIEW.callbackId, inviteSubmission);
  tables.subcommand('invites', {
    handler: invites,
    help: [
      {
        usage: '/org invites',
        summary: 'Open invitations and requests, with their mail delivery: approve, deny, resend, revoke',
        audience: 'admin',
      },
    ],
  });
  tables.button(INVITATION_ACTIONS.resend, invitationManage);
  tables.button(INVITATION_ACTIONS.revoke, invitationManage);
  tables.subcommand('approvals', {
    handler: approvals,
    help: [
      {
        usage: '/org approvals [#channel|dm]',
        summary: 'Where invitation requests go (default: a DM to each admin)',
        audience: 'admin',
      },
    ],
  });
  tables.button(APPROVAL_ACTIONS.approve, approvalApprove);
  tables.button(APPROVAL_ACTIONS.deny, approvalDeny);
  tables.view(DENY_VIEW.callbackId, denySubmission);
  tables.button(INVITATION_ACTIONS.accept, invitationRespond);
  tables.button(INVITATION_ACTIONS.decline, invitationRespond);
}
