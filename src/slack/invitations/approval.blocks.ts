import type { KnownBlock, View } from '@slack/types';
import { displayEmail } from '../../domain/email.js';
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import { MAX_REASON_LENGTH } from '../../domain/invitations/invitations.service.js';
import { roleLabel } from '../../domain/members/member.entity.js';
import {
  button,
  modal,
  plainMessage,
  type SlackMessage,
  section,
  textInputBlock,
} from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';
import { inviterText } from './invitation.blocks.js';

/** action_ids of the Approve / Deny buttons on a request; `value` is the invitation id. */
export const APPROVAL_ACTIONS = { approve: 'approval_approve', deny: 'approval_deny' } as const;

/** callback_id of the Deny modal and its reason input. */
export const DENY_VIEW = {
  callbackId: 'deny_submit',
  reason: { blockId: 'reason', actionId: 'reason_input' },
} as const;

/** The one line that describes a request: who asked to invite whom, and why. */
export function requestLine(inv: Invitation): string {
  const reason = inv.reason ? `\n>${escapeMrkdwn(inv.reason).replace(/\n/g, '\n>')}` : '';
  return `${inviterText(inv)} asks to invite *${escapeMrkdwn(displayEmail(inv.email))}* as a ${roleLabel(inv.role)}.${reason}`;
}

/** The Approve / Deny buttons of one request. */
export function approvalButtons(inv: Invitation): KnownBlock {
  return {
    type: 'actions',
    block_id: `approval_${inv.id}`,
    elements: [
      button(APPROVAL_ACTIONS.approve, 'Approve', inv.id, { style: 'primary' }),
      button(APPROVAL_ACTIONS.deny, 'Deny', inv.id, { style: 'danger' }),
    ],
  };
}

/** A request as posted to the approvals channel or to each Admin's DM. */
export function approvalRequestMessage(inv: Invitation): SlackMessage {
  return {
    text: `Invitation request: ${escapeMrkdwn(displayEmail(inv.email))}`,
    blocks: [section(`:inbox_tray: *Invitation request*\n${requestLine(inv)}`), approvalButtons(inv)],
  };
}

/** Every copy of a request once decided: the outcome and who decided, no buttons. */
export function approvalDecidedMessage(inv: Invitation): SlackMessage {
  const who = inv.decidedBySlackUserId ? `<@${inv.decidedBySlackUserId}>` : 'an admin';
  const outcome =
    inv.status === 'pending' || inv.status === 'accepted' || inv.status === 'declined'
      ? `:white_check_mark: Approved by ${who}`
      : inv.status === 'denied'
        ? `:no_entry: Denied by ${who}${inv.denyReason ? `: ${escapeMrkdwn(inv.denyReason)}` : ''}`
        : inv.status === 'revoked'
          ? `:wastebasket: Revoked by ${who}`
          : ':hourglass: Expired';
  return {
    text: `Invitation request for ${escapeMrkdwn(displayEmail(inv.email))}: ${outcome.replace(/^:[a-z_]+: /, '')}`,
    blocks: [section(`*Invitation request*\n${requestLine(inv)}`), section(outcome)],
  };
}

/** The DM telling the requester what the admins decided. */
export function requesterOutcomeMessage(inv: Invitation): SlackMessage {
  const email = escapeMrkdwn(displayEmail(inv.email));
  const who = inv.decidedBySlackUserId ? `<@${inv.decidedBySlackUserId}>` : 'An admin';
  if (inv.status === 'denied') {
    return plainMessage(
      `:no_entry: ${who} denied your request to invite *${email}*.` +
        (inv.denyReason ? ` Reason: ${escapeMrkdwn(inv.denyReason)}` : ''),
    );
  }
  return plainMessage(
    `:white_check_mark: ${who} approved your request: the invitation to *${email}* is on its way.`,
  );
}

/**
 * The Deny modal: an optional reason told to the requester.
 * @param privateMetadata carries the invitation id (and where the click came from)
 */
export function denyModal(inv: Invitation, privateMetadata: string): View {
  return modal({
    callbackId: DENY_VIEW.callbackId,
    title: 'Deny request',
    submit: 'Deny',
    privateMetadata,
    blocks: [
      section(requestLine(inv)),
      textInputBlock(DENY_VIEW.reason, 'Reason (sent to the requester)', {
        optional: true,
        multiline: true,
        maxLength: MAX_REASON_LENGTH,
      }),
    ],
  });
}

/**
 * Told once to each Admin when posting requests to the approvals channel starts failing: requests now come by DM,
 * and what to do about the channel.
 * @param reason Slack's error code (`not_in_channel`, `channel_not_found`, `is_archived`, …)
 */
export function approvalsChannelFailingMessage(channelId: string, reason: string): SlackMessage {
  const what =
    reason === 'is_archived'
      ? `<#${channelId}> is archived`
      : `AstroBee Org cannot post to <#${channelId}> (it is not a member, or the channel is gone)`;
  return plainMessage(
    `:warning: Invitation requests could not be posted to the approvals channel: ${what}. ` +
      'Until that is fixed, each request comes to every Admin by DM, as this one did. ' +
      `Invite the app to the channel (\`/invite @AstroBee Org\` in <#${channelId}>), or choose another one with ` +
      '`/org approvals #channel` (or `/org approvals dm`).',
  );
}
