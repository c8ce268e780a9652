import { displayEmail } from '../../domain/email.js';
import { type Role, roleLabel, roleWithArticle } from '../../domain/members/member.entity.js';
import type { Departure, MemberSummary, RoleChange } from '../../domain/members/members.service.js';
import { button, plainMessage, type SlackMessage, section } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';
import {
  confirmDialog,
  encodeMemberRef,
  MEMBER_ACTIONS,
  memberName,
  removeConfirmDialog,
} from './members.blocks.js';

/** Value of the Leave button (the caller is the only one it can act on). */
export const LEAVE_VALUE = 'leave';

function described(m: MemberSummary): string {
  return m.slackUserId
    ? `${memberName(m)} (${escapeMrkdwn(displayEmail(m.email))}, ${roleLabel(m.role)})`
    : `${memberName(m)} (${roleLabel(m.role)})`;
}

/**
 * The confirm step of `/org remove`: what will happen, a Remove button (which asks once more, in a Slack confirm
 * dialog) and Cancel.
 * @param deactivated true when the member's Slack account is deactivated (no message will reach them)
 */
export function removeConfirmMessage(
  member: MemberSummary,
  organizationName: string,
  deactivated = false,
): SlackMessage {
  const text =
    `Remove ${described(member)} from *${escapeMrkdwn(organizationName)}*? ` +
    (!member.slackUserId
      ? 'They lose access at once. They have not used AstroBee in Slack yet, so no message reaches them.'
      : deactivated
        ? 'They lose access at once. Their Slack account is deactivated, so no message will be sent.'
        : 'They lose access at once and are told by direct message.');
  return {
    text: `Remove ${escapeMrkdwn(displayEmail(member.email))} from ${escapeMrkdwn(organizationName)}?`,
    blocks: [
      section(text),
      {
        type: 'actions',
        block_id: 'member_remove_confirm',
        elements: [
          button(MEMBER_ACTIONS.remove, 'Remove', encodeMemberRef({ memberId: member.id, page: null }), {
            style: 'danger',
            confirm: removeConfirmDialog(member, organizationName, deactivated),
          }),
          button(MEMBER_ACTIONS.cancel, 'Cancel', 'cancel'),
        ],
      },
    ],
  };
}

/** The confirm step of `/org leave`: a Leave button (with a Slack confirm dialog) and Cancel. */
export function leaveConfirmMessage(organizationName: string, role: Role): SlackMessage {
  const org = escapeMrkdwn(organizationName);
  const rejoin = 'To come back later you need a new invitation.';
  return {
    text: `Leave ${escapeMrkdwn(organizationName)}?`,
    blocks: [
      section(
        `Leave *${org}*? You lose access at once${role === 'admin' ? ' and stop being an Admin' : ''}. ${rejoin}`,
      ),
      {
        type: 'actions',
        block_id: 'member_leave_confirm',
        elements: [
          button(MEMBER_ACTIONS.leave, 'Leave', LEAVE_VALUE, {
            style: 'danger',
            confirm: confirmDialog('Leave organization?', `Leave ${organizationName}? ${rejoin}`, 'Leave'),
          }),
          button(MEMBER_ACTIONS.cancel, 'Cancel', 'cancel'),
        ],
      },
    ],
  };
}

/** The outcome of a role change, for the Admin who made it. */
export function roleChangedText(change: RoleChange): string {
  const who = memberName(change.member);
  return change.changed
    ? `:white_check_mark: ${who} is now ${roleWithArticle(change.role)} (was ${roleLabel(change.previous)}).`
    : `${who} is already ${roleWithArticle(change.role)}. Nothing was changed.`;
}

/** The outcome of a removal, for the Admin who made it. */
export function removedText(departure: Departure, deactivated = false): string {
  return (
    `:white_check_mark: Removed ${described(departure.member)} from *${escapeMrkdwn(departure.organizationName)}*.` +
    (deactivated ? ' Their Slack account is deactivated, so no message was sent.' : '')
  );
}

/** The direct message to a removed member. */
export function removedNotice(organizationName: string, bySlackUserId: string): SlackMessage {
  return plainMessage(
    `You were removed from *${escapeMrkdwn(organizationName)}* on AstroBee by <@${bySlackUserId}>. ` +
      'Ask one of its admins if you think this is a mistake.',
  );
}

/** The confirmation after leaving. */
export function leftMessage(organizationName: string): SlackMessage {
  return plainMessage(
    `You left *${escapeMrkdwn(organizationName)}*. To come back, ask one of its admins for a new invitation.`,
  );
}

/** `/org whoami`: the caller's role in the organization, and its name and ID. */
export function whoamiMessage(organization: { id: string; name: string }, role: Role): SlackMessage {
  return plainMessage(
    `You are ${roleWithArticle(role)} of *${escapeMrkdwn(organization.name)}* on AstroBee ` +
      `(organization ID \`${organization.id}\`).`,
  );
}

/** The answer to Cancel in a confirm step. */
export function cancelledMessage(): SlackMessage {
  return plainMessage('Cancelled. Nothing was changed.');
}
